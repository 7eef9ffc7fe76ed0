"""The runtime: opens the backends named in Settings once and runs the roles on them.

The embedded default and the distributed mode run this same code; only the URLs differ. This
is the composition root: the one place that knows every room (roles, crawlers, alert jobs).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from euradar.alerts.batching import Clock
from euradar.alerts.links import Links
from euradar.alerts.operators import OperatorAlerter
from euradar.alerts.render import preload as preload_templates
from euradar.consumers.alerter import AlerterHandler, run_alerter
from euradar.consumers.indexer import IndexerHandler
from euradar.consumers.runner import Handler, RunStats, run_consumer
from euradar.consumers.tagger import TaggerHandler
from euradar.core import registry
from euradar.core.ports import Bus, Index, Notifier, Store
from euradar.core.settings import Settings
from euradar.core.supervisor import RecordFailures, Supervisor, TaskState
from euradar.core.topics import ITEMS_RAW, ITEMS_TAGGED
from euradar.crawlers.report import CrawlReport
from euradar.crawlers.run import crawl_all
from euradar.crawlers.sources import load_sources
from euradar.crawlers.sweep import refresh_statuses
from euradar.health import Health
from euradar.nlp.morphology import preload as preload_morphology
from euradar.service import Scheduler, run_service

log = logging.getLogger(__name__)
ROLES = ("tagger", "indexer", "alerter")
# Records per poll. The indexer takes big batches: each Elasticsearch bulk waits for a refresh
# (about 1 s), so 64 items per bulk would cap it near 60 items/s; redelivery stays idempotent.
BATCH_SIZES = {"tagger": 64, "indexer": 500, "alerter": 200}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def schedule_seconds(schedule: str) -> float:
    """'30m', '6h', '1d' -> seconds."""
    value, unit = schedule.strip()[:-1], schedule.strip()[-1:]
    if unit not in _UNITS or not value.replace(".", "", 1).isdigit():
        raise ValueError(f"schedule {schedule!r}: use a number and s, m, h or d, e.g. '6h'")
    return float(value) * _UNITS[unit]


def link_secret(settings: Settings) -> bytes:
    """The key that signs mail links: EURADAR_LINK_SECRET, else a random one kept (0600) in the
    data directory, so links in mails already sent keep working after a restart."""
    if settings.link_secret:
        return settings.link_secret.encode("utf-8")
    path = settings.data_dir / "link-secret"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex())
    return key


def is_due(schedule: str, last_attempt: str | None, now: datetime | None = None) -> bool:
    """A source is due when it was never tried or its period has passed since the last try."""
    if not last_attempt:
        return True
    now = now or datetime.now(UTC)
    last = datetime.fromisoformat(last_attempt)
    return (now - last).total_seconds() >= schedule_seconds(schedule)


@dataclass
class Runtime:
    settings: Settings
    bus: Bus
    index: Index
    store: Store
    notifier: Notifier
    webhook: Notifier | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    # Per role, how often each record failed; survives the role's restarts (see runner).
    _failures: dict[str, RecordFailures] = field(default_factory=dict)
    supervisor: Supervisor = field(init=False)
    health: Health = field(init=False)
    _links: Links | None = None

    def __post_init__(self) -> None:
        if self.webhook is None:
            self.webhook = registry.open_webhook(self.settings, self.bus)
        self.supervisor = Supervisor(self._stop, backoff_max=self.settings.restart_backoff_max)
        self.health = Health(self.settings, self.bus, self.index, self.store, self.notifier,
                             tasks=self.supervisor.states)

    @property
    def stop_event(self) -> threading.Event:
        return self._stop

    @property
    def links(self) -> Links:
        """Signs and checks the personal links in mails (manage, unsubscribe, calendar)."""
        if self._links is None:
            self._links = Links(self.settings.public_url, link_secret(self.settings))
        return self._links

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, bus=registry.open_bus(settings.bus_url),
                   index=registry.open_index(settings.index_url),
                   store=registry.open_store(settings.store_url),
                   notifier=registry.open_notifier(settings))

    def handler(self, role: str) -> tuple[str, Handler]:
        """The handler and topic of the tagger or indexer role (the alerter has its own loop,
        :func:`euradar.consumers.alerter.run_alerter`, for its batching window)."""
        if role == "tagger":
            return ITEMS_RAW, TaggerHandler(self.bus)
        if role == "indexer":
            return ITEMS_TAGGED, IndexerHandler(self.index, self.bus)
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")

    def alerter(self, clock: Clock | None = None) -> AlerterHandler:
        """The alerter handler: email and webhook notifiers, the batching window."""
        return AlerterHandler(self.store, self.notifier, webhook=self.webhook,
                              batch_seconds=self.settings.alert_batch_seconds, clock=clock,
                              links=self.links)

    def consume(self, role: str, *, until_idle: bool = False,
                stop: threading.Event | None = None, state: TaskState | None = None) -> RunStats:
        """Run one role as its own consumer group (until idle, or until stopped)."""
        stop = stop or self._stop
        # Dictionaries, templates and label tables load before the role joins its group: loaded
        # lazily, the first batch after every (re)start waited for them (2-4 s of CPU).
        preload_morphology()
        if role == "alerter":
            preload_templates()
        if stop.is_set():  # stopped while loading: do not join the group only to leave it
            return RunStats(records=0)
        failures = self._failures.setdefault(role, RecordFailures())
        attempts = self.settings.record_attempts
        if role == "alerter":  # batches per recipient within a window, relays operator events
            operators = OperatorAlerter(self.store, self.notifier)
            records = run_alerter(self.bus, self.alerter(), operators, stop=stop,
                                  until_idle=until_idle, failures=failures,
                                  max_attempts=attempts, state=state)
            return RunStats(records=records)
        topic, handle = self.handler(role)
        consumer = self.bus.consumer([topic], group=role)
        try:
            return run_consumer(consumer, self.bus, role, handle, until_idle=until_idle,
                                stop=stop, batch_size=BATCH_SIZES[role], failures=failures,
                                max_attempts=attempts, state=state)
        finally:
            consumer.close()

    def drain(self) -> dict[str, int]:
        """Run every role until its topic is consumed (embedded one-shot mode)."""
        return {role: self.consume(role, until_idle=True).records for role in ROLES}

    def crawl(self, names: list[str] | None = None,
              progress: Callable[[CrawlReport], None] | None = None) -> list[CrawlReport]:
        sources = load_sources(self.settings.sources_file, self.settings.source_overrides)
        chosen = [s for s in sources if (s.name in names if names else s.enabled)]
        reports = crawl_all(chosen, self.settings, self.bus, self.store, progress=progress)
        refresh_statuses(self.bus, self.store)  # calls that closed since they were last listed
        return reports

    def run_forever(self, progress: Callable[[CrawlReport], None] | None = None,
                    tick_seconds: float = 30.0, consumers: bool = True) -> list[str]:
        """Consumer roles (unless ``consumers`` is False: they run as their own processes, as
        in docker compose) and the scheduler, each supervised (:mod:`euradar.service`), until
        :meth:`stop`. Returns the tasks that did not stop in time."""
        scheduler = Scheduler(self, is_due, progress=progress, tick_seconds=tick_seconds,
                              deliver_reminders=consumers)
        return run_service(self, ROLES if consumers else (), scheduler=scheduler)

    def run_roles(self, roles: tuple[str, ...]) -> list[str]:
        """Only these consumer roles, supervised, until :meth:`stop` (``euradar consume``)."""
        return run_service(self, roles)

    def daily_jobs(self, today: date) -> None:
        """Deadline reminders, daily digests (with the days missed) and this week's digest,
        once each (the store's logs keep them to one). Raises on the first failure."""
        scheduler = Scheduler(self, is_due)
        for job in scheduler.jobs:
            job.run(today)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        for part in (self.bus, self.index, self.store):
            try:
                part.close()
            except Exception as exc:  # closing is best effort; report and go on
                log.warning("closing %s: %s", type(part).__name__, exc)
