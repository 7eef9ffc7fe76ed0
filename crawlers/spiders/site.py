"""Site spider: regional sites without a feed or API, and without per-site selectors.

It watches the source's listing pages (``url`` and ``options.listing_urls``, following
pagination up to ``max_pages``) and, where configured, the site's ``sitemap_url`` (``lastmod``
as a change signal) and ``feed_url``. Each content link is looked up in the store:

* new link -> the page is fetched, its main text, title, dates and deadlines extracted
  (:mod:`euradar.crawlers.page_extract`) and published like any other item;
* known link whose listing entry, sitemap ``lastmod`` or feed date changed -> fetched again,
  conditionally (a 304 keeps the stored version);
* known open call not fetched for ``revisit`` (3d) -> fetched conditionally, because deadlines
  move on the call page without the listing showing it;
* anything else -> nothing fetched; the stored version counts as seen.

A listing page that answers 304 ends its pagination; the next page is only read when this one
had something new (or came without validators, so nothing is known about the next). At most
``max_new_pages`` pages are fetched per crawl; the rest waits for the next crawl (the
listing's validators are then held back so it is read again). Politeness
is Scrapy's, as for every spider: robots.txt, AutoThrottle and the per-source delay, the
identifying User-Agent, conditional GET, and only the source's own hosts (offsite middleware).
Optional CSS selectors (``link_selector``, ``title_selector``, ``text_selector``,
``date_selector``, ``deadline_selector``) refine the guesses for one site.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from euradar.core.changes import derive_status
from euradar.core.models import Item
from euradar.crawlers.incremental import period_seconds
from euradar.crawlers.page_extract import extract_page, find_period_and_deadlines, is_continuous
from euradar.crawlers.site_links import Link, feed_links, find_links, parse_html, parse_sitemap
from euradar.crawlers.spiders.base import DeadRecord, SourceSpider, describe_failure, failed_request
from euradar.crawlers.text import iso_date, url_item_id

SELECTOR_KEYS = ("title_selector", "text_selector", "date_selector", "deadline_selector")
MAX_TEXT = 100_000
MAX_CHILD_SITEMAPS = 10


def _is_html(response: Response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    head = response.body[:1024].lstrip().lower()
    return "html" in content_type or head.startswith((b"<!doctype html", b"<html"))


class SiteSpider(SourceSpider):
    name = "site"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Scrapy lets subdomains through, not parents: allow the bare host so that
        # www.example.eu and example.eu are one site, as in the link filter.
        self.allowed_domains = sorted({h.removeprefix("www.") for h in self.source.allowed_hosts})
        self.hosts = list(self.source.allowed_hosts)
        pattern = self.option("link_pattern")
        self.link_pattern = re.compile(pattern) if pattern else None
        self.max_pages = int(self.option("max_pages", 5))
        self.max_fetch = int(self.option("max_new_pages", 40))
        self.revisit = (period_seconds(str(self.option("revisit", "3d")))
                        if self.source.kind == "call" else None)
        self.selectors = {k: str(self.option(k)) for k in SELECTOR_KEYS if self.option(k)}
        self.listings = [self.source.url, *self.option("listing_urls", [])]
        self.stages: list[Request] = []
        self.hints: dict[str, Link] = {}  # sitemap entries: lastmod per page
        self.decided: set[str] = set()
        self.discovery_urls: set[str] = set()
        self.fresh = 0  # links fetched or deferred because new/changed
        self.fetches = 0
        self.deferred = 0
        self.incomplete = False
        self.links_found = 0
        self.child_sitemaps = 0

    def held_validators(self) -> set[str]:
        return set(self.discovery_urls) if self.incomplete or self.deferred else set()

    # --------------------------------------------------------------------------- requests
    def _discovery(self, url: str, callback: Callable[..., Any], errback: Callable[..., Any],
                   **meta: Any) -> Request:
        self.discovery_urls.add(url)
        return Request(url, callback=callback, errback=errback, dont_filter=True,
                       meta={"conditional": True, "handle_httpstatus_all": True, **meta})

    def listing_request(self, url: str, page: int) -> Request:
        return self._discovery(url, self.parse_listing, self.listing_failed, page=page)

    async def start(self) -> AsyncIterator[Request]:
        # Sitemap and feed first (their dates are change signals for the listing's links),
        # then every listing page 1.
        if self.option("sitemap_url"):
            self.stages.append(self._discovery(self.option("sitemap_url"), self.parse_sitemap, self.aux_failed))
        if self.option("feed_url"):
            self.stages.append(self._discovery(self.option("feed_url"), self.parse_feed, self.aux_failed))
        for request in self.next_stage():
            yield request

    def next_stage(self) -> Iterator[Request]:
        if self.stages:
            yield self.stages.pop(0)
        else:
            for url in self.listings:
                yield self.listing_request(url, 1)
            self.listings = []

    # --------------------------------------------------------------------------- sitemap, feed
    def aux_failed(self, failure: Failure) -> Iterator[Any]:
        url = failed_request(failure).url
        self.warn(f"{url}: {describe_failure(failure)}; going on with the listing pages")
        yield from self.next_stage()

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == 200:
            try:
                sitemap = parse_sitemap(response.body, response.url, self.hosts)
            except ValueError as exc:
                self.warn(f"{response.url} is not a sitemap ({exc}); fix options.sitemap_url")
            else:
                for child in sitemap.children[:MAX_CHILD_SITEMAPS - self.child_sitemaps]:
                    self.child_sitemaps += 1
                    self.stages.insert(0, self._discovery(child, self.parse_sitemap, self.aux_failed))
                for link in sitemap.pages:
                    self.hints[link.url] = link
                    if self.link_pattern and self.link_pattern.search(link.url):
                        yield from self.consider(link)
        elif response.status != 304:
            self.warn(f"{response.url} answered HTTP {response.status}; fix options.sitemap_url")
        yield from self.next_stage()

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 200:
            parsed = feedparser.parse(response.body)
            if not parsed.entries and parsed.bozo:
                self.warn(f"{response.url} is not a readable feed ({parsed.bozo_exception}); fix options.feed_url")
            for link in feed_links(parsed, self.hosts):
                if not self.link_pattern or self.link_pattern.search(link.url):
                    yield from self.consider(link)
        elif response.status != 304:
            self.warn(f"{response.url} answered HTTP {response.status}; fix options.feed_url")
        yield from self.next_stage()

    # --------------------------------------------------------------------------- listing pages
    def listing_failed(self, failure: Failure) -> None:
        url = failed_request(failure).url
        if isinstance(failure.value, IgnoreRequest):
            self.fail(f"did not fetch {url}: {failure.value or 'request ignored'} (the site's "
                      "robots.txt does not allow it: disable the source, or ask the site)")
            return
        self.fail(f"cannot reach {url}: {describe_failure(failure)}. Check the internet connection, "
                  "then the address (url in crawlers/sources.toml)")

    def parse_listing(self, response: Response) -> Iterator[Any]:
        page_no = response.meta["page"]
        if response.status == 304:
            self.not_modified += 1  # unchanged listing: its links and later pages too
            return
        if response.status >= 400:
            self.fail(f"listing page {response.url} answered HTTP {response.status}: the page moved or "
                      "is gone; find the site's calls/news page and set url in crawlers/sources.toml")
            return
        if not _is_html(response):
            kind = (response.headers.get("Content-Type") or b"?").decode("latin-1")
            self.fail(f"listing page {response.url} answered {kind}, not an HTML page; set url to the "
                      "page that lists the items (or feed_url / sitemap_url for XML)")
            return
        tree = parse_html(response.text)
        listing = find_links(tree, response.url, self.hosts, self.option("link_selector"),
                             self.link_pattern, skip=self.discovery_urls)
        self.links_found += len(listing.links)
        if not listing.links and page_no == 1:
            hint = (f"; the page offers the feed(s) {', '.join(listing.feeds)}: set options.feed_url"
                    if listing.feeds else "")
            why = ("the page has no links at all, it is probably filled in by JavaScript: point url at "
                   "a page whose HTML lists the items" if listing.anchors == 0 else
                   "no content links besides navigation (an empty list, or an unusual layout: "
                   "options.link_selector names the links)")
            self.warn(f"{response.url}: {why}{hint}")
        before = self.fresh
        for link in listing.links:
            yield from self.consider(link)
        # Go on to the next page when this one had news; or when it was fetched without
        # validators: the last crawl left work undone (validators held back) or the site sends
        # none, so an unchanged first page proves nothing about the next.
        unconditional = not (response.request and (response.request.headers.get("If-None-Match")
                                                   or response.request.headers.get("If-Modified-Since")))
        more = self.fresh > before or unconditional
        if listing.next_url and more and not self.deferred and page_no < self.max_pages:
            yield self.listing_request(listing.next_url, page_no + 1)

    # --------------------------------------------------------------------------- content pages
    def why_fetch(self, link: Link, previous: Item | None) -> str | None:
        if previous is None:
            return "new"
        extra = previous.extra
        if extra.get("found_via") == link.found_via and extra.get("listing_sig") != link.signature:
            return "changed in the listing"
        if link.lastmod and extra.get("lastmod") and link.lastmod != extra.get("lastmod"):
            return "lastmod changed"
        if self.revisit and previous.status in ("open", "forthcoming") and previous.fetched_at:
            age = datetime.now(UTC) - datetime.fromisoformat(previous.fetched_at)
            if age.total_seconds() >= self.revisit:
                return "revisit"
        return None

    def consider(self, link: Link) -> Iterator[Any]:
        if link.url in self.decided:
            return
        self.decided.add(link.url)
        hint = self.hints.get(link.url)
        if hint and hint.lastmod and not link.lastmod:
            link.lastmod = hint.lastmod
        previous = self.store.last_item(url_item_id(link.url))
        reason = self.why_fetch(link, previous)
        if reason is None:
            yield previous  # known and unchanged: counted as seen, nothing fetched
            return
        if reason != "revisit":
            self.fresh += 1
        if self.fetches >= self.max_fetch:
            self.deferred += 1  # left for the next crawl; the listing is read again then
            if previous is not None:
                yield previous
            return
        self.fetches += 1
        yield Request(link.url, callback=self.parse_page, errback=self.page_failed,
                      cb_kwargs={"link": link}, meta={"conditional": True, "handle_httpstatus_all": True})

    def page_failed(self, failure: Failure) -> None:
        self.incomplete = True
        self.warn(f"{failed_request(failure).url}: {describe_failure(failure)}; retried next crawl")

    def parse_page(self, response: Response, link: Link) -> Iterator[Any]:
        previous = self.store.last_item(url_item_id(link.url))
        if response.status == 304 and previous is not None:
            yield previous
            return
        if response.status in (404, 410):
            self.warn(f"{link.url} (linked from the listing) answered HTTP {response.status}")
            return
        if response.status >= 400:
            self.incomplete = True
            self.warn(f"{link.url} answered HTTP {response.status}; retried next crawl")
            return
        if not _is_html(response):
            self.warn(f"{link.url} is not an HTML page; skipped")
            return
        try:
            page = extract_page(response.text, response.url, self.source.kind, self.selectors)
        except Exception as exc:  # a page the parsers choke on must not stop the crawl
            yield DeadRecord(f"page could not be read: {exc!r}", response.text[:20000], link.url)
            return
        yield self.to_item(link, page)

    def to_item(self, link: Link, page: Any) -> Item | DeadRecord:
        title = page.title or link.title
        if not title:
            return DeadRecord("page has neither a title nor a heading, and the listing named it with "
                              "no text (set options.title_selector)", None, link.url)
        deadlines, opening = list(page.deadlines), page.opening
        if self.source.kind == "call" and link.context and not (deadlines and opening):
            # The listing entry (a table row "Hakuaika: 1.9.–31.10.2026") fills what the page lacks.
            opening_hint, deadline_hints = find_period_and_deadlines(link.context)
            deadlines = deadlines or deadline_hints
            opening = opening or opening_hint
        kind = self.source.kind
        continuous = kind == "call" and not deadlines and (page.continuous or is_continuous(link.context))
        status = (derive_status(opening, deadlines, "open" if deadlines or continuous else None, today=self.today)
                  if kind == "call" else None)
        extra = {"continuous": continuous or None, "found_via": link.found_via, "listing_sig": link.signature,
                 "lastmod": link.lastmod, "modified": page.modified, "extracted": page.sources,
                 "json_ld": page.json_ld_types}
        return Item(
            id=url_item_id(link.url), kind=kind, source=self.source.name, url=link.url, title=title,
            text=(page.text or link.context)[:MAX_TEXT], lang=page.lang or self.source.lang,
            deadlines=deadlines, opening_date=opening, status=status, documents=page.documents,
            published=page.published or iso_date(link.published),
            extra={k: v for k, v in extra.items() if v not in (None, "", [], {})},
        )

    def closed(self, reason: str) -> None:
        if self.deferred and not self.option("partial_read", False):  # a check reads little on purpose
            self.warn(f"{self.deferred} new or changed page(s) left for the next crawl "
                      f"(options.max_new_pages = {self.max_fetch})")
