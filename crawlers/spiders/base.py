"""What every source spider shares: the source config, the store (for validators and previous
versions), failure bookkeeping and the dead-letter record type.

A spider distinguishes two kinds of trouble. *Fatal* trouble (the listing/API cannot be reached,
answers 5xx or something that is not the expected format) makes the crawl fail: ``ok=False`` in
the report and a health entry. *Record* trouble (one broken record, a missing topic detail) is
logged or dead-lettered and the crawl goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from euradar.core.ports import Store
from euradar.crawlers.publish import Publisher
from euradar.crawlers.sources import SourceConfig

log = logging.getLogger(__name__)


@dataclass
class DeadRecord:
    """A record the spider could not turn into an item; the pipeline dead-letters it."""

    reason: str
    original: str | None
    key: str | None = None


def describe_failure(failure: Failure) -> str:
    """Short human text for a download failure: 'connection refused', 'HTTP 503', DNS..."""
    exc = failure.value
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    text = str(exc) or exc.__class__.__name__
    lowered = text.lower()
    if "max size" in lowered or "maxsize" in lowered:
        return (f"response larger than the size cap; download abandoned ({text}; raise "
                "options.max_bytes of this source if that is expected)")
    if "dns" in lowered or "name resolution" in lowered or "lookup" in lowered:
        return f"name resolution failed ({text})"
    if "refused" in lowered:
        return f"connection refused ({text})"
    if "timeout" in lowered or "timed out" in lowered:
        return f"timed out ({text})"
    return f"{exc.__class__.__name__}: {text}"


def failed_request(failure: Failure) -> Request:
    """The request an errback's failure is about (Scrapy sets ``failure.request``)."""
    request: Request = failure.request  # type: ignore[attr-defined]
    return request


class SourceSpider(scrapy.Spider):
    """Base for our spiders; constructed with ``source``, ``store``, the ``publisher`` the item
    pipeline sends to, and optionally ``today``."""

    name = "source"

    def __init__(self, source: SourceConfig, store: Store, today: date | None = None,
                 publisher: Publisher | None = None, **kwargs: Any):
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.store = store
        self.publisher = publisher  # the pipeline publishes through it (euradar.crawlers.pipelines)
        self.today = today
        # The offsite middleware keeps the crawler on the hosts the source config names.
        self.allowed_domains = list(source.allowed_hosts)
        self.fatal_errors: list[str] = []
        self.warnings: list[str] = []
        self.not_modified = 0

    def held_validators(self) -> set[str]:
        """URLs whose new validators must not be saved: the next crawl fetches them in full
        because work they lead to was left undone (see ConditionalGetMiddleware)."""
        return set()

    def option(self, key: str, default: Any = None) -> Any:
        return self.source.options.get(key, default)

    def fail(self, message: str) -> None:
        """Record a fatal problem; the report will say ok=False with this message."""
        full = f"{self.source.name}: {message}"
        log.error(full)
        self.fatal_errors.append(full)

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.source.name, message)
        self.warnings.append(message)

    def on_fatal_error(self, failure: Failure) -> None:
        """Errback of the listing/API requests: the source is unreachable or broken."""
        url = failed_request(failure).url
        if isinstance(failure.value, IgnoreRequest):  # robots.txt or offsite: we chose not to go
            self.fail(f"did not fetch {url}: {failure.value or 'request ignored'}")
            return
        self.fail(f"cannot reach {url}: {describe_failure(failure)}")

    def check_listing(self, response: Response, expect: str) -> bool:
        """True when ``response`` is usable; records a fatal error otherwise. 304 means the
        listing did not change: nothing to emit, and not an error."""
        if response.status == 304:
            self.not_modified += 1
            return False
        if response.status >= 400:
            self.fail(f"{response.url} answered HTTP {response.status}")
            return False
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        head = response.body[:512].lstrip().lower()
        if expect == "json" and ("text/html" in content_type or head.startswith((b"<!doctype", b"<html"))):
            # Error and maintenance pages come with status 200; they are not an empty result.
            self.fail(f"{response.url} answered an HTML page instead of JSON "
                      f"(status {response.status}, {len(response.body)} bytes)")
            return False
        return True
