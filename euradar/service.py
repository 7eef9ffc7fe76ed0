"""The always-on service behind ``euradar run`` and ``euradar consume``: supervised roles, a
scheduler whose jobs retry and catch up, and a bounded, clean shutdown.

* Every consumer role runs under :class:`~euradar.core.supervisor.Supervisor`: an error
  restarts it with backoff (logged, counted in ``/metrics``); a record that keeps failing is
  dead-lettered by the consume loop, so one record cannot stop a role.
* The scheduler (itself supervised) crawls each source when due and runs the daily jobs.
  A job that fails (SMTP or the index down) is retried with backoff, never taking the process
  down; a job missed while the process was down runs when it is back, once: the weekly digest
  of the current week is sent on any later day of that week, daily digests of missed days are
  caught up (up to :data:`CATCH_UP_DAYS`), reminders catch up by themselves (a reminder is due
  once the days left are at or below its offset). The store's digest log and alert ledger make
  each of them go out once.
* Shutdown (SIGTERM/SIGINT): the stop event is set; roles finish the batch in hand (or leave
  it uncommitted), stop polling, close their consumers; the caller then flushes and closes the
  backends. It waits at most ``Settings.shutdown_seconds``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from euradar.alerts.digest import send_digests
from euradar.alerts.links import Links
from euradar.alerts.reminders import send_reminders
from euradar.core import metrics
from euradar.core.ports import Bus, Index, Notifier, Store
from euradar.core.settings import Settings
from euradar.core.supervisor import Supervisor, TaskState, summarize_traceback
from euradar.crawlers.report import CrawlReport
from euradar.crawlers.run import crawl_all
from euradar.crawlers.sources import load_sources
from euradar.crawlers.sweep import refresh_statuses

log = logging.getLogger(__name__)
CATCH_UP_DAYS = 7


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def daily_digest_days(sent_periods: list[str], today: date) -> list[date]:
    """The days whose daily digest is due: today, and the days since the last one sent
    (at most CATCH_UP_DAYS back). Nothing sent yet: today only."""
    days = []
    for period in sent_periods:
        try:
            days.append(date.fromisoformat(period))
        except ValueError:
            continue  # a weekly period such as 2026-W19
    last = max((d for d in days if d <= today), default=None)
    if last is None:
        return [today]
    first = max(last + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS - 1))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


class Runtime(Protocol):
    """What the service needs of :class:`euradar.runtime.Runtime` (which imports this module)."""

    settings: Settings
    bus: Bus
    index: Index
    store: Store
    notifier: Notifier
    webhook: Notifier | None
    supervisor: Supervisor

    @property
    def stop_event(self) -> threading.Event: ...

    @property
    def links(self) -> Links: ...

    def consume(self, role: str, *, until_idle: bool = False,
                stop: threading.Event | None = None, state: TaskState | None = None) -> object: ...


@dataclass
class Job:
    """A job that must succeed once per day; failures are retried with backoff."""

    name: str
    run: Callable[[date], object]
    done_for: date | None = None
    failures: int = 0
    next_try: float = 0.0

    def due(self, today: date, now: float) -> bool:
        return self.done_for != today and now >= self.next_try


@dataclass
class Scheduler:
    """Crawls due sources and runs due jobs, each guarded, on every tick."""

    runtime: Runtime
    is_due: Callable[[str, str | None], bool]  # (schedule, last attempt) -> crawl now?
    progress: Callable[[CrawlReport], None] | None = None
    tick_seconds: float = 30.0
    backoff_base: float = 2.0
    # False when the alerter role runs in another process (``run --crawl-only``): reminders are
    # parked for it to deliver, so two processes never flush the same pending alerts.
    deliver_reminders: bool = True
    jobs: list[Job] = field(default_factory=list)

    def __post_init__(self) -> None:
        rt = self.runtime
        self.jobs = [
            Job("status-sweep", lambda today: refresh_statuses(rt.bus, rt.store, today)),
            Job("reminders", lambda today: send_reminders(rt.store, rt.index, rt.notifier,
                                                          rt.webhook, today,
                                                          deliver=self.deliver_reminders,
                                                          links=rt.links)),
            Job("daily-digests", self._daily_digests),
            # Every day, not only on Mondays: the week's digest goes out on the first day the
            # process runs in that week; the digest log keeps it to one.
            Job("weekly-digests", lambda today: send_digests(
                rt.store, rt.index, rt.notifier, "weekly", week_start(today), links=rt.links)),
        ]

    def _daily_digests(self, today: date) -> None:
        rt = self.runtime
        sent = [row["period"] for row in rt.store.digest_log()]
        for day in daily_digest_days(sent, today):
            send_digests(rt.store, rt.index, rt.notifier, "daily", day, links=rt.links)

    def run_jobs(self, today: date | None = None) -> None:
        today = today or datetime.now(UTC).date()
        now = time.monotonic()
        for job in self.jobs:
            if not job.due(today, now):
                continue
            try:
                job.run(today)
            except Exception as exc:
                job.failures += 1
                delay = min(self.runtime.settings.restart_backoff_max,
                            self.backoff_base * 2 ** (job.failures - 1))
                job.next_try = time.monotonic() + delay
                metrics.JOB_RUNS.labels(job=job.name, outcome="failed").inc()
                metrics.RESTARTS.labels(task=f"job:{job.name}").inc()
                log.error("job %s failed (%s: %s); retry in %.0fs\n%s", job.name,
                          type(exc).__name__, exc, delay, summarize_traceback(exc))
                continue
            job.done_for, job.failures, job.next_try = today, 0, 0.0
            metrics.JOB_RUNS.labels(job=job.name, outcome="ok").inc()

    def crawl_due(self) -> None:
        rt = self.runtime
        sources = [s for s in load_sources(rt.settings.sources_file,
                                           rt.settings.source_overrides) if s.enabled]
        due = [s for s in sources
               if self.is_due(s.schedule, rt.store.source_state(s.name).last_attempt)]
        if due:
            crawl_all(due, rt.settings, rt.bus, rt.store, progress=self.progress)

    def next_wake(self) -> float:
        """Seconds to sleep: the tick, or less when a failed job's retry comes sooner."""
        now = time.monotonic()
        retries = [j.next_try - now for j in self.jobs if j.next_try > now]
        return max(0.5, min([self.tick_seconds, *retries]))

    def loop(self, state: TaskState) -> None:
        stop = self.runtime.stop_event
        while not stop.is_set():
            state.beat()
            self.run_jobs()
            try:
                self.crawl_due()
            except Exception as exc:  # a store outage, say: try again next tick
                log.error("crawl cycle failed (%s: %s); next try in %.0fs\n%s",
                          type(exc).__name__, exc, self.tick_seconds, summarize_traceback(exc))
                metrics.JOB_RUNS.labels(job="crawl", outcome="failed").inc()
            state.progressed()
            stop.wait(self.next_wake())


def run_service(runtime: Runtime, roles: tuple[str, ...], *, scheduler: Scheduler | None = None,
                supervisor: Supervisor | None = None) -> list[str]:
    """Run ``roles`` (and the scheduler, if given) supervised until the runtime is stopped;
    returns the tasks that did not stop within ``Settings.shutdown_seconds``."""
    settings = runtime.settings
    supervisor = supervisor or runtime.supervisor
    for role in roles:
        def consume(state: TaskState, role: str = role) -> object:
            return runtime.consume(role, state=state)

        supervisor.spawn(role, consume)
    if scheduler is not None:
        supervisor.spawn("scheduler", scheduler.loop)
    runtime.stop_event.wait()
    log.info("stopping: finishing the batches in hand (at most %.0fs)", settings.shutdown_seconds)
    left = supervisor.join(settings.shutdown_seconds)
    if left:
        # Their uncommitted batches are delivered again after the restart (at-least-once).
        log.warning("still busy after %.0fs, leaving without them: %s",
                    settings.shutdown_seconds, ", ".join(left))
    return left
