"""Does an item match a subscription? Pure functions, the same semantics everywhere
(immediate alerts, digests, previews)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterator, Union

from euradar.models import Item
from euradar.ports import Index, Query
from euradar.subscriptions import Subscription
from nlp.normalize import normalize_for_search

_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[^\s()"]+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # normalized; several words = a phrase


@dataclass(frozen=True)
class Op:
    op: str  # AND | OR | NOT
    args: tuple["Expr", ...]


Expr = Union[Term, Op]


@lru_cache(maxsize=512)
def parse_keywords(text: str) -> Expr | None:
    """Parse ``'hydrogen OR "wind power" NOT offshore'``; None for an empty expression.

    Precedence: NOT binds tightest, then AND (also implicit), then OR.
    Raises ValueError with the position of the problem.
    """
    tokens = [t for t in _TOKEN.findall(text or "") if t.strip()]
    if not tokens:
        return None
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def parse_or() -> Expr:
        args = [parse_and()]
        while peek() == "OR":
            take()
            args.append(parse_and())
        return args[0] if len(args) == 1 else Op("OR", tuple(args))

    def parse_and() -> Expr:
        args = [parse_not()]
        while peek() not in (None, ")", "OR"):
            if peek() == "AND":
                take()
            args.append(parse_not())
        return args[0] if len(args) == 1 else Op("AND", tuple(args))

    def parse_not() -> Expr:
        if peek() == "NOT":
            take()
            return Op("NOT", (parse_not(),))
        return parse_atom()

    def parse_atom() -> Expr:
        tok = peek()
        if tok is None:
            raise ValueError("expression ends where a word was expected")
        if tok in ("AND", "OR", ")"):
            raise ValueError(f"unexpected {tok!r} at term {pos + 1}")
        take()
        if tok == "(":
            inner = parse_or()
            if peek() != ")":
                raise ValueError("missing closing parenthesis")
            take()
            return inner
        words = tuple(normalize_for_search(tok.strip('"'), None).split())
        if not words:
            raise ValueError(f"term {tok!r} has no searchable word")
        return Term(words)

    expr = parse_or()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} at term {pos + 1}")
    return expr


def _contains(tokens: list[str], words: tuple[str, ...]) -> bool:
    n = len(words)
    if n == 1:
        return words[0] in tokens
    return any(tuple(tokens[i:i + n]) == words for i in range(len(tokens) - n + 1))


def evaluate(expr: Expr | None, tokens: list[str]) -> bool:
    if expr is None:
        return True
    if isinstance(expr, Term):
        return _contains(tokens, expr.words)
    if expr.op == "NOT":
        return not evaluate(expr.args[0], tokens)
    if expr.op == "AND":
        return all(evaluate(a, tokens) for a in expr.args)
    return any(evaluate(a, tokens) for a in expr.args)


def item_tokens(item: Item) -> list[str]:
    return normalize_for_search(f"{item.title}\n{item.text}\n{' '.join(item.call_ids)}",
                                item.lang).split()


@lru_cache(maxsize=1024)
def _label_key(label: str) -> tuple[str, ...]:
    """'local authority', 'Local_Authorities' and 'local-authorities' -> one key, so profile
    authors need not know the tagger's internal group names."""
    return tuple(normalize_for_search(re.sub(r"[_\-]+", " ", label), None).split())


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
        today = today or datetime.now(timezone.utc).date()
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
    today = today or datetime.now(timezone.utc).date()
    query = Query(first_seen_from=(today - timedelta(days=days)).isoformat(),
                  first_seen_to=today.isoformat(), sort="first_seen")
    matched = []
    for item in iter_items(index, query):
        reasons = match(sub, item, today)
        if reasons:
            matched.append((item, reasons))
    return matched
