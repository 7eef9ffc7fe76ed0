"""Does an item match a subscription? Pure functions, the same semantics everywhere
(immediate alerts, digests, previews)."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from euradar.alerts.query_match import analyse, matched_terms, matches
from euradar.core.models import Item
from euradar.core.ports import Index, Query
from euradar.core.query_syntax import Node, QuerySyntaxError, parse_query
from euradar.core.subscriptions import Subscription
from euradar.nlp.normalize import index_tokens

log = logging.getLogger(__name__)


@lru_cache(maxsize=1024)
def _label_key(label: str) -> tuple[str, ...]:
    """'local authority', 'Local_Authorities' and 'local-authorities' -> one key, so profile
    authors need not know the tagger's internal group names."""
    return tuple(index_tokens(re.sub(r"[_\-]+", " ", label), None))


def _label_hits(wanted: list[str], present: list[str]) -> list[str]:
    keys = {_label_key(w) for w in wanted}
    return [p for p in present if _label_key(p) in keys]


def _fmt_eur(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") + " EUR"


def match(sub: Subscription, item: Item, today: date | None = None) -> list[str]:
    """Reasons the item matches (non-empty list) or [] when it does not.

    Every criterion the subscription sets must hold; the reasons say why, for the alert text.
    """
    reasons: list[str] = []
    if sub.kinds and item.kind not in sub.kinds:
        return []
    if sub.themes:
        hit = [t for t in item.theme_ids if t in sub.themes]
        if not hit:
            return []
        reasons.append("themes " + ", ".join(hit))
    if sub.programmes:
        prog = (item.programme or "").lower()
        if not any(p.lower() in prog or any(p.lower() in c.lower() for c in item.call_ids)
                   for p in sub.programmes):
            return []
        reasons.append(f"programme {item.programme or ', '.join(item.call_ids)}")
    if sub.eligibility:
        hit = _label_hits(sub.eligibility, item.eligibility)
        if not hit:
            return []
        reasons.append("eligible: " + ", ".join(hit))
    if sub.geography:
        hit = _label_hits(sub.geography, item.geography)
        if not hit:
            return []
        reasons.append("area: " + ", ".join(hit))
    if sub.min_budget is not None:
        if item.budget is None or item.budget < sub.min_budget:
            return []
        reasons.append(f"budget at least {_fmt_eur(sub.min_budget)}")
    if sub.deadline_horizon_days is not None and item.deadlines:
        today = today or datetime.now(UTC).date()
        nxt = item.next_deadline(today)
        if nxt and (date.fromisoformat(nxt[:10]) - today).days > sub.deadline_horizon_days:
            return []
    expr = keyword_tree(sub)
    if expr is False:
        return []
    if expr is not None and not isinstance(expr, bool):
        if not matches(expr, analyse(item)):
            return []
        reasons.append(f"keywords {sub.keywords}")
    if not reasons:
        reasons.append("kind " + item.kind if sub.kinds else "all items")
    return reasons


def keyword_tree(sub: Subscription) -> Node | None | bool:
    """The subscription's keywords parsed (the query language of the search box): None when
    there are none, False when they do not parse. A profile saved under an older, looser
    grammar then matches nothing and the log says why, rather than stopping the alerter;
    editing it shows the error and its position."""
    try:
        return parse_query(sub.keywords)
    except QuerySyntaxError as exc:
        log.warning("subscription %s: keywords %r do not parse: %s", sub.id, sub.keywords, exc)
        return False


def keyword_hits(sub: Subscription, item: Item) -> list[str]:
    """Which keyword terms of ``sub``, as the user wrote them, the item contains ("why you get
    this"); empty when the keywords as a whole do not match (or there are none)."""
    expr = keyword_tree(sub)
    if isinstance(expr, bool):
        return []
    return matched_terms(expr, analyse(item))


PAGE_SIZE = 200


def iter_items(index: Index, query: Query) -> Iterator[Item]:
    """Every item a query finds, page after page (never just the first page)."""
    page = 1
    seen = 0
    while True:
        result = index.search(dataclasses.replace(query, page=page, size=PAGE_SIZE, facets=False))
        for hit in result.hits:
            yield hit.item
        seen += len(result.hits)
        if not result.hits or seen >= result.total:
            return
        page += 1


def preview(sub: Subscription, index: Index, days: int = 30,
            today: date | None = None) -> list[tuple[Item, list[str]]]:
    """What ``sub`` would have matched among items first seen in the last ``days`` days,
    newest first, with the reasons. Read-only: nothing is saved or sent (call it before saving
    a profile, from the CLI or the web UI)."""
    today = today or datetime.now(UTC).date()
    query = Query(first_seen_from=(today - timedelta(days=days)).isoformat(),
                  first_seen_to=today.isoformat(), sort="first_seen")
    matched = []
    for item in iter_items(index, query):
        reasons = match(sub, item, today)
        if reasons:
            matched.append((item, reasons))
    return matched
