"""The result of crawling one source, as every route returns it (and the spider subprocess prints
it as one JSON line)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from euradar.core.models import Item
from euradar.crawlers.publish import PublishStats

REPORT_PREFIX = "EURADAR_REPORT "  # marks the report line among anything else on stdout


@dataclass
class CrawlReport:
    source: str
    ok: bool
    error: str | None = None
    items_seen: int = 0  # records turned into items or dead-lettered
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dead: int = 0
    requests: int = 0
    bytes: int = 0
    duration: float = 0.0
    not_modified: int = 0  # 304 answers / idle polls: the source was checked, nothing was new
    warnings: list[str] = field(default_factory=list)
    mode: str = "full"  # "incremental" when only what is newer than the cursor was asked for
    cursor: str | None = None  # the source's new high-water mark, saved when the crawl is ok
    # `euradar sources check` only: sample items and how many items had each field
    samples: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return self.new + self.changed

    def add_stats(self, stats: PublishStats) -> None:
        self.new, self.changed = stats.new, stats.changed
        self.unchanged, self.dead = stats.unchanged, stats.dead
        self.items_seen = stats.new + stats.changed + stats.unchanged + stats.dead

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_line(self) -> str:
        return REPORT_PREFIX + json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> CrawlReport:
        data = json.loads(line.removeprefix(REPORT_PREFIX))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# What `euradar sources check` counts per item: the fields a user needs to trust a source.
CHECKED_FIELDS = ("title", "text", "published", "deadlines", "opening_date", "status", "budget",
                  "documents", "lang")


def summarize_items(items: list[Item], samples: int = 3) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(a few sample items, how many items had each checked field)."""
    fields = {name: sum(1 for i in items if getattr(i, name) not in (None, "", [])) for name in CHECKED_FIELDS}
    picked = [{"title": i.title, "url": i.url, "deadline": i.next_deadline(), "published": i.published,
               "text_chars": len(i.text)} for i in items[:samples]]
    return picked, fields
