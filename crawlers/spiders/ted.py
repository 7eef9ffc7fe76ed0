"""TED API v3 notice search spider (``POST /v3/notices/search``, JSON expert query).

Uses ITERATION pagination: each answer carries ``iterationNextToken`` until the last page
(``null``), which unlike page numbers is stable while new notices are published. The number
read is cross-checked against ``totalNoticeCount``.

The expert query is sorted newest first (``SORT BY publication-date DESC`` is appended unless
the query sorts itself). Between full crawls a poll is incremental
(:mod:`euradar.crawlers.incremental`): page-number mode, pages that start at ``poll_limit``
(3) notices and double while they hold news, stopping at the first page whose notices are
all known already (notices never change; a correction is a new notice), so an idle poll is
one small request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Request, Response

from euradar.core.errors import InvalidItem
from euradar.crawlers import ted_parse
from euradar.crawlers.incremental import choose_mode, later, normalize_stamp
from euradar.crawlers.spiders.base import DeadRecord, SourceSpider

SORT = " SORT BY publication-date DESC"


def sorted_query(query: str) -> str:
    """The query, newest first unless it already says how to sort."""
    return query if "SORT BY" in query.upper() else query.strip() + SORT


class TedSpider(SourceSpider):
    name = "ted"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.seen = 0
        self.total: int | None = None
        state = self.store.source_state(self.source.name)
        self.mode = choose_mode(self.source, state)
        self.cursor_out = state.cursor
        self.limit = int(self.option("poll_limit", 3) if self.mode.incremental else self.option("limit", 100))
        self.offset = 0  # notices asked for so far (polls)

    def search_request(self, token: str | None, page: int) -> Request:
        body: dict[str, Any] = {
            "query": sorted_query(str(self.option("query"))),
            "fields": list(self.option("fields", [])),
            "limit": self.limit,
            "scope": self.option("scope", "ACTIVE"),
        }
        if self.mode.incremental:
            # Page-number mode lets the page grow: limit L at page 2 starts right after the L
            # notices read so far (3, 3, 6, 12 ... up to 96 per page).
            size = self.limit if self.offset == 0 else min(self.offset, self.limit * 32)
            body.update(limit=size, page=self.offset // size + 1)
            self.offset += size
        else:
            body["paginationMode"] = "ITERATION"
            if token:
                body["iterationNextToken"] = token
        return Request(self.source.url, method="POST", body=json.dumps(body).encode(),
                       headers={"Content-Type": "application/json", "Accept": "application/json"},
                       callback=self.parse_page, errback=self.on_fatal_error,
                       meta={"page": page, "limit": body["limit"], "handle_httpstatus_all": True},
                       dont_filter=True)

    async def start(self) -> AsyncIterator[Request]:
        self.logger.info("%s: %s crawl (%s)", self.source.name, self.mode.name, self.mode.reason)
        yield self.search_request(None, 1)

    def parse_page(self, response: Response) -> Iterator[Any]:
        if not self.check_listing(response, "json"):
            return
        try:
            envelope = json.loads(response.text)
            notices = ted_parse.notices(envelope)
        except (ValueError, UnicodeDecodeError) as exc:
            self.fail(f"{response.url}: not a TED search response: {exc}")
            return
        if envelope.get("timedOut"):
            self.warn("TED reports the search timed out; results may be partial")
        self.total = envelope.get("totalNoticeCount", self.total)
        preferred = tuple(self.option("title_langs", ("fin", "swe", "eng")))
        page_template = self.option("notice_page", ted_parse.NOTICE_PAGE)
        fresh = 0
        for notice in notices:
            self.seen += 1
            number = ted_parse.notice_number(notice)
            if number is None or self.store.last_item(f"ted:{number}") is None:
                fresh += 1
            self.cursor_out = later(self.cursor_out, normalize_stamp(ted_parse.publication_date(notice)))
            try:
                yield ted_parse.notice_to_item(notice, self.source.name, preferred, page_template, self.today)
            except InvalidItem as exc:
                yield DeadRecord(str(exc), json.dumps(notice, ensure_ascii=False)[:20000],
                                 str(notice.get("publication-number") or ""))
        token = envelope.get("iterationNextToken")
        page = response.meta["page"]
        if self.mode.incremental:
            if not fresh:  # newest first: nothing new further down either
                self.not_modified += 1 if page == 1 else 0
            elif notices and len(notices) >= int(response.meta.get("limit", 0)) and page < 50:
                yield self.search_request(None, page + 1)
            return
        if token and notices and page < int(self.option("max_pages", 20)):
            yield self.search_request(token, page + 1)
        elif not (self.mode.incremental or self.option("partial_read", False)) and isinstance(self.total, int) \
                and self.seen < self.total:
            self.warn(f"read {self.seen} notices but totalNoticeCount says {self.total}")
