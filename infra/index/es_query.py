"""Pure translation of a :class:`~euradar.core.ports.Query` into an Elasticsearch search body.

The query language (:mod:`euradar.core.query_syntax`) becomes query DSL leaf by leaf, with the
semantics of the embedded index (:mod:`euradar.infra.index.tantivy_query`) and of the
in-memory matcher, pinned by the shared contract tests:

* word: a ``term`` on ``title_norm`` (boost 3) or ``body_norm`` for each of its forms;
* phrase: ``span_near`` (slop 0, in order) of one ``span_or`` of forms per position, in the
  title (boost 3) or the body;
* prefix: ``prefix`` on ``words`` (the lower-cased words as written);
* field filter: ``term`` on ``tags`` (``theme=t3``);
* AND/OR/NOT: ``bool`` must/should/must_not. User text never becomes a ``query_string``.

Filters: OR within one field (``terms``), AND across fields (``bool.filter``); the deadline
range means "has a cut-off in the range". Sorts: ``relevance`` (default) = ``status_rank``
(forthcoming/open, then news and the rest, then closed), then score (or newest first without
words); ``deadline`` = the soonest cut-off on or after today (nested sort, no scripts, which
the integ-test ES distribution does not have), items without one last; ``first_seen`` =
newest first. Facets: one ``terms`` aggregation over the matched set, on ``facets``, which
holds every facet value of an item as ``field=value`` (as written): one pass over the matching
documents instead of one per facet field, the largest part of the server time of a search.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from euradar.core.models import Item
from euradar.core.ports import FACET_FIELDS, Query
from euradar.core.query_syntax import (
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    parse_query,
)
from euradar.core.query_tree import has_text
from euradar.core.search_doc import SearchDoc, epoch_seconds, leaf_tag, status_rank
from euradar.infra.index.analysis import phrase_forms, word_forms

MAX_SIZE = 500
FACET_SIZE = 1000  # values per facet field: every value, like the embedded index
FACET_AGG = "facets"
TITLE_BOOST = 3.0
MATCH_ALL: dict[str, Any] = {"match_all": {}}

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


def page_window(query: Query) -> tuple[int, int]:
    """(page, size) after clamping, same bounds as the embedded index."""
    return max(1, query.page), max(1, min(query.size, MAX_SIZE))


def to_document(item: Item, doc: SearchDoc) -> dict[str, Any]:
    """The indexed document of one item (``_id`` is ``item.id``)."""
    days = sorted({d[:10] for d in item.deadlines})
    return {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "status_rank": status_rank(item),
        "lang": item.lang,
        "programme": item.programme,
        "source": item.source,
        "themes": item.theme_ids,
        "eligibility": list(item.eligibility),
        "tags": sorted(doc.tags),
        FACET_AGG: facet_values(item),
        "deadlines": days,
        "deadline_list": [{"day": d} for d in days],
        "first_seen": item.first_seen,
        "first_seen_day": item.first_seen[:10] if item.first_seen else None,
        "first_seen_ts": epoch_seconds(item.first_seen),
        "version": item.version,
        "title_norm": " ".join(doc.title),
        "body_norm": " ".join(doc.body),
        "words": " ".join(sorted(doc.words)),
        "doc": item.to_dict(),
    }


def facet_values(item: Item) -> list[str]:
    """``field=value`` for every facet value of ``item``, as written (the field name holds no
    ``=``, so the first one splits it back)."""
    values: list[str] = []
    for name in FACET_FIELDS:
        raw = getattr(item, "theme_ids" if name == "themes" else name)
        for value in raw if isinstance(raw, list) else [raw]:
            if value is not None:
                values.append(f"{name}={value}")
    return values


def facet_counts(aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The facet counts per field from the ``facets`` aggregation of a response (every
    field present, empty when nothing matched)."""
    counts: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
    for bucket in aggregations.get(FACET_AGG, {}).get("buckets", []):
        name, _, value = str(bucket["key"]).partition("=")
        if name in counts:
            counts[name][value] = int(bucket["doc_count"])
    return counts


# -- the query language ---------------------------------------------------------------------


def node_query(node: Node) -> dict[str, Any]:
    if isinstance(node, And):
        must = [node_query(a) for a in node.args if not isinstance(a, Not)]
        must_not = [node_query(a.arg) for a in node.args if isinstance(a, Not)]
        body: dict[str, Any] = {}
        if must:
            body["must"] = must
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}
    if isinstance(node, Or):
        return {"bool": {"should": [node_query(a) for a in node.args],
                         "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [node_query(node.arg)]}}
    return leaf_query(node)


def leaf_query(leaf: Word | Phrase | Prefix | Field) -> dict[str, Any]:
    if isinstance(leaf, Word):
        return _forms_query(word_forms(leaf.word))
    if isinstance(leaf, Phrase):
        positions = phrase_forms(leaf.words)
        if not positions:
            return MATCH_ALL
        if len(positions) == 1:
            return _forms_query(positions[0])
        return {"bool": {"should": [_span_phrase("title_norm", positions, TITLE_BOOST),
                                    _span_phrase("body_norm", positions, 1.0)],
                         "minimum_should_match": 1}}
    if isinstance(leaf, Prefix):
        return {"prefix": {"words": {"value": leaf.prefix}}}
    return {"term": {"tags": leaf_tag(leaf)}}


def _forms_query(forms: tuple[str, ...]) -> dict[str, Any]:
    if not forms:
        return MATCH_ALL  # a word the index keeps nothing of: no constraint
    should: list[dict[str, Any]] = []
    for form in forms:
        should.append({"term": {"title_norm": {"value": form, "boost": TITLE_BOOST}}})
        should.append({"term": {"body_norm": {"value": form}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _span_phrase(field: str, positions: list[tuple[str, ...]], boost: float) -> dict[str, Any]:
    clauses = [{"span_or": {"clauses": [{"span_term": {field: form}} for form in forms]}}
               for forms in positions]
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True, "boost": boost}}


# -- filters, sorts, the body ---------------------------------------------------------------


def sort_clause(query: Query, scored: bool, today: date) -> list[Any]:
    # Ties on status class and score are common (norms are quantised): they are broken by a
    # number, not by the first_seen string, which cost a deep page about 20 ms at 50k items.
    newest = {"first_seen_ts": {"order": "desc"}}
    by_id = {"id": {"order": "asc"}}
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
            by_id,
        ]
    if query.sort == "first_seen":
        return [newest, by_id]
    rank = {"status_rank": {"order": "asc"}}
    return [rank, "_score", newest, by_id] if scored else [rank, newest, by_id]


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


def to_es(query: Query, today: date | None = None) -> dict[str, Any]:
    """The search body for ``query``; raises QuerySyntaxError for text that does not parse.

    :param today: the day the deadline sort counts from (UTC today when omitted)
    """
    node = parse_query(query.text)
    today = today or datetime.now(UTC).date()
    page, size = page_window(query)
    scored = has_text(node)
    bool_query: dict[str, Any] = {"filter": filter_clauses(query)}
    if node is not None:
        bool_query["must"] = [node_query(node)]
    body: dict[str, Any] = {
        "query": {"bool": bool_query},
        "sort": sort_clause(query, scored, today),
        "from": (page - 1) * size,
        "size": size,
        "track_total_hits": True,
        "_source": ["doc"],
    }
    if scored:
        body["track_scores"] = True
    if query.facets:
        body["aggs"] = {FACET_AGG: {"terms": {"field": FACET_AGG,
                                              "size": FACET_SIZE * len(FACET_FIELDS)}}}
    return body
