"""Does an item match a subscription? Pure functions, the same semantics everywhere
(immediate alerts, digests, previews)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from euradar.core.keywords import Expr, Term, parse_keywords
from euradar.core.models import Item
from euradar.core.ports import Index, Query
from euradar.core.subscriptions import Subscription
from euradar.nlp.normalize import index_tokens, query_word_forms

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=4096)
def term_words(term: Term) -> tuple[tuple[str, ...], ...]:
    """Per word of a keyword term, the index tokens it may stand for (fi, sv and en forms)."""
    return tuple(f for f in (query_word_forms(w) for w in _WORD.findall(term.text)) if f)


def _contains(tokens: list[str], words: tuple[tuple[str, ...], ...]) -> bool:
    """A phrase: consecutive tokens, each one of its word's forms (index_tokens keeps one main
    form per word in text order, so compound parts never break a phrase)."""
    n = len(words)
    if n == 0:
        return False
    if n == 1:
        return not set(words[0]).isdisjoint(tokens)
    return any(all(tokens[i + j] in words[j] for j in range(n)) for i in range(len(tokens) - n + 1))


def evaluate(expr: Expr | None, tokens: list[str]) -> bool:
    if expr is None:
        return True
    if isinstance(expr, Term):
        return _contains(tokens, term_words(expr))
    if expr.op == "NOT":
        return not evaluate(expr.args[0], tokens)
    if expr.op == "AND":
        return all(evaluate(a, tokens) for a in expr.args)
    return any(evaluate(a, tokens) for a in expr.args)


def matched_terms(expr: Expr | None, item: Item) -> list[str]:
    """The keyword terms, as the user wrote them, that occur in ``item`` and count towards the
    match (a term under NOT never does): what an alert names as the reason, instead of the
    whole expression."""
    tokens = item_tokens(item)
    found: list[str] = []

    def walk(node: Expr | None) -> None:
        if node is None:
            return
        if isinstance(node, Term):
            if node.text not in found and _contains(tokens, term_words(node)):
                found.append(node.text)
            return
        if node.op != "NOT":
            for arg in node.args:
                walk(arg)

    walk(expr)
    return found


def item_tokens(item: Item) -> list[str]:
    return index_tokens(f"{item.title}\n{item.text}\n{' '.join(item.call_ids)}", item.lang)


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
    expr = parse_keywords(sub.keywords)
    if expr is not None:
        if not evaluate(expr, item_tokens(item)):
            return []
        reasons.append(f"keywords {sub.keywords}")
    if not reasons:
        reasons.append("kind " + item.kind if sub.kinds else "all items")
    return reasons


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
