"""The runtime: opens the backends named in Settings once and runs the roles on them.

The embedded default and the distributed mode run this same code; only the URLs differ.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timezone
from dataclasses import dataclass, field
from typing import Callable

from euradar import registry
from euradar.ports import Bus, Index, Notifier, Store
from euradar.settings import Settings
from euradar.topics import ITEMS_RAW, ITEMS_TAGGED

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


def is_due(schedule: str, last_attempt: str | None, now: datetime | None = None) -> bool:
    """A source is due when it was never tried or its period has passed since the last try."""
    if not last_attempt:
        return True
    now = now or datetime.now(timezone.utc)
    last = datetime.fromisoformat(last_attempt)
    return (now - last).total_seconds() >= schedule_seconds(schedule)


@dataclass
class Runtime:
    settings: Settings
    bus: Bus
    index: Index
    store: Store
    notifier: Notifier
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def open(cls, settings: Settings) -> "Runtime":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, bus=registry.open_bus(settings.bus_url),
                   index=registry.open_index(settings.index_url),
                   store=registry.open_store(settings.store_url),
                   notifier=registry.open_notifier(settings))

    def handler(self, role: str):
        """The handler and topic of the tagger or indexer role (the alerter has its own loop,
        :func:`consumers.alerter.run_alerter`, for its batching window)."""
        if role == "tagger":
            from consumers.tagger import TaggerHandler

            return ITEMS_RAW, TaggerHandler(self.bus)
        if role == "indexer":
            from consumers.indexer import IndexerHandler

            return ITEMS_TAGGED, IndexerHandler(self.index, self.bus)
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")

    def consume(self, role: str, *, until_idle: bool = False, stop: threading.Event | None = None):
        """Run one role as its own consumer group (until idle, or until stopped)."""
        from consumers.runner import RunStats, run_consumer

        if role == "alerter":  # batches per recipient within a window, relays operator events
            from consumers.alerter import run_alerter

            records = run_alerter(self, stop=stop or self._stop, until_idle=until_idle)
            return RunStats(records=records)
        topic, handle = self.handler(role)
        consumer = self.bus.consumer([topic], group=role)
        try:
            return run_consumer(consumer, self.bus, role, handle, until_idle=until_idle,
                                stop=stop or self._stop, batch_size=BATCH_SIZES[role])
        finally:
            consumer.close()

    def drain(self) -> dict[str, int]:
        """Run every role until its topic is consumed (embedded one-shot mode)."""
        return {role: self.consume(role, until_idle=True).records for role in ROLES}

    def crawl(self, names: list[str] | None = None,
              progress: Callable[[object], None] | None = None) -> list:
        from crawlers.run import crawl_all
        from crawlers.sources import load_sources

        from crawlers.sweep import refresh_statuses

        sources = load_sources(self.settings.sources_file, self.settings.source_overrides)
        chosen = [s for s in sources if (s.name in names if names else s.enabled)]
        reports = crawl_all(chosen, self.settings, self.bus, self.store, progress=progress)
        refresh_statuses(self.bus, self.store)  # calls that closed since they were last listed
        return reports

    def run_forever(self, progress: Callable[[object], None] | None = None,
                    tick_seconds: float = 30.0, consumers: bool = True) -> None:
        """Consumers as threads (unless ``consumers`` is False: they run as their own processes,
        as in docker compose); crawl each enabled source when its schedule says it is due."""
        from crawlers.run import crawl_all
        from crawlers.sources import load_sources

        threads = [threading.Thread(target=self.consume, args=(role,), name=role, daemon=True)
                   for role in ROLES] if consumers else []
        for t in threads:
            t.start()
        sources = [s for s in load_sources(self.settings.sources_file,
                                           self.settings.source_overrides) if s.enabled]
        last_daily: date | None = None
        while not self._stop.is_set():
            today = datetime.now(timezone.utc).date()
            if today != last_daily:
                self.daily_jobs(today)
                last_daily = today
            due = [s for s in sources
                   if is_due(s.schedule, self.store.source_state(s.name).last_attempt)]
            if due:
                crawl_all(due, self.settings, self.bus, self.store, progress=progress)
            self._stop.wait(tick_seconds)
        for t in threads:
            t.join(timeout=10)

    def daily_jobs(self, today: date) -> None:
        """Deadline reminders and daily digests every day, weekly digests on Mondays. Each is
        recorded in the store, so running them again the same day or week sends nothing."""
        from consumers.digest import send_digests
        from crawlers.sweep import refresh_statuses
        from consumers.reminders import send_reminders
        from infra.notify.webhook import WebhookNotifier

        webhook = WebhookNotifier(self.settings.webhook_secret, self.bus,
                                  timeout=self.settings.http_timeout)
        refresh_statuses(self.bus, self.store, today)
        send_reminders(self.store, self.index, self.notifier, webhook, today)
        send_digests(self.store, self.index, self.notifier, "daily", today)
        if today.weekday() == 0:
            send_digests(self.store, self.index, self.notifier, "weekly", today)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        for part in (self.bus, self.index, self.store):
            try:
                part.close()
            except Exception as exc:  # closing is best effort; report and go on
                log.warning("closing %s: %s", type(part).__name__, exc)
