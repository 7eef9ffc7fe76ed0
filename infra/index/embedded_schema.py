"""The Tantivy side of the embedded index: its schema, one item as a Tantivy document, and the
small integer codes facets are counted on.

Facets are the hot spot of a search over many items (every query counts seven of them over
its whole matching set). Counting Tantivy text columns, above all multi-valued ones, was
too slow at 250,000 items, so each facet is also stored as one dense integer per item: a
code per value (``kind``, ``status``, ``lang``, ``programme``, ``source``) or a bit mask
(``themes``, ``eligibility``, at most 63 distinct values; beyond that those two facets are
counted on their text columns). Codes live in SQLite (``facet_values``), so every process
reading the index decodes them the same way.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import tantivy

from euradar.core.models import Item
from euradar.core.search_doc import SearchDoc, epoch_seconds, status_rank
from euradar.infra.index.tantivy_query import day_number

# Bumped whenever the schema or the document changes: the index is then rebuilt from the
# documents kept in SQLite.
LAYOUT = "euradar-tantivy-3"
CODE_FACETS = ("kind", "status", "lang", "programme", "source")
MASK_FACETS = ("themes", "eligibility")
MASK_BITS = 63
# Cut-offs per item kept for the deadline sort (dl1..dlN): those not yet past when the item is
# written (a past cut-off never comes back), the first N of them. Only an item with more than
# N cut-offs still ahead is approximated: it keeps its first N-1 and its last one.
DEADLINE_SLOTS = 12
def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    # The SQLite rowid of the item's document: a hit's document is read by rowid from one
    # column read, without touching Tantivy's document store.
    sb.add_unsigned_field("row", fast=True)
    # Tokens come normalised from Python (SearchDoc): split on spaces, nothing else.
    sb.add_text_field("title", tokenizer_name="whitespace")
    sb.add_text_field("body", tokenizer_name="whitespace")
    sb.add_text_field("words", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("tags", tokenizer_name="raw", index_option="basic")
    for name in ("kind", "status", "lang", "programme", "source"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in MASK_FACETS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in CODE_FACETS:
        sb.add_unsigned_field(f"{name}_code", fast=True)
    for name in MASK_FACETS:
        sb.add_unsigned_field(f"{name}_mask", fast=True)
    sb.add_unsigned_field("rank", indexed=True, fast=True)
    sb.add_unsigned_field("first_seen", fast=True)
    sb.add_unsigned_field("first_seen_day", indexed=True, fast=True)
    sb.add_unsigned_field("deadlines", indexed=True, fast=True)
    for slot in range(1, DEADLINE_SLOTS + 1):
        sb.add_unsigned_field(f"dl{slot}", indexed=True, fast=True)
    return sb.build()


def deadline_days(item: Item) -> list[int]:
    return sorted({d for d in (day_number(x) for x in item.deadlines) if d is not None})


def deadline_slots(days: list[int], today: int) -> list[int]:
    ahead = [d for d in days if d >= today]
    if len(ahead) <= DEADLINE_SLOTS:
        return ahead
    return [*ahead[:DEADLINE_SLOTS - 1], ahead[-1]]


def to_document(item: Item, doc: SearchDoc, codes: FacetCodes, row: int) -> tantivy.Document:
    d = tantivy.Document()
    d.add_text("id", item.id)
    d.add_unsigned("row", row)
    d.add_text("title", " ".join(doc.title))
    d.add_text("body", " ".join(doc.body))
    d.add_text("words", " ".join(sorted(doc.words)))
    for tag in sorted(doc.tags):
        d.add_text("tags", tag)
    for name, value in (("kind", item.kind), ("status", item.status), ("lang", item.lang),
                        ("programme", item.programme), ("source", item.source)):
        if value:
            d.add_text(name, value)
        d.add_unsigned(f"{name}_code", codes.code(name, value) if value else 0)
    for name, values in (("themes", item.theme_ids), ("eligibility", item.eligibility)):
        mask = 0
        for value in dict.fromkeys(values):
            d.add_text(name, value)
            bit = codes.code(name, value)
            mask |= 1 << min(bit, MASK_BITS)
        d.add_unsigned(f"{name}_mask", mask)
    d.add_unsigned("rank", status_rank(item))
    d.add_unsigned("first_seen", epoch_seconds(item.first_seen))
    day = day_number(item.first_seen)
    if day is not None:
        d.add_unsigned("first_seen_day", day)
    days = deadline_days(item)
    for day_value in days:
        d.add_unsigned("deadlines", day_value)
    today = int(datetime.now(UTC).strftime("%Y%m%d"))
    for slot, slot_day in enumerate(deadline_slots(days, today), start=1):
        d.add_unsigned(f"dl{slot}", slot_day)
    return d


class FacetCodes:
    """Value <-> integer code per facet field, kept in SQLite (table ``facet_values``).

    Code fields count from 1 (0 means "no value"); mask fields use codes as bit numbers from 0.
    """

    TABLE = ("CREATE TABLE IF NOT EXISTS facet_values (field TEXT NOT NULL, value TEXT NOT NULL,"
             " code INTEGER NOT NULL, PRIMARY KEY (field, value), UNIQUE (field, code))")

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._codes: dict[str, dict[str, int]] = {}
        self._values: dict[str, dict[int, str]] = {}
        self.reload()

    def reload(self) -> None:
        self._masks: dict[tuple[str, int], tuple[str, ...] | None] = {}
        self._codes = {f: {} for f in (*CODE_FACETS, *MASK_FACETS)}
        for row in self._conn.execute("SELECT field, value, code FROM facet_values"):
            self._codes.setdefault(row[0], {})[row[1]] = int(row[2])
        self._values = {f: {c: v for v, c in m.items()} for f, m in self._codes.items()}

    def assign(self, items: list[Item]) -> None:
        """Give every new value of ``items`` a code; call inside the write transaction."""
        wanted: dict[str, set[str]] = {f: set() for f in (*CODE_FACETS, *MASK_FACETS)}
        for item in items:
            for name in CODE_FACETS:
                value = getattr(item, name)
                if value:
                    wanted[name].add(value)
            wanted["themes"].update(item.theme_ids)
            wanted["eligibility"].update(item.eligibility)
        missing = {f: vs - set(self._codes.get(f, {})) for f, vs in wanted.items()}
        if not any(missing.values()):
            return
        self.reload()  # another process may have added codes since
        for field, values in missing.items():
            for value in sorted(values - set(self._codes[field])):
                row = self._conn.execute("SELECT MAX(code) FROM facet_values WHERE field = ?",
                                         (field,)).fetchone()
                first = 0 if field in MASK_FACETS else 1
                code = first if row[0] is None else int(row[0]) + 1
                self._conn.execute("INSERT INTO facet_values(field, value, code) VALUES (?, ?, ?)",
                                   (field, value, code))
                self._codes[field][value] = code
                self._values[field][code] = value

    def code(self, field: str, value: str) -> int:
        return self._codes[field][value]

    def _mask_values(self, field: str, mask: int) -> tuple[str, ...] | None:
        """The values of a bit mask (memoised); None for the overflow bit."""
        known = self._masks.get((field, mask), ())
        if known != ():
            return known
        values: tuple[str, ...] | None = None
        if not mask >> MASK_BITS:
            bits = [bit for bit in range(MASK_BITS) if mask >> bit & 1]
            values = tuple(v for v in (self.value(field, b) for b in bits) if v is not None)
        self._masks[(field, mask)] = values
        return values

    def value(self, field: str, code: int) -> str | None:
        if code not in self._values.get(field, {}):
            self.reload()
        return self._values.get(field, {}).get(code)

    def masks_fit(self, field: str) -> bool:
        """Whether every value of a mask field has its own bit, as far as this process knows
        (else its facet is counted on the text column). A value another process added past
        the last bit shows as the overflow bit, which :meth:`decode` refuses."""
        return len(self._codes.get(field, {})) < MASK_BITS

    def decode(self, field: str, buckets: list[dict[str, Any]]) -> dict[str, int] | None:
        """Terms-aggregation buckets of ``<field>_code`` or ``<field>_mask`` -> value counts,
        most frequent first, then by value (the order Elasticsearch gives); None when a mask
        has the overflow bit (count the text column instead)."""
        counts: dict[str, int] = {}
        for bucket in buckets:
            key, n = int(bucket["key"]), int(bucket["doc_count"])
            if field in MASK_FACETS:
                values = self._mask_values(field, key)
                if values is None:
                    return None
                for value in values:
                    counts[value] = counts.get(value, 0) + n
            elif key:
                coded = self.value(field, key)
                if coded is not None:
                    counts[coded] = counts.get(coded, 0) + n
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
