"""Incremental polling of the search APIs: ask for the newest first, stop at the first page
with nothing new. Pure functions; the spiders call them.

A poll is *incremental* when the source has a cursor (the newest modification stamp of the
last complete crawl), the last crawl succeeded and the periodic full crawl is not due. An
incremental poll asks for small pages sorted newest first; a record is *fresh* when its stamp
is newer than the cursor (or, without a stamp, when its fingerprint differs from the stored
version). Paging stops at the first page without a fresh record, so an idle poll costs one
request. The cursor only moves when the whole crawl succeeded (the parent saves it from the
report), so a crawl that breaks off half-way is repeated, never skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from euradar.core.ports import SourceState
from euradar.crawlers.sources import SourceConfig

DEFAULT_FULL_EVERY = "1d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def period_seconds(text: str) -> int:
    return int(text[:-1]) * _UNITS[text[-1]]


@dataclass(frozen=True)
class Mode:
    incremental: bool
    reason: str

    @property
    def name(self) -> str:
        return "incremental" if self.incremental else "full"


def choose_mode(source: SourceConfig, state: SourceState, now: datetime | None = None) -> Mode:
    """Full or incremental, and why (the reason goes to the crawl log)."""
    if not source.options.get("incremental", True):
        return Mode(False, "incremental polling is off for this source")
    if not state.cursor:
        return Mode(False, "no cursor yet (first crawl)")
    if state.consecutive_failures:
        return Mode(False, "the last crawl failed")
    if not state.last_full_crawl:
        return Mode(False, "never crawled in full")
    now = now or datetime.now(UTC)
    last_full = datetime.fromisoformat(state.last_full_crawl)
    period = str(source.options.get("full_every", DEFAULT_FULL_EVERY))
    if (now - last_full).total_seconds() >= period_seconds(period):
        return Mode(False, f"the periodic full crawl is due (every {period})")
    return Mode(True, f"newer than {state.cursor}")


def normalize_stamp(value: Any) -> str | None:
    """'2026-09-11T09:24:55.229+0200' -> '2026-09-11T07:24:55.229000+00:00' (UTC, sortable);
    TED's '2026-07-01+02:00' -> '2026-07-01'. None when there is no usable stamp."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not value:
        return None
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}([+-]\d{2}:?\d{2}|Z)?$", text):
        return text[:10]  # a date with an offset but no time: the day is all it says
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # +0200 -> +02:00 for fromisoformat on 3.11
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-" else None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat()


def newer(stamp: str | None, cursor: str | None) -> bool:
    return stamp is not None and (cursor is None or stamp > cursor)


def later(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
