"""The query language evaluated in memory, on one item: how subscription keywords match.

The semantics are those of the index backends (pinned by the shared tests in
``tests/contract/query_language_contract.py``), leaf by leaf:

* a word matches when one of :func:`~euradar.nlp.normalize.query_word_forms` is among the
  index tokens of the item's title or body;
* a phrase matches when its words' forms follow each other in the title or in the body;
* a prefix matches when one of the item's lower-cased words as written starts with it;
* a field filter matches when the item has that tag (``theme=t3``).
"""

from __future__ import annotations

from functools import lru_cache

from euradar.core.models import Item
from euradar.core.query_syntax import Field, Leaf, Node, Phrase, Prefix, Word
from euradar.core.query_tree import evaluate
from euradar.core.query_tree import positive_leaves as _positive_leaves
from euradar.core.search_doc import SearchDoc, leaf_tag, search_doc
from euradar.nlp.normalize import index_tokens, query_word_forms


@lru_cache(maxsize=8192)
def word_forms(word: str) -> frozenset[str]:
    return frozenset(query_word_forms(word))


def phrase_forms(words: tuple[str, ...]) -> list[frozenset[str]]:
    """The forms of each word of a phrase; a word without forms (nothing to index) is left out."""
    return [forms for forms in (word_forms(w) for w in words) if forms]


def analyse(item: Item) -> SearchDoc:
    """The item as the query language sees it; memoised, because the alerter matches one item
    against every subscription (Items are mutable, so the key is what the analysis reads)."""
    return _analyse(item.id, item.kind, item.source, item.lang, item.title, item.text,
                    tuple(item.call_ids), item.programme, item.status, tuple(item.theme_ids),
                    tuple(item.eligibility))


@lru_cache(maxsize=256)
def _analyse(item_id: str, kind: str, source: str, lang: str | None, title: str, text: str,
             call_ids: tuple[str, ...], programme: str | None, status: str | None,
             themes: tuple[str, ...], eligibility: tuple[str, ...]) -> SearchDoc:
    item = Item(id=item_id, kind=kind, source=source, url="", title=title, text=text, lang=lang,
                call_ids=list(call_ids), programme=programme, status=status,
                themes=[{"id": t} for t in themes], eligibility=list(eligibility))
    return search_doc(item, index_tokens)


def _follows(tokens: tuple[str, ...], positions: list[frozenset[str]]) -> bool:
    n = len(positions)
    first = positions[0]
    for start in range(len(tokens) - n + 1):
        if tokens[start] in first and all(tokens[start + k] in positions[k] for k in range(1, n)):
            return True
    return False


def leaf_matches(leaf: Leaf, doc: SearchDoc) -> bool:
    if isinstance(leaf, Word):
        return not word_forms(leaf.word).isdisjoint(doc.tokens)
    if isinstance(leaf, Phrase):
        positions = phrase_forms(leaf.words)
        if not positions:
            return True  # nothing searchable in it: no constraint, as on the indexes
        return _follows(doc.title, positions) or _follows(doc.body, positions)
    if isinstance(leaf, Prefix):
        return any(w.startswith(leaf.prefix) for w in doc.words)
    assert isinstance(leaf, Field)
    return leaf_tag(leaf) in doc.tags


def matches(node: Node | None, doc: SearchDoc) -> bool:
    """Whether the analysed item satisfies the query tree (None matches everything)."""
    return evaluate(node, lambda leaf: leaf_matches(leaf, doc))


def matched_terms(node: Node | None, doc: SearchDoc) -> list[str]:
    """The terms of the query, as the user wrote them, that the item contains and that count
    for it (negated terms never do): the "why you get this" of an alert. Empty when the
    item does not match the query as a whole."""
    if node is None or not matches(node, doc):
        return []
    hits = [leaf.source for leaf in _positive_leaves(node) if leaf_matches(leaf, doc)]
    return list(dict.fromkeys(hits))
