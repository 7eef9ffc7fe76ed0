"""An item as the query language sees it, the same for every index backend and for the
in-memory subscription matcher: the index tokens of its title and body (in order, for
phrases), its lower-cased words as written (for prefixes) and its field tags (for filters
such as ``theme:T3``). Pure: the tokenizer (:func:`euradar.nlp.normalize.index_tokens`) is
passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from euradar.core.models import Item
from euradar.core.query_syntax import WORD_RE, Field


def search_texts(item: Item) -> tuple[str, str]:
    """The title and the body an item is searched by; the body ends with the item's call ids
    and programme, so the topic code ``HORIZON-CL6-2026-01`` finds the call (the item's own id
    is the field filter ``id:``, not text: ids such as ``local:fi-vety`` hold words)."""
    return item.title, " ".join([item.text, " ".join(item.call_ids), item.programme or ""])


# Elasticsearch's whitespace tokenizer splits tokens longer than 255 characters; such tokens
# (base64 blobs, not words) are left out everywhere so positions agree on every backend.
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True)
class SearchDoc:
    """An item as the query language sees it: the same for every index and the matcher."""

    title: tuple[str, ...]      # index tokens of the title, in order
    body: tuple[str, ...]       # index tokens of the body, in order
    words: frozenset[str]       # lower-cased surface words (for prefixes)
    tags: frozenset[str]        # field filter tags

    @property
    def tokens(self) -> frozenset[str]:
        return frozenset(self.title) | frozenset(self.body)


def search_doc(item: Item, tokenize: Callable[[str, str | None], list[str]]) -> SearchDoc:
    """Analyse ``item``; ``tokenize`` is :func:`euradar.nlp.normalize.index_tokens`, passed in
    so this module stays free of NLP."""
    title, body = search_texts(item)

    def tokens(text: str) -> tuple[str, ...]:
        return tuple(t for t in tokenize(text, item.lang) if len(t) <= MAX_TOKEN_CHARS)

    words = frozenset(w for w in surface_words(f"{title}\n{body}") if len(w) <= MAX_TOKEN_CHARS)
    return SearchDoc(tokens(title), tokens(body), words, frozenset(field_tags(item)))


STATUS_RANKS = {"open": 0, "forthcoming": 0, "closed": 2}
OTHER_RANK = 1  # news, and calls or tenders whose status is unknown


def status_rank(item: Item) -> int:
    """The class of the default order: forthcoming and open items first, then news and the
    rest, closed last; relevance (or first seen) decides within a class."""
    return STATUS_RANKS.get(item.status or "", OTHER_RANK)


def epoch_seconds(value: str | None) -> int:
    """An ISO timestamp as seconds since 1970 (0 when missing or unreadable: sorts last);
    what "newest first" orders by on every backend (a number compares in one step, and
    timestamps written with different UTC offsets still order by the moment)."""
    if not value:
        return 0
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return 0
    if moment.tzinfo is None:
        return max(0, int((moment - datetime(1970, 1, 1)).total_seconds()))
    return max(0, int(moment.timestamp()))


def surface_words(text: str) -> list[str]:
    """The lower-cased words of ``text`` as written: what a prefix is matched against."""
    return WORD_RE.findall(text.lower())


def field_tag(name: str, value: str) -> str:
    """One filterable fact, ``name=value`` lower-cased: the term a field filter looks up."""
    return f"{name}={value.strip().lower()}"


def field_tags(item: Item) -> list[str]:
    """Every ``name=value`` tag a field filter can find on ``item``."""
    tags = [field_tag("kind", item.kind), field_tag("id", item.id),
            field_tag("source", item.source)]
    for name, value in (("status", item.status), ("lang", item.lang),
                        ("programme", item.programme)):
        if value:
            tags.append(field_tag(name, value))
    tags += [field_tag("theme", t) for t in item.theme_ids]
    tags += [field_tag("eligibility", e) for e in item.eligibility]
    return sorted(set(tags))


def leaf_tag(leaf: Field) -> str:
    return field_tag(leaf.name, leaf.value)
