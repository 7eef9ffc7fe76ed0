"""Translation of the query language and of :class:`~euradar.core.ports.Query` filters into
Tantivy queries (the embedded index). Mirrors :mod:`euradar.infra.index.es_query`; the shared
tests in ``tests/contract/`` pin both to the in-memory matcher's semantics.

* word: one of its forms in the title (weight 3) or the body;
* phrase: the forms position by position, in the title (weight 3) or the body: an OR of
  plain phrase queries over the combinations of forms the field actually holds (4x faster
  than one regex phrase; a regex phrase only past MAX_COMBINATIONS);
* prefix: a term of ``words`` (the lower-cased words as written) starting with it;
* field filter: the tag ``name=value`` in ``tags``;
* NOT: everything but (a bare negation is "all documents minus").
"""

from __future__ import annotations

import itertools
import re
from datetime import date

import tantivy

from euradar.core.ports import Query
from euradar.core.query_syntax import And, Field, Node, Not, Or, Phrase, Prefix, Word
from euradar.core.search_doc import leaf_tag
from euradar.infra.index.analysis import phrase_forms, word_forms

TITLE_BOOST = 3.0
MAX_COMBINATIONS = 32
Occur = tantivy.Occur
TQuery = tantivy.Query

# Query attribute -> raw (exact) text field of the document.
TERM_FILTERS: tuple[tuple[str, str], ...] = (
    ("kinds", "kind"), ("statuses", "status"), ("langs", "lang"), ("programmes", "programme"),
    ("sources", "source"), ("ids", "id"), ("themes", "themes"), ("eligibility", "eligibility"),
)


def day_number(value: str | None) -> int | None:
    """``2026-03-12...`` -> 20260312 (None for anything that is not an ISO day)."""
    if not value or len(value) < 10:
        return None
    digits = value[:4] + value[5:7] + value[8:10]
    return int(digits) if digits.isdigit() and value[4] == value[7] == "-" else None


class Translator:
    """Builds Tantivy queries against one schema; with a searcher, phrases leave out the forms
    a field does not hold (fewer combinations to check)."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher | None = None):
        self.schema = schema
        self.searcher = searcher

    def bound(self, searcher: tantivy.Searcher) -> Translator:
        return Translator(self.schema, searcher)

    # -- the query language ---------------------------------------------------------------

    def node(self, node: Node) -> tantivy.Query:
        if isinstance(node, And):
            return self._and(node.args)
        if isinstance(node, Or):
            return TQuery.boolean_query([(Occur.Should, self.node(a)) for a in node.args])
        if isinstance(node, Not):
            return TQuery.boolean_query([(Occur.Must, TQuery.all_query()),
                                         (Occur.MustNot, self.node(node.arg))])
        return self.leaf(node)

    def _and(self, args: tuple[Node, ...]) -> tantivy.Query:
        clauses = [(Occur.MustNot, self.node(a.arg)) if isinstance(a, Not)
                   else (Occur.Must, self.node(a)) for a in args]
        if all(occur == Occur.MustNot for occur, _ in clauses):
            clauses.append((Occur.Must, TQuery.all_query()))
        return TQuery.boolean_query(clauses)

    def leaf(self, leaf: Word | Phrase | Prefix | Field) -> tantivy.Query:
        if isinstance(leaf, Word):
            return self._forms(word_forms(leaf.word))
        if isinstance(leaf, Phrase):
            positions = phrase_forms(leaf.words)
            if not positions:
                return TQuery.all_query()
            if len(positions) == 1:
                return self._forms(positions[0])
            return TQuery.boolean_query([
                (Occur.Should, TQuery.boost_query(self._phrase("title", positions), TITLE_BOOST)),
                (Occur.Should, self._phrase("body", positions)),
            ])
        if isinstance(leaf, Prefix):
            return TQuery.regex_query(self.schema, "words", re.escape(leaf.prefix) + ".*")
        return TQuery.term_query(self.schema, "tags", leaf_tag(leaf))

    def _phrase(self, field: str, positions: list[tuple[str, ...]]) -> tantivy.Query:
        if self.searcher is not None:
            held = [tuple(f for f in forms if self.searcher.doc_freq(field, f)) for forms in positions]
            if not all(held):
                return TQuery.empty_query()  # a word of the phrase is nowhere in this field
            positions = held
        combinations = list(itertools.islice(itertools.product(*positions), MAX_COMBINATIONS + 1))
        if len(combinations) <= MAX_COMBINATIONS:
            phrases = [TQuery.phrase_query(self.schema, field, list(c)) for c in combinations]
            return phrases[0] if len(phrases) == 1 else TQuery.boolean_query(
                [(Occur.Should, p) for p in phrases])
        patterns: list[str | tuple[int, str]] = [
            "(" + "|".join(re.escape(f) for f in forms) + ")" for forms in positions]
        return TQuery.regex_phrase_query(self.schema, field, patterns)

    def _forms(self, forms: tuple[str, ...]) -> tantivy.Query:
        if not forms:
            return TQuery.all_query()  # a word the index keeps nothing of: no constraint
        clauses = []
        for form in forms:
            clauses.append((Occur.Should, TQuery.boost_query(
                TQuery.term_query(self.schema, "title", form), TITLE_BOOST)))
            clauses.append((Occur.Should, TQuery.term_query(self.schema, "body", form)))
        return TQuery.boolean_query(clauses)

    # -- filters and sorting helpers ------------------------------------------------------

    def filters(self, query: Query) -> list[tantivy.Query]:
        out: list[tantivy.Query] = []
        for attr, field in TERM_FILTERS:
            values = getattr(query, attr)
            if values:
                out.append(TQuery.term_set_query(self.schema, field, list(values)))
        lo, hi = day_number(query.deadline_from), day_number(query.deadline_to)
        if lo is not None or hi is not None:
            out.append(self.day_range("deadlines", lo, hi))
        lo, hi = day_number(query.first_seen_from), day_number(query.first_seen_to)
        if lo is not None or hi is not None:
            out.append(self.day_range("first_seen_day", lo, hi))
        return out

    def day_range(self, field: str, lo: int | None, hi: int | None) -> tantivy.Query:
        return TQuery.range_query(self.schema, field, tantivy.FieldType.Unsigned, lo, hi)

    def all_of(self, parts: list[tantivy.Query]) -> tantivy.Query:
        if not parts:
            return TQuery.all_query()
        if len(parts) == 1:
            return parts[0]
        return TQuery.boolean_query([(Occur.Must, p) for p in parts])

    def rank_is(self, rank: int) -> tantivy.Query:
        return TQuery.term_query(self.schema, "rank", rank)

    def upcoming(self, field: str, today: date) -> tantivy.Query:
        """``field`` holds a day on or after ``today``."""
        return self.day_range(field, int(today.strftime("%Y%m%d")), None)
