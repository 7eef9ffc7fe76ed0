"""One search on the embedded index's Tantivy side: the matching set, the page in the
requested order and the facet counts. Document loading and highlights are the caller's.

Orders (the same as :mod:`euradar.infra.index.es_query`):

* ``relevance`` (the default): forthcoming and open items first, then news and items without
  a status, closed last (``rank`` 0/1/2); within a class by relevance, or newest first when
  the query has no words. One aggregation counts each class, so the page is cut from the
  classes it overlaps, with one top-k search per class it touches (usually one).
* ``deadline``: the soonest cut-off on or after today first, items without one last (by id).
  "Next cut-off" depends on today, so it cannot be a stored field: cut-offs are stored in
  slots ``dl1 <= dl2 <= ...``; the items whose next cut-off is slot *i* are those with
  ``dl_i >= today`` and not ``dl_{i-1} >= today``, each group sorted on its slot, and the
  groups merged.
* ``first_seen``: newest first, every status alike (closed calls are findable here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import tantivy

from euradar.core.ports import FACET_FIELDS, Query
from euradar.infra.index.embedded_schema import CODE_FACETS, MASK_FACETS, FacetCodes
from euradar.infra.index.tantivy_query import Occur, TQuery, Translator

RANKS = (0, 1, 2)
FACET_SIZE = 1000  # every value, like Elasticsearch's terms aggregation here
# Distinct masks a themes/eligibility aggregation may return: far more than 63 values can
# combine into in practice; when exceeded (sum_other_doc_count > 0) the text column is used.
MASK_BUCKETS = 65536


@dataclass
class Found:
    total: int
    hits: list[tuple[float, tantivy.DocAddress]]
    facets: dict[str, dict[str, int]]


def _aggregations(facets: bool, codes: FacetCodes) -> dict[str, Any]:
    aggs: dict[str, Any] = {"rank": {"terms": {"field": "rank", "size": len(RANKS) + 1}}}
    if not facets:
        return aggs
    for name in CODE_FACETS:
        aggs[name] = {"terms": {"field": f"{name}_code", "size": FACET_SIZE}}
    for name in MASK_FACETS:
        if codes.masks_fit(name):
            aggs[name] = {"terms": {"field": f"{name}_mask", "size": MASK_BUCKETS}}
        else:
            aggs[name] = {"terms": {"field": name, "size": FACET_SIZE}}
    return aggs


def _facets(result: dict[str, Any], codes: FacetCodes, searcher: tantivy.Searcher,
            base: tantivy.Query) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        agg = result.get(name, {})
        buckets = agg.get("buckets", [])
        if name in MASK_FACETS and buckets and isinstance(buckets[0]["key"], str):
            facets[name] = _by_count({str(b["key"]): int(b["doc_count"]) for b in buckets})
            continue
        overflow = name in MASK_FACETS and agg.get("sum_other_doc_count", 0)
        decoded = None if overflow else codes.decode(name, buckets)
        if decoded is None:  # too many values for masks: count the text column
            text = searcher.aggregate(base, {name: {"terms": {"field": name, "size": FACET_SIZE}}})
            decoded = _by_count({str(b["key"]): int(b["doc_count"]) for b in text[name]["buckets"]})
        facets[name] = decoded
    return facets


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def run(searcher: tantivy.Searcher, tr: Translator, codes: FacetCodes, base: tantivy.Query,
        query: Query, has_text: bool, offset: int, size: int, today: date,
        deadline_depth: int) -> Found:
    result = searcher.aggregate(base, _aggregations(query.facets, codes))
    per_rank = {int(b["key"]): int(b["doc_count"]) for b in result["rank"]["buckets"]}
    total = sum(per_rank.values())
    facets = _facets(result, codes, searcher, base) if query.facets else {}
    if total == 0 or offset >= total:
        return Found(total, [], facets)
    if query.sort == "first_seen":
        hits = _ordered(searcher, base, size, offset, "first_seen", tantivy.Order.Desc)
    elif query.sort == "deadline":
        hits = _by_deadline(searcher, tr, base, size, offset, today, deadline_depth)
    else:
        hits = _by_rank(searcher, tr, base, per_rank, has_text, size, offset)
    return Found(total, hits, facets)


def _ordered(searcher: tantivy.Searcher, q: tantivy.Query, limit: int, offset: int, field: str,
             order: tantivy.Order) -> list[tuple[float, tantivy.DocAddress]]:
    res = searcher.search(q, limit, count=False, order_by_field=field, offset=offset, order=order)
    return [(0.0, addr) for _, addr in res.hits]


def _by_rank(searcher: tantivy.Searcher, tr: Translator, base: tantivy.Query,
             per_rank: dict[int, int], has_text: bool, size: int,
             offset: int) -> list[tuple[float, tantivy.DocAddress]]:
    hits: list[tuple[float, tantivy.DocAddress]] = []
    skip, need = offset, size
    for rank in RANKS:
        n = per_rank.get(rank, 0)
        if need == 0:
            break
        if skip >= n:
            skip -= n
            continue
        take = min(need, n - skip)
        q = tr.all_of([base, tr.rank_is(rank)])
        if has_text:
            res = searcher.search(q, take, count=False, offset=skip)
            hits += [(float(score), addr) for score, addr in res.hits]
        else:
            hits += _ordered(searcher, q, take, skip, "first_seen", tantivy.Order.Desc)
        need -= take
        skip = 0
    return hits


def _by_deadline(searcher: tantivy.Searcher, tr: Translator, base: tantivy.Query, size: int,
                 offset: int, today: date,
                 depth: int) -> list[tuple[float, tantivy.DocAddress]]:
    want = offset + size
    candidates: list[tuple[int, int, int, tantivy.DocAddress]] = []
    upcoming = 0
    for slot in range(1, depth + 1):
        clauses = [(Occur.Must, base), (Occur.Must, tr.upcoming(f"dl{slot}", today))]
        if slot > 1:
            clauses.append((Occur.MustNot, tr.upcoming(f"dl{slot - 1}", today)))
        res = searcher.search(TQuery.boolean_query(clauses), want, count=True,
                              order_by_field=f"dl{slot}", order=tantivy.Order.Asc)
        upcoming += res.count  # type: ignore[attr-defined]  # missing from tantivy.pyi
        candidates += [(int(day), slot, i, addr) for i, (day, addr) in enumerate(res.hits)]
    candidates.sort(key=lambda c: c[:3])
    hits = [(0.0, c[3]) for c in candidates[offset:want]]
    if len(hits) < size:
        rest = TQuery.boolean_query([(Occur.Must, base),
                                     (Occur.MustNot, tr.upcoming("deadlines", today))])
        hits += _ordered(searcher, rest, size - len(hits), max(0, offset - upcoming), "id",
                         tantivy.Order.Asc)
    return hits
