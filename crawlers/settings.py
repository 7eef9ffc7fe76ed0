"""Scrapy settings for every euradar spider: module-level defaults, as in a Scrapy project.

:func:`for_source` layers one source's options (crawl delay, retries) and euradar's Settings
(User-Agent, timeout) over these defaults for one crawl.
"""

from __future__ import annotations

from typing import Any

from euradar.core.settings import Settings
from euradar.crawlers.sources import SourceConfig

BOT_NAME = "euradar"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_BACKOFF_BASE = 2.0
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
DOWNLOADER_MIDDLEWARES = {
    # Ours waits RETRY_BACKOFF_BASE * 2**attempt between retries; the stock one retries at once.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "euradar.crawlers.middlewares.BackoffRetryMiddleware": 550,
    "euradar.crawlers.middlewares.ConditionalGetMiddleware": 580,
    # before Scrapy's RobotsTxtMiddleware (100) sees robots.txt answers: a cached one is reused
    "euradar.crawlers.middlewares.RobotsCacheMiddleware": 50,
}
ITEM_PIPELINES = {"euradar.crawlers.pipelines.PublishPipeline": 300}


def defaults() -> dict[str, Any]:
    """The module-level settings above, as a dict."""
    return {name: value for name, value in globals().items() if name.isupper()}


def for_source(source: SourceConfig, settings: Settings) -> dict[str, Any]:
    """The Scrapy settings of one crawl of ``source``."""
    options = source.options
    delay = float(options.get("crawl_delay", DOWNLOAD_DELAY))
    max_bytes = int(options.get("max_bytes", settings.max_response_bytes))
    return {
        **defaults(),
        "USER_AGENT": settings.user_agent,  # identifies us, with a contact address
        "AUTOTHROTTLE_START_DELAY": delay,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_TIMEOUT": settings.http_timeout,
        "RETRY_TIMES": int(options.get("retries", RETRY_TIMES)),
        "RETRY_BACKOFF_BASE": float(options.get("retry_backoff", RETRY_BACKOFF_BASE)),
        "EURADAR_ROBOTS_CACHE": str(settings.data_dir / "robots"),
        # A response past the cap is abandoned (a clear error in the report), not buffered.
        "DOWNLOAD_MAXSIZE": max_bytes,
        "DOWNLOAD_WARNSIZE": max_bytes // 2,
    }
