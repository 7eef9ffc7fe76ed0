"""Pure translation of a :class:`~euradar.core.ports.Query` into an Elasticsearch search body.

Mirrors :mod:`euradar.infra.index.sql_query` (the reference semantics, pinned by the index contract):

* text: every query word must occur in the title or the body in one of its forms
  (:func:`euradar.nlp.normalize.query_word_forms`: a ``bool.must`` of one ``multi_match`` per
  word over its forms, operator OR); the title weighs 3x the body. User text is only ever a ``multi_match`` query
  string, never query syntax, so quotes, ``AND``, ``title:(`` ... are inert.
* filters: OR within one field (``terms``), AND across fields (``bool.filter``).
* deadline range: the item has a cut-off in the range (``deadlines`` holds ISO days).
* sorts: relevance (score, then newest first_seen, then id); deadline: the soonest cut-off on or
  after today first, items without an upcoming cut-off last (a nested sort filtered to
  ``day >= today``: no scripts, which the integ-test ES distribution does not have);
  first_seen: newest first.
* facets: ``terms`` aggregations over the matched set, count desc then value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from euradar.core.models import Item
from euradar.core.ports import FACET_FIELDS, Query
from euradar.infra.index.sql_query import query_forms

MAX_SIZE = 500
FACET_SIZE = 1000  # every value, like the SQLite GROUP BY

# Query attribute -> keyword field of the document.
TERM_FILTERS: tuple[tuple[str, str], ...] = (
    ("kinds", "kind"),
    ("statuses", "status"),
    ("langs", "lang"),
    ("programmes", "programme"),
    ("sources", "source"),
    ("ids", "id"),
    ("themes", "themes"),
    ("eligibility", "eligibility"),
)
TEXT_FIELDS = ("title_norm^3", "body_norm")


def page_window(query: Query) -> tuple[int, int]:
    """(page, size) after clamping, same bounds as the SQLite index."""
    return max(1, query.page), max(1, min(query.size, MAX_SIZE))


def to_document(item: Item, title_norm: str, body_norm: str) -> dict[str, Any]:
    """The indexed document of one item (``_id`` is ``item.id``)."""
    days = sorted({d[:10] for d in item.deadlines})
    return {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "lang": item.lang,
        "programme": item.programme,
        "source": item.source,
        "themes": item.theme_ids,
        "eligibility": list(item.eligibility),
        "deadlines": days,
        "deadline_list": [{"day": d} for d in days],
        "first_seen": item.first_seen,
        "first_seen_day": item.first_seen[:10] if item.first_seen else None,
        "version": item.version,
        "title_norm": title_norm,
        "body_norm": body_norm,
        "doc": item.to_dict(),
    }


def sort_clause(query: Query, has_text: bool, today: date) -> list[Any]:
    newest = {"first_seen": {"order": "desc", "missing": "_last"}}
    if query.sort == "deadline":
        day = today.isoformat()
        return [
            {"deadline_list.day": {
                "order": "asc",
                "mode": "min",
                "missing": "_last",
                "nested": {"path": "deadline_list",
                           "filter": {"range": {"deadline_list.day": {"gte": day}}}},
            }},
            {"id": {"order": "asc"}},
        ]
    if query.sort == "first_seen" or not has_text:
        return [newest, {"id": {"order": "asc"}}]
    return ["_score", newest, {"id": {"order": "asc"}}]


def filter_clauses(query: Query) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    for attr, field in TERM_FILTERS:
        values = getattr(query, attr)
        if values:
            clauses.append({"terms": {field: list(values)}})
    if query.deadline_from or query.deadline_to:
        rng: dict[str, str] = {}
        if query.deadline_from:
            rng["gte"] = query.deadline_from[:10]
        if query.deadline_to:
            rng["lte"] = query.deadline_to[:10]
        clauses.append({"range": {"deadlines": rng}})
    if query.first_seen_from or query.first_seen_to:
        rng = {}
        if query.first_seen_from:
            rng["gte"] = query.first_seen_from[:10]
        if query.first_seen_to:
            rng["lte"] = query.first_seen_to[:10]
        clauses.append({"range": {"first_seen_day": rng}})
    return clauses


def to_es(query: Query, word_forms: list[tuple[str, ...]] | None = None,
          today: date | None = None) -> dict[str, Any]:
    """The search body for ``query``.

    :param word_forms: ``query_forms(query.text)``; computed when omitted
    :param today: the day the deadline sort counts from (UTC today when omitted)
    """
    if word_forms is None:
        word_forms = query_forms(query.text)
    tokens = [forms for forms in word_forms if forms]
    today = today or datetime.now(UTC).date()
    page, size = page_window(query)

    bool_query: dict[str, Any] = {"filter": filter_clauses(query)}
    if tokens:
        bool_query["must"] = [{"multi_match": {
            "query": " ".join(forms),
            "fields": list(TEXT_FIELDS),
            "type": "cross_fields",
            "operator": "or",
        }} for forms in tokens]
    body: dict[str, Any] = {
        "query": {"bool": bool_query},
        "sort": sort_clause(query, bool(tokens), today),
        "from": (page - 1) * size,
        "size": size,
        "track_total_hits": True,
        "_source": ["doc"],
    }
    if tokens:
        body["track_scores"] = True
    if query.facets:
        body["aggs"] = {name: {"terms": {"field": name, "size": FACET_SIZE}}
                        for name in FACET_FIELDS}
    return body
