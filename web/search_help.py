"""Ways out of an empty result, for the search page, the API and the CLI.

Zero hits show what narrowed the search (every filter, from the form or written in the query,
each with a link that drops it and the number of results that would give), a theme whose
vocabulary the query words belong to, and the English term for a Finnish or Swedish word
(``search_glossary.yaml``). An empty index says so, and how to load items, instead of
blaming the query.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from euradar.core.ports import Index
from euradar.core.query_syntax import (
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    Word,
    leaves,
    parse_query,
)
from euradar.core.query_tree import positive_leaves, to_text, without_leaf
from euradar.nlp.normalize import index_tokens, query_word_forms
from euradar.nlp.taxonomy import load_taxonomy
from euradar.web.i18n import facet_value_label, label, translator
from euradar.web.params import SearchParams

GLOSSARY_FILE = Path(__file__).with_name("search_glossary.yaml")
MAX_WAYS_OUT = 10
LOAD_HINT = "euradar run --once"


@dataclass
class WayOut:
    kind: str                     # drop | theme | english
    label: str                    # what the link does, in the UI language
    params: SearchParams          # the search it leads to
    total: int = 0                # how many results that search has


@dataclass
class SearchHelp:
    index_empty: bool
    ways_out: list[WayOut]

    def as_dict(self, path: str = "/") -> dict[str, Any]:
        return {"index_empty": self.index_empty,
                "load_hint": LOAD_HINT if self.index_empty else None,
                "ways_out": [{"kind": w.kind, "label": w.label, "total": w.total,
                              "url": w.params.to_url(path)} for w in self.ways_out]}


def search_help(index: Index, params: SearchParams, lang: str = "en") -> SearchHelp:
    """What to offer on a page without results (call it only then: it runs a count for each
    way out)."""
    if index.count() == 0:
        return SearchHelp(index_empty=True, ways_out=[])
    ways = applied_filters(params, lang) + theme_ways(params, lang) + english_ways(params, lang)
    seen: set[str] = set()
    unique = []
    for way in ways:
        key = way.params.to_url("/")
        if key not in seen:
            seen.add(key)
            unique.append(way)
    for way in unique[:MAX_WAYS_OUT]:
        way.total = index.search(way.params.to_query(facets=False, page=1, size=1)).total
    return SearchHelp(index_empty=False, ways_out=unique[:MAX_WAYS_OUT])


def applied_filters(params: SearchParams, lang: str) -> list[WayOut]:
    """One "drop it" way out per filter in force, from the form or written in the query."""
    t = translator(lang)
    ways: list[WayOut] = []
    for param, field in (("theme", "themes"), ("kind", "kind"), ("status", "status"),
                         ("programme", "programme"), ("language", "lang"),
                         ("eligibility", "eligibility"), ("source", "source")):
        values = [str(v) for v in getattr(params, param)]
        for value in values:
            rest = [v for v in values if v != value]
            shown = facet_value_label(field, value, lang)
            ways.append(WayOut("drop", t("drop_filter", what=f"{t('facet_' + field)}: {shown}"),
                               params.model_copy(update={param: rest, "page": 1})))
    for lo, hi, name in (("deadline_from", "deadline_to", "deadline_range"),
                         ("first_seen_from", "first_seen_to", "first_seen_range")):
        if getattr(params, lo) or getattr(params, hi):
            ways.append(WayOut("drop", t("drop_filter", what=t(name)),
                               params.model_copy(update={lo: None, hi: None, "page": 1})))
    node = parse_query(params.q)
    for leaf in leaves(node):
        if isinstance(leaf, Field):
            ways.append(WayOut("drop", t("drop_filter", what=leaf.source),
                               params.model_copy(update={"q": to_text(without_leaf(node, leaf)),
                                                         "page": 1})))
    words_only = [leaf for leaf in leaves(node) if not isinstance(leaf, Field)]
    if words_only and ways:  # the filters alone, without the words
        kept = node
        for leaf in words_only:
            kept = without_leaf(kept, leaf)
        ways.append(WayOut("drop", t("drop_words", words=_words_text(node)),
                           params.model_copy(update={"q": to_text(kept), "page": 1})))
    return ways


def _words_text(node: Node | None) -> str:
    return " ".join(leaf.source for leaf in leaves(node) if not isinstance(leaf, Field))


@lru_cache(maxsize=1)
def _theme_tokens() -> dict[str, frozenset[str]]:
    """Theme id -> the index tokens of its single-word core and normal terms."""
    tokens: dict[str, set[str]] = {}
    for entry in load_taxonomy().entries:
        if entry.kind != "theme" or entry.strength == "weak" or " " in entry.term.strip():
            continue
        lang = entry.lang if entry.lang in ("en", "fi", "sv") else "en"
        tokens.setdefault(entry.group, set()).update(index_tokens(entry.term, lang))
    return {theme: frozenset(found) for theme, found in tokens.items()}


def theme_ways(params: SearchParams, lang: str) -> list[WayOut]:
    """Search the theme instead of its words: a theme tag finds items in every language and
    wording the tagger recognised."""
    node = parse_query(params.q)
    words = [leaf for leaf in positive_leaves(node) if isinstance(leaf, Word)]
    t = translator(lang)
    ways = []
    for theme, tokens in sorted(_theme_tokens().items()):
        hit = [w for w in words if not tokens.isdisjoint(query_word_forms(w.word))]
        if not hit or theme in params.theme:
            continue
        rest = node
        for leaf in hit:
            rest = without_leaf(rest, leaf)
        ways.append(WayOut("theme", t("try_theme", theme=f"{theme} {label('themes', theme, lang)}"),
                           params.model_copy(update={"q": to_text(rest), "page": 1,
                                                     "theme": [*params.theme, theme]})))
    return ways


@lru_cache(maxsize=1)
def glossary() -> dict[tuple[str, ...], str]:
    """Normalised key (the forms of its words) -> English term."""
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8")) or {}
    out: dict[tuple[str, ...], str] = {}
    for word, english in data.items():
        out[_key(str(word))] = str(english)
    return out


def _key(text: str) -> tuple[str, ...]:
    return tuple(sorted(query_word_forms(w)[0] for w in text.split() if query_word_forms(w)))


def english_ways(params: SearchParams, lang: str) -> list[WayOut]:
    node = parse_query(params.q)
    t = translator(lang)
    ways = []
    terms = glossary()
    for leaf in positive_leaves(node):
        if not isinstance(leaf, (Word, Phrase)):
            continue
        text = leaf.word if isinstance(leaf, Word) else " ".join(leaf.words)
        english = terms.get(_key(text))
        if english is None or english.lower() == text.lower():
            continue
        written = f'"{english}"' if " " in english else english
        replaced = dataclasses.replace(leaf, source=written)
        assert node is not None
        ways.append(WayOut("english", t("try_english", term=written),
                           params.model_copy(update={"q": to_text(_swap(node, leaf, replaced)),
                                                     "page": 1})))
    return ways


def _swap(node: Node, old: Node, new: Node) -> Node:
    """``node`` with the subtree ``old`` replaced by ``new``."""
    if node == old:
        return new
    if isinstance(node, And):
        return And(tuple(_swap(a, old, new) for a in node.args))
    if isinstance(node, Or):
        return Or(tuple(_swap(a, old, new) for a in node.args))
    if isinstance(node, Not):
        return Not(_swap(node.arg, old, new))
    return node
