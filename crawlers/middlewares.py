"""Downloader middlewares: conditional GET against the store's validators, retry with backoff,
and a robots.txt cache. Enabled in :mod:`euradar.crawlers.settings`."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response, TextResponse

from euradar.crawlers.spiders.base import SourceSpider

log = logging.getLogger(__name__)


class ConditionalGetMiddleware:
    """Sends If-None-Match/If-Modified-Since for requests with ``meta["conditional"]``.

    New validators are only saved when the crawl finished without a fatal error: saving them
    earlier could make the next crawl skip (304) a page whose items were never published. A
    spider that left work for the next crawl (a listing whose pages were not all fetched)
    names the URLs whose validators must not be kept (``SourceSpider.held_validators``).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.pending: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or not request.meta.get("conditional"):
            return None
        spider = self.crawler.spider
        if not isinstance(spider, SourceSpider):
            return None
        etag, last_modified = spider.store.validators(request.url)
        if etag:
            request.headers["If-None-Match"] = etag
        if last_modified:
            request.headers["If-Modified-Since"] = last_modified
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("conditional") and response.status == 200:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                self.pending[request.url] = (etag.decode("latin-1") if etag else None,
                                             last_modified.decode("latin-1") if last_modified else None)
        return response

    def spider_closed(self, spider: Any, reason: str) -> None:
        if reason != "finished" or spider.fatal_errors:
            return
        held = spider.held_validators() if isinstance(spider, SourceSpider) else set()
        for url, (etag, last_modified) in self.pending.items():
            if url not in held:
                spider.store.save_validators(url, etag, last_modified)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting ``RETRY_BACKOFF_BASE * 2**attempt`` seconds before each
    retry, so a struggling EU server is not hammered (the stock middleware retries at once)."""

    def _delay(self, request: Request) -> float:
        base = self.crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        return base * 2.0 ** int(request.meta.get("retry_times", 0))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await asyncio.sleep(self._delay(request))
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await asyncio.sleep(self._delay(request))
        return result


class RobotsCacheMiddleware:
    """robots.txt once a day per host instead of once per crawl: every crawl is a new Scrapy
    process, so a 15-minute poll of an API would cost two requests, one of them robots.txt.
    RFC 9309 lets a crawler keep robots.txt for up to 24 hours. One file per host under
    ``EURADAR_ROBOTS_CACHE`` (``<data dir>/robots``); 5xx answers are not kept, so an outage
    of the site is not remembered as "allow everything"."""

    def __init__(self, crawler: Crawler):
        folder = crawler.settings.get("EURADAR_ROBOTS_CACHE")
        self.folder = Path(folder) if folder else None
        self.max_age = crawler.settings.getfloat("EURADAR_ROBOTS_MAX_AGE", 24 * 3600)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsCacheMiddleware:
        return cls(crawler)

    def _file(self, request: Request) -> Path | None:
        parts = urlsplit(request.url)
        if self.folder is None or parts.path != "/robots.txt" or not request.meta.get("dont_obey_robotstxt"):
            return None
        return self.folder / (re.sub(r"[^A-Za-z0-9.-]", "_", f"{parts.scheme}_{parts.netloc}") + ".json")

    def process_request(self, request: Request) -> Response | None:
        path = self._file(request)
        if path is None:
            return None
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if time.time() - float(kept.get("fetched", 0)) > self.max_age:
            return None
        return TextResponse(request.url, status=int(kept["status"]), body=str(kept["body"]).encode("utf-8"),
                            headers={"Content-Type": "text/plain; charset=utf-8"}, request=request,
                            flags=["robots-cache"])

    def process_response(self, request: Request, response: Response) -> Response:
        path = self._file(request)
        if path is None or "robots-cache" in response.flags or response.status >= 500:
            return response
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            body = response.body.decode("utf-8", "replace")[:500_000]
            path.write_text(json.dumps({"fetched": time.time(), "status": response.status, "body": body}),
                            encoding="utf-8")
        except OSError as exc:  # a cache that cannot be written only costs requests
            log.warning("robots.txt cache %s: %s", path, exc)
        return response
