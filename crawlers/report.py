"""The result of crawling one source, as every route returns it (and the spider subprocess prints
it as one JSON line)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

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
    not_modified: int = 0  # 304 answers: the source was checked and had nothing new
    warnings: list[str] = field(default_factory=list)

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
