"""Run one Scrapy spider crawl in its own process and print a CrawlReport line.

``python -m crawlers.spider_process <source-name> [--config-json JSON] [--bus URL] [--store URL]
[--today YYYY-MM-DD]``

Twisted's reactor cannot be restarted, so a long-running scheduler cannot run a second Scrapy
crawl in-process; a fresh process per crawl also isolates a crashing spider. Settings come from
the inherited environment (``euradar.settings.from_env``); the parent passes the bus/store URLs
and the exact source config it was given so both sides agree. Exit status 0 whenever a report
was printed (a failed source is data, not a crash).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from crawlers.publish import Publisher
from crawlers.report import CrawlReport
from crawlers.sources import SourceConfig, find_source, load_sources
from euradar.registry import open_bus, open_store
from euradar.settings import Settings, from_env


PROJECT_ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """The parent's environment plus this checkout on PYTHONPATH, so ``-m crawlers...`` works
    whether or not euradar is pip-installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def scrapy_settings(source: SourceConfig, settings: Settings) -> dict[str, Any]:
    options = source.options
    return {
        "BOT_NAME": "euradar",
        "USER_AGENT": settings.user_agent,  # identifies us, with a contact address
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": float(options.get("crawl_delay", 1.0)),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": float(options.get("crawl_delay", 1.0)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_TIMEOUT": settings.http_timeout,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": int(options.get("retries", 2)),
        "RETRY_BACKOFF_BASE": float(options.get("retry_backoff", 2.0)),
        "HTTPCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.spiders.middleware.BackoffRetryMiddleware": 550,
            "crawlers.spiders.middleware.ConditionalGetMiddleware": 580,
        },
        "ITEM_PIPELINES": {"crawlers.spiders.middleware.PublishPipeline": 300},
    }


def run_spider(source: SourceConfig, settings: Settings, today: date | None = None) -> CrawlReport:
    from scrapy.crawler import CrawlerProcess

    from crawlers.spiders import spider_class

    started = time.monotonic()
    bus, store = open_bus(settings.bus_url), open_store(settings.store_url)
    publisher = Publisher(bus, store)
    process = CrawlerProcess(scrapy_settings(source, settings))
    crawler = process.create_crawler(spider_class(source.spider or ""))
    process.crawl(crawler, source=source, store=store, today=today, publisher=publisher)
    process.start()
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
    if errors:
        report.ok, report.error = False, "; ".join(errors)
    store.close()
    bus.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.spider_process")
    parser.add_argument("source")
    parser.add_argument("--config-json", help="the source config (default: from the sources file)")
    parser.add_argument("--bus")
    parser.add_argument("--store")
    parser.add_argument("--user-agent")
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--today", help="fix 'today' for status derivation (reproducible tests)")
    args = parser.parse_args(argv)
    settings = from_env(bus_url=args.bus, store_url=args.store, user_agent=args.user_agent,
                        http_timeout=args.timeout)
    if args.config_json:
        source = SourceConfig.from_dict(json.loads(args.config_json))
    else:
        source = find_source(load_sources(settings.sources_file, settings.source_overrides), args.source)
    today = date.fromisoformat(args.today) if args.today else None
    try:
        report = run_spider(source, settings, today)
    except Exception as exc:  # report, never die silently: the parent records the health entry
        logging.getLogger(__name__).exception("spider crawl of %s crashed", source.name)
        report = CrawlReport(source=source.name, ok=False, error=f"{source.name}: crawler crashed: {exc!r}")
    sys.stdout.write(report.to_line() + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
