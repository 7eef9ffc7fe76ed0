"""The keyword expression of a subscription, parsed into a tree; pure and language-free.

``'hydrogen OR "wind power" NOT offshore'`` -> ``Op("OR", (Term, Op("NOT", ...)))``. Words are
kept as written: how a word is normalised to match an item is the matcher's business
(:mod:`euradar.alerts.matching`), so this module needs no NLP and can validate a subscription.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[^\s()"]+)')
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    text: str  # as written, without quotes; several words = a phrase


@dataclass(frozen=True)
class Op:
    op: str  # AND | OR | NOT
    args: tuple[Expr, ...]


Expr = Term | Op


@lru_cache(maxsize=512)
def parse_keywords(text: str) -> Expr | None:
    """Parse ``'hydrogen OR "wind power" NOT offshore'``; None for an empty expression.

    Precedence: NOT binds tightest, then AND (also implicit), then OR.
    Raises ValueError with the position of the problem.
    """
    tokens: list[str] = [t for t in _TOKEN.findall(text or "") if t.strip()]
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
        term = tok.strip('"')
        if not _WORD.search(term):
            raise ValueError(f"term {tok!r} has no searchable word")
        return Term(term)

    expr = parse_or()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} at term {pos + 1}")
    return expr
