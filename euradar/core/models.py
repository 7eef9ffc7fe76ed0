"""The domain model: an :class:`Item` (a call, a tender or a news item) and the events about it.

Items travel on the bus as versioned JSON (``euradar.event/1``, see :mod:`euradar.codec`).
An item's ``id`` is stable across crawls: the source's own identifier where it has one
(``ft:HORIZON-CL6-2026-01-CIRCBIO-07`` collapses the language copies and versions of a
Funding & Tenders topic), otherwise ``url:<sha1 of the canonical URL>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from euradar.core.errors import InvalidItem
from euradar.core.schema import validate_item_dict

Kind = Literal["call", "tender", "news"]
Status = Literal["forthcoming", "open", "closed"]
KINDS: tuple[str, ...] = ("call", "tender", "news")
STATUSES: tuple[str, ...] = ("forthcoming", "open", "closed")

# Fields that say something about the opportunity itself. Bookkeeping (fetch time, version,
# tags computed downstream) is left out so that re-crawling an unchanged page hashes the same.
CONTENT_FIELDS: tuple[str, ...] = (
    "kind", "url", "title", "text", "lang", "programme", "call_ids", "opening_date",
    "deadlines", "status", "budget", "currency", "eligibility", "type_of_action", "documents",
    "published",
)


@dataclass
class Item:
    """One funding call, tender or news item, normalized from any source.

    Dates are ISO 8601 strings (``2026-03-12`` or ``2026-03-12T17:00:00+01:00``); ``deadlines``
    is sorted and may hold several cut-offs. ``budget`` is in ``currency`` (EUR unless said).
    ``themes`` is filled by the tagger: ``[{"id": "T3", "score": 0.8, "evidence": [...]}]``.
    """

    id: str
    kind: str
    source: str
    url: str
    title: str
    text: str = ""
    lang: str | None = None
    programme: str | None = None
    call_ids: list[str] = field(default_factory=list)
    opening_date: str | None = None
    deadlines: list[str] = field(default_factory=list)
    status: str | None = None
    budget: float | None = None
    currency: str | None = None
    eligibility: list[str] = field(default_factory=list)
    type_of_action: str | None = None
    documents: list[str] = field(default_factory=list)
    published: str | None = None
    first_seen: str | None = None
    fetched_at: str | None = None
    content_hash: str = ""
    version: int = 1
    themes: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    geography: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidItem(f"kind must be one of {KINDS}, got {self.kind!r}", "kind")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidItem(f"status must be one of {STATUSES}, got {self.status!r}", "status")
        self.deadlines = sorted(set(self.deadlines))

    def to_dict(self) -> dict[str, Any]:
        # The fields hold JSON values only, so a copy of lists and dicts is all that
        # dataclasses.asdict would do, without its per-value deepcopy and dataclass checks
        # (1 ms per tagged item, paid by every role on every record).
        return {name: _json_copy(getattr(self, name)) for name in _ITEM_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        """Build an item from its wire dict, ignoring unknown keys (newer producers)."""

        known = {f.name for f in dataclasses.fields(cls)}
        missing = [k for k in ("id", "kind", "source", "url", "title") if not data.get(k)]
        if missing:
            raise InvalidItem(f"missing required field(s) {', '.join(missing)}", missing[0])
        validate_item_dict(data)
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def theme_ids(self) -> list[str]:
        return [t["id"] for t in self.themes]

    def next_deadline(self, today: date | None = None) -> str | None:
        """The first deadline on or after ``today``, else the last one (or None)."""
        if not self.deadlines:
            return None
        today_iso = (today or datetime.now(UTC).date()).isoformat()
        upcoming = [d for d in self.deadlines if d[:10] >= today_iso]
        return upcoming[0] if upcoming else self.deadlines[-1]

    def with_hash(self) -> Item:
        """Return a copy whose ``content_hash`` covers the content fields."""
        return dataclasses.replace(self, content_hash=content_hash(self))


_WS = re.compile(r"\s+")


def _canonical(value: Any) -> Any:
    # Whitespace differences are noise, not changes (reformatted HTML, \r\n vs \n).
    if isinstance(value, str):
        return _WS.sub(" ", value).strip()
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def content_hash(item: Item) -> str:
    """SHA-256 over the content fields, insensitive to whitespace and bookkeeping fields."""
    payload = {name: _canonical(getattr(item, name)) for name in CONTENT_FIELDS}
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """One meaningful difference between two versions of an item, e.g. a moved deadline."""

    field: str
    old: Any
    new: Any
    text: str  # human wording: "deadline 12.03.2026 -> 26.03.2026"


@dataclass
class Event:
    """What travels on the bus: an item is ``new`` or ``changed`` (with the changes)."""

    type: Literal["new", "changed"]
    item: Item
    changes: list[Change] = field(default_factory=list)


def utcnow_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


_ITEM_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Item))


def _json_copy(value: Any) -> Any:
    """A copy of a JSON value's lists and dicts (strings and numbers are immutable)."""
    if isinstance(value, list):
        return [_json_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    return value
