"""Scrapy spiders, one class per source *type*; a source picks one with ``spider = "..."``."""

from __future__ import annotations

from importlib import import_module

from euradar.crawlers.spiders.base import SourceSpider

SPIDER_CLASSES = {
    "ft_portal": "euradar.crawlers.spiders.ft_portal:FtPortalSpider",
    "ted": "euradar.crawlers.spiders.ted:TedSpider",
    "site": "euradar.crawlers.spiders.site:SiteSpider",
}


def spider_class(name: str) -> type[SourceSpider]:
    module, _, cls = SPIDER_CLASSES[name].partition(":")
    found: type[SourceSpider] = getattr(import_module(module), cls)
    return found
