"""EU Funding & Tenders Portal search API (SEDIA) spider.

``POST <url>&pageSize=N&pageNumber=P`` with a multipart body whose parts are JSON *files*
(``query``, ``languages``, ``sort``): the API answers HTTP 500 when they are sent as plain form
fields. Pages are read one after the other (the API caps pageSize at 100) until ``totalResults``
is covered, then the language copies and versions are collapsed to one record per identifier and
each open/forthcoming call is enriched from its ``topicDetails/<id>.json``. A topic whose search
record did not change since the last crawl (same fingerprint) is not fetched again; a changed
one asks for its details conditionally (a 304 keeps what the stored version took from them).

Polls between full crawls are incremental (:mod:`euradar.crawlers.incremental`): they ask only
for records whose modification stamp ``esDA_IngestDate`` is newer than the cursor (a ``range``
clause), newest first, in pages that start at ``poll_page_size`` (10) and double while they
hold news, and stop at the first page with nothing new: an idle poll is one request answered
by an empty page. The cursor stays ``poll_lag_seconds`` (120) behind "now", because a record
becomes searchable a moment after it is stamped; a record seen again is judged by its content.
"""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from euradar.core.errors import InvalidItem
from euradar.core.models import Item
from euradar.crawlers import ft_parse
from euradar.crawlers.incremental import choose_mode, later, newer, normalize_stamp
from euradar.crawlers.spiders.base import DeadRecord, SourceSpider, describe_failure, failed_request

STAMP_FIELD = "esDA_IngestDate"  # re-set by the index whenever a record is (re)ingested


def api_stamp(iso: str) -> str:
    """A UTC ISO time in the API's own date form ('2026-09-11T07:24:55.229+0000')."""
    stamp = datetime.fromisoformat(iso).astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+0000"


def multipart_body(parts: dict[str, Any]) -> tuple[bytes, str]:
    """Encode ``{name: json-serializable}`` as multipart/form-data file parts of type JSON."""
    boundary = "euradar" + uuid.uuid4().hex
    chunks = []
    for name, value in parts.items():
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"blob\"\r\n"
            f"Content-Type: application/json\r\n\r\n".encode() + json.dumps(value).encode() + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def build_query(options: dict[str, Any]) -> dict[str, Any]:
    must = [{"terms": {"type": list(options.get("types", ["1", "2", "8"]))}},
            {"terms": {"status": list(options.get("statuses", ["31094501", "31094502"]))}}]
    for field, values in (options.get("extra_terms") or {}).items():
        must.append({"terms": {field: list(values)}})
    return {"bool": {"must": must}}


class FtPortalSpider(SourceSpider):
    name = "ft_portal"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        state = self.store.source_state(self.source.name)
        self.mode = choose_mode(self.source, state)
        self.cursor = state.cursor if self.mode.incremental else None
        self.previous_cursor = state.cursor
        # A record becomes searchable a moment after it is stamped (the index refreshes after
        # ingesting), so the cursor never passes "now - lag": what was stamped in the last
        # minutes is asked for again next time and judged by its content.
        self.visible_until = (datetime.now(UTC) - timedelta(seconds=int(self.option("poll_lag_seconds", 120))))
        self.newest: str | None = None
        self.first_size = min(int(self.option("poll_page_size", 10) if self.mode.incremental
                                  else self.option("page_size", 100)), 100)
        self.offset = 0  # records asked for so far
        self.results: list[dict[str, Any]] = []
        self.total_results: int | None = None
        self.details_budget = int(self.option("max_details", 10_000))

    def sort(self) -> dict[str, str]:
        if self.mode.incremental:
            return {"field": STAMP_FIELD, "order": "DESC"}
        return {"field": self.option("sort_field", "startDate"), "order": self.option("sort_order", "DESC")}

    def query(self) -> dict[str, Any]:
        query = build_query(dict(self.source.options))
        if self.mode.incremental and self.cursor:
            # Only what changed since the last poll: an idle poll gets an empty page. Should the
            # API ignore the range, the newest-first sort and the stop rule still hold.
            query["bool"]["must"].append({"range": {STAMP_FIELD: {"gt": api_stamp(self.cursor)}}})
        return query

    def next_size_and_page(self) -> tuple[int, int]:
        """Page size and number for the records after ``offset``: a poll starts small and
        doubles while it keeps finding news (10, 10, 20, 40, 80, 80 ...), full crawls use 100."""
        if self.offset == 0 or not self.mode.incremental:
            return self.first_size, self.offset // self.first_size + 1
        cap = self.first_size
        while cap * 2 <= 100:
            cap *= 2
        size = min(self.offset, cap)
        return size, self.offset // size + 1

    def page_request(self, page: int, size: int) -> Request:
        parts = urlsplit(self.source.url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in ("pageSize", "pageNumber")]
        query += [("pageSize", str(size)), ("pageNumber", str(page))]
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe="*"), ""))
        body, content_type = multipart_body({
            "query": self.query(),
            "languages": list(self.option("languages", ["en"])),
            "sort": self.sort(),
        })
        return Request(url, method="POST", body=body, headers={"Content-Type": content_type,
                                                               "Accept": "application/json"},
                       callback=self.parse_page, errback=self.on_fatal_error,
                       meta={"page": page, "size": size, "handle_httpstatus_all": True}, dont_filter=True)

    def next_request(self) -> Request:
        size, page = self.next_size_and_page()
        self.offset = (page - 1) * size + size
        return self.page_request(page, size)

    async def start(self) -> AsyncIterator[Request]:  # Scrapy >= 2.13 entry point
        self.logger.info("%s: %s crawl (%s)", self.source.name, self.mode.name, self.mode.reason)
        yield self.next_request()

    @staticmethod
    def stamp(result: dict[str, Any]) -> str | None:
        return normalize_stamp((result.get("metadata") or {}).get(STAMP_FIELD))

    @property
    def cursor_out(self) -> str | None:
        """The cursor to keep: the newest stamp seen, but not past "now - lag"; never back."""
        bound = self.visible_until.isoformat()
        candidate = min(self.newest, bound) if self.newest else None
        return later(self.previous_cursor, candidate)

    def is_fresh(self, result: dict[str, Any]) -> bool:
        """New or changed since the last poll: stamped after the cursor (or without a stamp)
        and different from the stored version (a record seen again within the lag is not)."""
        stamp = self.stamp(result)
        if stamp is not None and not newer(stamp, self.cursor):
            return False
        identifier = ft_parse.first_value(result.get("metadata") or {}, "identifier")
        previous = self.store.last_item(f"ft:{identifier}") if identifier else None
        return previous is None or previous.extra.get("fingerprint") != ft_parse.fingerprint(result)

    def parse_page(self, response: Response) -> Iterator[Any]:
        page = response.meta["page"]
        if not self.check_listing(response, "json"):
            return
        try:
            envelope = json.loads(response.text)
            results = ft_parse.records(envelope)
        except (ValueError, UnicodeDecodeError) as exc:
            self.fail(f"{response.url} page {page}: not a search API response: {exc}")
            return
        for result in results:
            self.newest = later(self.newest, self.stamp(result))
        total = envelope.get("totalResults") if isinstance(envelope, dict) else None
        if isinstance(total, int) and self.total_results is None:
            self.total_results = total  # the first page's count drives the pagination
        if self.mode.incremental:
            fresh = [r for r in results if self.is_fresh(r)]
            self.results.extend(fresh)
            # Newest first: a record not newer than the cursor means the rest are older too.
            reached = any(s is not None and not newer(s, self.cursor) for s in map(self.stamp, results))
            if not fresh or reached or self.offset >= (self.total_results or 0):
                if not fresh and page == 1:
                    self.not_modified += 1  # checked, nothing new: not a silent source
                yield from self.finish()
                return
            yield self.next_request()
            return
        self.results.extend(results)
        pages = math.ceil((self.total_results or 0) / self.first_size)
        max_pages = int(self.option("max_pages", 50))
        if pages > max_pages:
            if not self.option("partial_read", False):
                self.warn(f"totalResults {self.total_results} needs {pages} pages; reading only {max_pages}")
            pages = max_pages
        if results and page < pages:
            yield self.next_request()
            return
        yield from self.finish()

    def finish(self) -> Iterator[Any]:
        kept, broken = ft_parse.collapse(self.results)
        partial = self.mode.incremental or self.option("partial_read", False)
        if not partial and self.total_results is not None and len(self.results) < self.total_results:
            # The API drops documents lacking the sort field from sorted results.
            self.warn(f"collected {len(self.results)} records but totalResults says "
                      f"{self.total_results}; some documents were not returned")
        for result in broken:
            yield DeadRecord("record has no identifier", json.dumps(result, ensure_ascii=False)[:20000],
                             result.get("reference"))
        for result in kept:
            try:
                item = ft_parse.record_to_item(result, self.source.name, self.source.kind,
                                               self.option("topic_page"), self.today)
            except InvalidItem as exc:
                yield DeadRecord(str(exc), json.dumps(result, ensure_ascii=False)[:20000],
                                 result.get("reference"))
                continue
            yield from self.with_details(item)

    def with_details(self, item: Item) -> Iterator[Any]:
        template = self.option("details_url")
        if not template or item.kind != "call" or item.status == "closed":
            yield item
            return
        previous = self.store.last_item(item.id)
        if (previous is not None and previous.extra.get("fingerprint") == item.extra["fingerprint"]
                and previous.extra.get("details") in (True, "absent")):
            # Same search record as last time: the stored version already holds the details.
            status = ft_parse.resolve_status(previous.extra.get("source_status"), previous.opening_date,
                                             previous.deadlines, self.today)
            yield dataclasses.replace(previous, status=status)
            return
        if self.details_budget <= 0:  # `euradar sources check` asks for a few only
            yield item
            return
        self.details_budget -= 1
        identifier = item.id.removeprefix("ft:")
        yield Request(template.format(id=identifier.lower()), callback=self.parse_details,
                      errback=self.details_failed, cb_kwargs={"item": item},
                      meta={"handle_httpstatus_list": [304, 404, 410], "conditional": True})

    def parse_details(self, response: Response, item: Item) -> Iterator[Any]:
        if response.status == 304:
            previous = self.store.last_item(item.id)
            if previous is not None and previous.extra.get("details") is True:
                yield ft_parse.carry_details(item, previous, self.today)
                return
            item.extra["details"] = "absent"
            yield item
            return
        if response.status in (404, 410):
            # Most topics have no stored detail file on a test server, and some none live.
            item.extra["details"] = "absent"
            yield item
            return
        try:
            ft_parse.enrich_with_details(item, json.loads(response.text), self.today)
        except (ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
            self.warn(f"{item.id}: topic details unusable ({exc}); keeping the search record")
            item.extra["details"] = f"unusable: {exc}"[:200]
        yield item

    def details_failed(self, failure: Failure) -> Iterator[Any]:
        item = failed_request(failure).cb_kwargs["item"]
        self.warn(f"{item.id}: topic details failed: {describe_failure(failure)}")
        item.extra["details"] = "failed"
        yield item
