"""Item pipeline: every item and dead record a spider yields goes through the one Publisher.
Enabled in :mod:`euradar.crawlers.settings`."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from euradar.core.errors import InvalidItem
from euradar.core.models import Item
from euradar.crawlers.publish import Publisher
from euradar.crawlers.spiders.base import DeadRecord, SourceSpider


class PublishPipeline:
    """Every item and dead record a spider yields goes through the one Publisher."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PublishPipeline:
        return cls(crawler)

    @property
    def spider(self) -> SourceSpider:
        spider = self.crawler.spider
        if not isinstance(spider, SourceSpider):
            raise RuntimeError(f"PublishPipeline needs a SourceSpider, got {type(spider).__name__}")
        return spider

    @property
    def publisher(self) -> Publisher:
        publisher = self.spider.publisher
        if publisher is None:
            raise RuntimeError("the spider was started without a publisher")
        return publisher

    def close_spider(self) -> None:
        """The crawl is over: make the events durable and record their versions."""
        spider = self.crawler.spider
        if isinstance(spider, SourceSpider) and spider.publisher is not None:
            spider.publisher.flush()

    def process_item(self, item: Any) -> Any:
        spider = self.spider
        if isinstance(item, DeadRecord):
            self.publisher.dead_letter(spider.source.name, item.reason, item.original, item.key)
            return item
        if not isinstance(item, Item):
            self.publisher.dead_letter(spider.source.name, f"spider produced {type(item).__name__}",
                                       repr(item)[:2000])
            return item
        try:
            self.publisher.publish(item)
        except InvalidItem as exc:
            self.publisher.dead_letter(spider.source.name, str(exc), repr(item.to_dict())[:5000], item.id)
        return item
