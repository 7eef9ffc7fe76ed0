"""Crawl sources: run the right route, publish through Publisher, keep the source's health.

``crawl_source`` never raises for a source problem: an unreachable or broken source gives a
report with ``ok=False`` and a clear error, its :class:`SourceState` is updated, and operators
get an event on ``euradar.operator`` when a source keeps failing or falls silent.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date

from euradar.core.errors import EuradarError, SourceError
from euradar.core.models import utcnow_iso
from euradar.core.ports import Bus, Store
from euradar.core.settings import Settings
from euradar.core.topics import OPERATOR
from euradar.crawlers.dump import crawl_dump
from euradar.crawlers.feeds import crawl_feed
from euradar.crawlers.report import REPORT_PREFIX, CrawlReport
from euradar.crawlers.sources import SourceConfig

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # consecutive failed crawls before operators are told
SPIDER_GRACE_SECONDS = 120  # on top of the per-request timeout, for a whole spider crawl


def crawl_source(source: SourceConfig, settings: Settings, bus: Bus, store: Store,
                 today: date | None = None) -> CrawlReport:
    """Crawl one source and record its health; returns the report (never raises for the
    source's own failures). ``today`` fixes the date used for status derivation (tests)."""
    started = time.monotonic()
    try:
        if source.route == "feed":
            report = crawl_feed(source, settings, bus, store)
        elif source.route == "dump":
            report = crawl_dump(source, settings, bus, store, today)
        elif source.route == "spider":
            report = run_spider_subprocess(source, settings, today)
        else:
            raise SourceError(f"{source.name}: unknown route {source.route!r}")
    except EuradarError as exc:
        report = CrawlReport(source=source.name, ok=False, error=str(exc))
    except Exception as exc:  # a bug in a parser must not stop the other sources
        log.exception("crawl of %s crashed", source.name)
        report = CrawlReport(source=source.name, ok=False,
                             error=f"{source.name}: crawler crashed: {exc!r}")
    report.duration = round(time.monotonic() - started, 3)
    if not report.ok:
        log.error("source %s failed: %s", source.name, report.error)
    record_health(report, bus, store)
    return report


def run_spider_subprocess(source: SourceConfig, settings: Settings, today: date | None,
                          samples: int = 0) -> CrawlReport:
    """Crawl with the source's spider in its own process. ``samples`` > 0 is a dry run
    (`euradar sources check`): the subprocess publishes into its own in-memory bus and store
    and reports sample items instead."""
    bus_url, store_url = ("memory://", "memory://") if samples else (settings.bus_url, settings.store_url)
    for label, url in (("bus", bus_url), ("store", store_url)):
        if url.startswith("memory://") and not samples:
            raise SourceError(f"{source.name}: the spider route runs in a subprocess and needs a "
                              f"{label} shared between processes (sqlite:///path or kafka://), got {url}")
    command = [sys.executable, "-m", "euradar.crawlers.spider_process", source.name,
               "--config-json", json.dumps(source.to_dict()), "--bus", bus_url,
               "--store", store_url, "--user-agent", settings.user_agent,
               "--timeout", str(settings.http_timeout), "--data-dir", str(settings.data_dir)]
    if today:
        command += ["--today", today.isoformat()]
    if samples:
        command += ["--samples", str(samples)]
    timeout = settings.http_timeout * (4 if samples else 10) + SPIDER_GRACE_SECONDS
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"{source.name}: spider crawl did not finish within {timeout:.0f}s") from exc
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(REPORT_PREFIX):
            report = CrawlReport.from_line(line)
            if done.stderr.strip():
                log.debug("spider %s log:\n%s", source.name, done.stderr[-5000:])
            return report
    tail = (done.stderr or "").strip().splitlines()[-5:]
    raise SourceError(f"{source.name}: spider process exited {done.returncode} without a report: "
                      + " | ".join(tail))


def record_health(report: CrawlReport, bus: Bus, store: Store) -> None:
    """Update the source's SourceState and tell operators about failing or silent sources."""
    state = store.source_state(report.source)
    now = utcnow_iso()
    had_items = state.last_item_count > 0
    state.last_attempt = now
    state.requests += report.requests
    state.bytes += report.bytes
    state.events += report.events
    alert: tuple[str, str] | None = None
    if report.ok:
        state.last_success = now
        state.consecutive_failures = 0
        # Only a crawl that finished moves the incremental cursor: a broken one is repeated.
        state.cursor = report.cursor or state.cursor
        if report.mode == "full":
            state.last_full_crawl = now
        if report.items_seen == 0 and report.not_modified == 0:
            state.consecutive_empty += 1
            if had_items and state.consecutive_empty == 1:
                alert = ("silent", f"{report.source} yielded no items (it had {state.last_item_count} "
                                   "before); the page layout or the query may have changed")
            state.last_item_count = 0
        elif report.items_seen:
            state.consecutive_empty = 0
            state.last_item_count = report.items_seen
            state.items_seen += report.items_seen
    else:
        state.last_error = report.error
        state.error_count += 1
        state.consecutive_failures += 1
        if state.consecutive_failures == FAILING_AFTER:
            alert = ("failing", f"{report.source} failed {FAILING_AFTER} times in a row; "
                                f"last error: {report.error}")
    store.save_source_state(state)
    if alert:
        publish_operator_event(bus, report.source, alert[0], alert[1], now)


def publish_operator_event(bus: Bus, source: str, kind: str, message: str, at: str) -> None:
    payload = {"source": source, "kind": kind, "message": message, "at": at}
    try:
        bus.publish(OPERATOR, source, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        bus.flush()
    except EuradarError as exc:  # health is still in the store; do not fail the crawl loop
        log.error("could not publish operator event for %s: %s", source, exc)


def crawl_all(sources: Iterable[SourceConfig], settings: Settings, bus: Bus, store: Store,
              progress: Callable[[CrawlReport], None] | None = None,
              today: date | None = None, include_disabled: bool = False,
              workers: int = 4) -> list[CrawlReport]:
    """Crawl the enabled sources, a few at a time (each waits mostly on the network or on its
    Scrapy subprocess); one failing source does not stop the rest. Reports come back in the
    order of ``sources``; ``progress`` is called as each source finishes."""
    chosen = [s for s in sources if s.enabled or include_disabled]
    if not chosen:
        return []
    reports: dict[str, CrawlReport] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen))),
                            thread_name_prefix="crawl") as pool:
        futures = {pool.submit(crawl_source, s, settings, bus, store, today=today): s
                   for s in chosen}
        for future in as_completed(futures):
            report = future.result()
            reports[futures[future].name] = report
            if progress is not None:
                progress(report)
    return [reports[s.name] for s in chosen]
