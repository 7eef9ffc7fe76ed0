"""Run one Scrapy spider crawl in its own process and print a CrawlReport line.

``python -m euradar.crawlers.spider_process <source-name> [--config-json JSON] [--bus URL] [--store URL]
[--today YYYY-MM-DD] [--samples N]``

Twisted's reactor cannot be restarted, so a long-running scheduler cannot run a second Scrapy
crawl in-process; a fresh process per crawl also isolates a crashing spider. Settings come from
the inherited environment (``euradar.core.settings.from_env``); the parent passes the bus/store URLs
and the exact source config it was given so both sides agree. Exit status 0 whenever a report
was printed (a failed source is data, not a crash).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from euradar.core.codec import loads_event
from euradar.core.registry import open_bus, open_store
from euradar.core.settings import Settings, from_env
from euradar.core.topics import ITEMS_RAW
from euradar.crawlers import settings as scrapy_settings
from euradar.crawlers.publish import CRAWL_FLUSH_EVERY, Publisher
from euradar.crawlers.report import CrawlReport, summarize_items
from euradar.crawlers.sources import SourceConfig, find_source, load_sources
from euradar.crawlers.spiders import spider_class


def run_spider(source: SourceConfig, settings: Settings, today: date | None = None,
               samples: int = 0) -> CrawlReport:
    started = time.monotonic()
    bus, store = open_bus(settings.bus_url), open_store(settings.store_url)
    publisher = Publisher(bus, store, flush_every=CRAWL_FLUSH_EVERY)
    crawl_settings = scrapy_settings.for_source(source, settings)
    if samples:  # a check keeps nothing, not even robots.txt
        crawl_settings["EURADAR_ROBOTS_CACHE"] = None
    process = CrawlerProcess(crawl_settings)
    crawler = process.create_crawler(spider_class(source.spider or ""))
    process.crawl(crawler, source=source, store=store, today=today, publisher=publisher)
    process.start()
    publisher.flush()  # PublishPipeline.close_spider flushed already; this is the safety net
    spider, stats = crawler.spider, crawler.stats.get_stats()
    report = CrawlReport(source=source.name, ok=True)
    report.add_stats(publisher.stats)
    report.requests = int(stats.get("downloader/request_count", 0))
    report.bytes = int(stats.get("downloader/response_bytes", 0))
    report.duration = round(time.monotonic() - started, 3)
    errors = list(getattr(spider, "fatal_errors", []))
    crashed = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if crashed:
        errors.append(f"{source.name}: {crashed} spider exception(s), see the crawler log")
    if spider is None:
        errors.append(f"{source.name}: the spider did not start, see the crawler log")
    report.not_modified = getattr(spider, "not_modified", 0)
    report.warnings = list(getattr(spider, "warnings", []))
    mode = getattr(spider, "mode", None)
    report.mode = mode.name if mode is not None else "full"
    report.cursor = getattr(spider, "cursor_out", None)
    if samples:
        items = [loads_event(m.value).item for m in bus.read_topic(ITEMS_RAW, limit=100_000)]  # type: ignore[attr-defined]
        report.samples, report.fields = summarize_items(items, samples)
    if errors:
        report.ok, report.error = False, "; ".join(errors)
    store.close()
    bus.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m euradar.crawlers.spider_process")
    parser.add_argument("source")
    parser.add_argument("--config-json", help="the source config (default: from the sources file)")
    parser.add_argument("--bus")
    parser.add_argument("--store")
    parser.add_argument("--user-agent")
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--data-dir", help="where the robots.txt cache lives (the parent's data dir)")
    parser.add_argument("--today", help="fix 'today' for status derivation (reproducible tests)")
    parser.add_argument("--samples", type=int, default=0,
                        help="report this many sample items and field counts (euradar sources check)")
    args = parser.parse_args(argv)
    settings = from_env(bus_url=args.bus, store_url=args.store, user_agent=args.user_agent,
                        http_timeout=args.timeout, data_dir=Path(args.data_dir) if args.data_dir else None)
    if args.config_json:
        source = SourceConfig.from_dict(json.loads(args.config_json))
    else:
        source = find_source(load_sources(settings.sources_file, settings.source_overrides), args.source)
    today = date.fromisoformat(args.today) if args.today else None
    try:
        report = run_spider(source, settings, today, samples=args.samples)
    except Exception as exc:  # report, never die silently: the parent records the health entry
        logging.getLogger(__name__).exception("spider crawl of %s crashed", source.name)
        report = CrawlReport(source=source.name, ok=False, error=f"{source.name}: crawler crashed: {exc!r}")
    sys.stdout.write(report.to_line() + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
