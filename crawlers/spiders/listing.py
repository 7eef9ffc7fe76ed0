"""Configurable CSS-selector spider for HTML listing pages without a feed (Interreg programme
call pages, ECCP, EURA 2021 call notices, Lapin liitto news).

Options (all CSS, Scrapy/parsel syntax with ``::text`` / ``::attr()``): ``item_selector`` (one
match per entry), ``title_selector``, ``link_selector``; optional ``date_selector``,
``deadline_selector``, ``text_selector``, ``next_selector`` (pagination, followed up to
``max_pages`` on the same host). The listing page is fetched with a conditional GET.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Request, Response

from euradar.core.changes import derive_status
from euradar.core.models import Item
from euradar.crawlers.spiders.base import DeadRecord, SourceSpider
from euradar.crawlers.text import canonical_url, clean_text, first_date, iso_date, url_item_id


class ListingSpider(SourceSpider):
    name = "listing"

    def listing_request(self, url: str, page: int) -> Request:
        return Request(url, callback=self.parse_listing, errback=self.on_fatal_error,
                       meta={"conditional": True, "page": page, "handle_httpstatus_all": True})

    async def start(self) -> AsyncIterator[Request]:
        yield self.listing_request(self.source.url, 1)

    def _texts(self, node: Selector, key: str) -> list[str]:
        selector = self.option(key)
        if not selector:
            return []
        return [clean_text(t) for t in node.css(selector).getall() if clean_text(t)]

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not self.check_listing(response, "html"):
            return
        entries = response.css(self.option("item_selector"))
        if not entries:
            self.warn(f"{response.url}: item_selector {self.option('item_selector')!r} matched "
                      "nothing; the page layout may have changed")
        for entry in entries:
            yield self.entry_to_item(response, entry)
        next_selector = self.option("next_selector")
        page = response.meta["page"]
        if next_selector and page < int(self.option("max_pages", 5)):
            href = response.css(next_selector).get()
            if href:
                yield self.listing_request(response.urljoin(href), page + 1)

    def entry_to_item(self, response: Response, entry: Selector) -> Item | DeadRecord:
        titles = self._texts(entry, "title_selector")
        links = [link for link in entry.css(self.option("link_selector")).getall() if link.strip()]
        if not titles or not links:
            missing = "title" if not titles else "link"
            return DeadRecord(f"listing entry has no {missing} ({self.option(missing + '_selector')!r})",
                              entry.get()[:5000])
        url = canonical_url(response.urljoin(links[0].strip()))
        dates = [iso_date(d) or first_date(d) for d in self._texts(entry, "date_selector")]
        deadlines = sorted({d for d in (first_date(t) for t in self._texts(entry, "deadline_selector")) if d})
        kind = self.source.kind
        return Item(
            id=url_item_id(url), kind=kind, source=self.source.name, url=url, title=titles[0],
            text="\n".join(self._texts(entry, "text_selector")), lang=self.source.lang,
            deadlines=deadlines, published=next((d for d in dates if d), None),
            status=derive_status(None, deadlines, "open" if deadlines else None, today=self.today)
            if kind == "call" else None,
        )
