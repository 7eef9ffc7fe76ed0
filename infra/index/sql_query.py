"""Pure translation of a :class:`~euradar.core.ports.Query` into SQLite clauses (unit-tested)."""

from __future__ import annotations

import re
from datetime import date

from euradar.core.ports import Query
from euradar.nlp.normalize import query_word_forms

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Columns of the ``items`` table that a Query filters on directly.
_COLUMN_FILTERS = (
    ("kinds", "kind"),
    ("statuses", "status"),
    ("langs", "lang"),
    ("programmes", "programme"),
    ("sources", "source"),
    ("ids", "id"),
)
# Multi-valued fields live in ``item_tags(id, field, value)``.
_TAG_FILTERS = (("themes", "theme"), ("eligibility", "eligibility"))


def query_forms(text: str) -> list[tuple[str, ...]]:
    """Per query word, every index token it may stand for (in fi, sv or en)."""
    return [forms for forms in (query_word_forms(word) for word in _WORD.findall(text)) if forms]


def fts_match(word_forms: list[tuple[str, ...]]) -> str:
    """Every word must occur (AND) in any of its forms (OR); each form quoted so FTS5 syntax in
    user text is inert."""
    groups = ["(" + " OR ".join('"' + f.replace('"', '""') + '"' for f in forms) + ")"
              for forms in word_forms if forms]
    return " AND ".join(groups)


def to_sql(query: Query) -> tuple[list[str], list[object]]:
    """Return WHERE conjuncts over alias ``i`` (items) and their parameters; text is handled apart."""
    where: list[str] = []
    params: list[object] = []
    for attr, column in _COLUMN_FILTERS:
        values = getattr(query, attr)
        if values:
            where.append(f"i.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    for attr, tag in _TAG_FILTERS:
        values = getattr(query, attr)
        if values:
            where.append(
                "i.id IN (SELECT id FROM item_tags WHERE field = ? AND value IN "
                f"({', '.join('?' * len(values))}))"
            )
            params.extend([tag, *values])
    if query.deadline_from or query.deadline_to:
        # "Has a cut-off in the range": independent of today's date, same as the ES range query.
        cond = ["field = 'deadline'"]
        if query.deadline_from:
            cond.append("value >= ?")
            params.append(query.deadline_from[:10])
        if query.deadline_to:
            cond.append("value <= ?")
            params.append(query.deadline_to[:10])
        where.append(f"i.id IN (SELECT id FROM item_tags WHERE {' AND '.join(cond)})")
    if query.first_seen_from:
        where.append("substr(i.first_seen, 1, 10) >= ?")
        params.append(query.first_seen_from[:10])
    if query.first_seen_to:
        where.append("substr(i.first_seen, 1, 10) <= ?")
        params.append(query.first_seen_to[:10])
    return where, params


def order_by(query: Query, has_text: bool, today: date) -> str:
    """Sort clause. Deadline sort: soonest cut-off on or after today first, none last."""
    if query.sort == "deadline":
        day = today.isoformat()  # a date object's isoformat, never user text
        return ("(SELECT MIN(value) FROM item_tags t WHERE t.id = i.id AND t.field = 'deadline' "
                f"AND t.value >= '{day}') IS NULL, "
                "(SELECT MIN(value) FROM item_tags t WHERE t.id = i.id AND t.field = 'deadline' "
                f"AND t.value >= '{day}'), i.id")
    if query.sort == "first_seen":
        return "i.first_seen DESC, i.id"
    return "score DESC, i.first_seen DESC, i.id" if has_text else "i.first_seen DESC, i.id"
