"""What both index backends need from the query language and the normaliser: the analysed
item, the index tokens each query word stands for, and the highlight test for a hit.

Normalisation is reached only through :func:`euradar.nlp.normalize.index_tokens` (documents)
and :func:`euradar.nlp.normalize.query_word_forms` (each query word, and each word of a
phrase), so the morphology can change behind them without touching a translator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from euradar.core.models import Item
from euradar.core.query_syntax import Node, Phrase, Prefix, Word
from euradar.core.query_tree import positive_leaves
from euradar.core.search_doc import SearchDoc, search_doc
from euradar.nlp.normalize import SUPPORTED_LANGS, index_tokens, query_word_forms


def analyse(item: Item) -> SearchDoc:
    return search_doc(item, index_tokens)


@lru_cache(maxsize=8192)
def word_forms(word: str) -> tuple[str, ...]:
    """The index tokens one query word stands for (an OR), in a stable order."""
    return tuple(sorted(set(query_word_forms(word))))


def phrase_forms(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The forms of each word of a phrase, position by position; a word without forms
    (nothing the index keeps) is left out, exactly as the in-memory matcher does."""
    return [forms for forms in (word_forms(w) for w in words) if forms]


@lru_cache(maxsize=256)
def highlight_test(node: Node | None, lang: str | None) -> Callable[[str], bool] | None:
    """Whether a word of a hit's text is one the query matched (for ``<mark>``); None when the
    query has nothing to mark. Words are judged in the item's language when it is known,
    otherwise by every form the word may take."""
    wanted: set[str] = set()
    prefixes: list[str] = []
    for leaf in positive_leaves(node):
        if isinstance(leaf, Word):
            wanted.update(word_forms(leaf.word))
        elif isinstance(leaf, Phrase):
            for forms in phrase_forms(leaf.words):
                wanted.update(forms)
        elif isinstance(leaf, Prefix):
            prefixes.append(leaf.prefix)
    if not wanted and not prefixes:
        return None
    known = lang in SUPPORTED_LANGS
    starts = tuple(prefixes)
    seen: dict[str, bool] = {}

    def test(word: str) -> bool:
        answer = seen.get(word)
        if answer is None:
            lower = word.lower()
            tokens = _tokens_in(lower, lang) if known else word_forms(lower)
            answer = seen[word] = bool(starts and lower.startswith(starts)) or \
                not wanted.isdisjoint(tokens)
        return answer
    return test


@lru_cache(maxsize=65536)
def _tokens_in(word: str, lang: str | None) -> tuple[str, ...]:
    return tuple(index_tokens(word, lang))


# Words whose analysis says whether the index was built by today's normaliser. When the
# language helper improves Finnish or Swedish morphology, these answers change, and an
# embedded index built with the old analysis is rebuilt from its stored documents.
_PROBES = (
    ("en", "Testing recycled textiles and hydrogen valleys for wind power grids"),
    ("fi", "Talvitestauksen rengastestauksen vedyn kiertotalouden matkailua Lapissa kunnille"),
    ("sv", "Vintertestning av däck, vätgas och cirkulär ekonomi i Norrbottens kommuner"),
    ("sv", "Vintertestverksamheten vid järnvägar"),
    ("fi", "Kehittämisrahaa kansainvälistymisapuun"),
)
_PROBE_WORDS = ("testauksen", "vedyn", "kommunerna", "recycling", "talvitestaus", "vätgasen", "järnvägar", "Rovaniemis",
                "decarbonization", "centers")


@lru_cache(maxsize=1)
def analysis_fingerprint() -> str:
    """A short digest of how text is analysed today (changes when the normaliser does)."""
    parts = [" ".join(index_tokens(text, lang)) for lang, text in _PROBES]
    parts += [" ".join(query_word_forms(w)) for w in _PROBE_WORDS]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]
