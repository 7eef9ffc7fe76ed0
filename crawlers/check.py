"""``euradar sources check``: fetch each source once, right now, and say what a user needs to
know: is it reachable, does its robots.txt allow us, how many items came back, which fields
were extracted, and a few sample titles.

A check is a dry run. It crawls into throwaway in-memory backends, so nothing is published,
no validators are saved (the next real crawl is not skipped by a 304) and the source's health
is left alone. It reads a little: one page of the listing or API, a few detail pages. Without
internet every source fails at name resolution in milliseconds; robots.txt is fetched first,
so an unreachable host costs one attempt and no crawl.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from euradar.core.codec import loads_event
from euradar.core.errors import EuradarError
from euradar.core.registry import open_bus, open_store
from euradar.core.settings import Settings
from euradar.core.topics import ITEMS_RAW
from euradar.crawlers.dump import crawl_dump
from euradar.crawlers.feeds import crawl_feed, describe_transport_error
from euradar.crawlers.report import CrawlReport, summarize_items
from euradar.crawlers.run import run_spider_subprocess
from euradar.crawlers.sources import SourceConfig

# Read little: one listing/API page, a few content or detail pages, no retries, full mode.
CHECK_OPTIONS = {"max_pages": 1, "max_new_pages": 5, "page_size": 10, "limit": 10, "max_details": 3,
                 "retries": 0, "incremental": False, "partial_read": True}
CHECK_TIMEOUT = 15.0
SAMPLES = 3


@dataclass
class CheckResult:
    source: str
    url: str
    kind: str
    route: str
    enabled: bool
    disabled_reason: str | None = None
    reachable: bool | None = None
    robots: str = "not checked"
    ok: bool = False
    items: int = 0
    fields: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def check_robots(source: SourceConfig, settings: Settings, result: CheckResult, timeout: float) -> bool:
    """Fetch robots.txt: tells reachability and permission. False ends the check."""
    address = robots_url(source.url)
    try:
        response = httpx.get(address, headers={"User-Agent": settings.user_agent}, timeout=timeout,
                             follow_redirects=True)
    except httpx.TransportError as exc:
        result.reachable = False
        result.error = (f"unreachable: {describe_transport_error(exc)}. Check the internet connection "
                        f"(and a proxy, if you need one), then the address {source.url}")
        return False
    result.reachable = True
    if response.status_code >= 400:
        result.robots = f"no robots.txt (HTTP {response.status_code}): everything allowed"
        return True
    rules = RobotFileParser()
    rules.parse(response.text.splitlines())
    if rules.can_fetch(settings.user_agent, source.url):
        result.robots = "robots.txt allows it"
        return True
    result.robots = "robots.txt FORBIDS it"
    result.error = (f"{urlsplit(source.url).hostname}'s robots.txt forbids {source.url} for our user "
                    "agent: the site does not want it crawled. Disable the source (enabled = false "
                    "with a disabled_reason) or ask the site owner")
    return False


def _items_from(bus: Any) -> list[Any]:
    return [loads_event(m.value).item for m in bus.read_topic(ITEMS_RAW, limit=100_000)]


def run_once(source: SourceConfig, settings: Settings, today: date | None) -> CrawlReport:
    """One crawl of ``source`` into in-memory backends, with samples and field counts."""
    if source.route == "spider":
        return run_spider_subprocess(source, settings, today, samples=SAMPLES)
    bus, store = open_bus("memory://"), open_store("memory://")
    try:
        if source.route == "feed":
            report = crawl_feed(source, settings, bus, store)
        else:
            report = crawl_dump(source, settings, bus, store, today)
        report.samples, report.fields = summarize_items(_items_from(bus), SAMPLES)
        return report
    finally:
        store.close()
        bus.close()


def check_source(source: SourceConfig, settings: Settings, today: date | None = None) -> CheckResult:
    started = time.monotonic()
    result = CheckResult(source=source.name, url=source.url, kind=source.kind, route=source.spider or source.route,
                         enabled=source.enabled, disabled_reason=source.disabled_reason)
    timeout = min(settings.http_timeout, CHECK_TIMEOUT)
    quick = dataclasses.replace(settings, http_timeout=timeout)
    if check_robots(source, quick, result, timeout):
        checked = dataclasses.replace(source, options={**source.options, **CHECK_OPTIONS})
        try:
            report = run_once(checked, quick, today)
        except EuradarError as exc:
            report = CrawlReport(source=source.name, ok=False, error=str(exc))
        result.ok, result.error = report.ok, report.error
        result.items, result.fields, result.samples = report.items_seen, report.fields, report.samples
        result.warnings = list(report.warnings)
        if report.ok and not report.items_seen:
            result.warnings.append("the source answered but gave no items")
    result.duration = round(time.monotonic() - started, 2)
    return result


def check_sources(sources: Iterable[SourceConfig], settings: Settings, today: date | None = None,
                  progress: Callable[[CheckResult], None] | None = None, workers: int = 6) -> list[CheckResult]:
    """Check several sources side by side; results in the order given."""
    chosen = list(sources)
    if not chosen:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen))), thread_name_prefix="check") as pool:
        futures = [pool.submit(check_source, s, settings, today) for s in chosen]
        results = []
        for future in futures:
            results.append(future.result())
            if progress is not None:
                progress(results[-1])
    return results
