"""Crawlers: Scrapy spiders for sites and APIs, feedparser for RSS/Atom. Both routes end in
:class:`euradar.crawlers.publish.Publisher`, which detects changes and publishes events to the bus."""
