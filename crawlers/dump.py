"""Dump route: one big JSON file fetched daily (the F&T ``grantsTenders.json`` reference dump).

Same fetch as the feed route (conditional GET, retries, health), so an unchanged dump costs one
304 and no parsing. The body is parsed record by record (:mod:`euradar.crawlers.ft_dump`): a broken
record is dead-lettered and the rest goes on; a truncated or non-JSON body fails the crawl with
a clear error (whole records before the cut are still published, they are valid on their own)
and the validators are not saved, so the next crawl downloads the dump again.
"""

from __future__ import annotations

import json
from datetime import date

import httpx

from euradar.core.errors import InvalidItem, SourceError
from euradar.core.ports import Bus, Store
from euradar.core.settings import Settings
from euradar.crawlers import ft_dump
from euradar.crawlers.feeds import fetch, response_cap
from euradar.crawlers.publish import CRAWL_FLUSH_EVERY, Publisher
from euradar.crawlers.report import CrawlReport
from euradar.crawlers.sources import SourceConfig


def crawl_dump(source: SourceConfig, settings: Settings, bus: Bus, store: Store,
               today: date | None = None) -> CrawlReport:
    report = CrawlReport(source=source.name, ok=True)
    publisher = Publisher(bus, store, flush_every=CRAWL_FLUSH_EVERY)
    try:
        # The dump is ~130 MB: allow more time than for a feed page.
        timeout = float(source.options.get("timeout", settings.http_timeout * 12))
        with httpx.Client(headers={"User-Agent": settings.user_agent}, timeout=timeout,
                          follow_redirects=True) as client:
            response = fetch(client, source, store, report, accept="application/json",
                             max_bytes=response_cap(source, settings))
    except SourceError as exc:
        report.ok, report.error = False, str(exc)
        return report
    if response is None:
        report.not_modified = 1
        return report
    topic_url = source.options.get("topic_page")
    tender_url = source.options.get("tender_page")
    try:
        for index, record in enumerate(ft_dump.iter_records(response.content)):
            try:
                item = ft_dump.record_to_item(record, source.name, source.kind, topic_url,
                                              tender_url, today)
            except InvalidItem as exc:
                publisher.dead_letter(source.name, str(exc),
                                      json.dumps(record, ensure_ascii=False)[:5000],
                                      f"{source.name}#{index}")
                continue
            publisher.publish(item)
    except ft_dump.DumpError as exc:
        publisher.flush()  # what was read before the error is published and recorded
        report.add_stats(publisher.stats)
        report.ok, report.error = False, f"{source.name}: {source.url}: {exc}"
        return report
    publisher.flush()
    report.add_stats(publisher.stats)
    # Only now: had parsing or publishing failed, the next crawl must not get a 304.
    store.save_validators(source.url, response.headers.get("etag"), response.headers.get("last-modified"))
    return report
