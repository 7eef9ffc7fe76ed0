"""Downloader middlewares: conditional GET against the store's validators, and retry with
backoff. Enabled in :mod:`euradar.crawlers.settings`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

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
