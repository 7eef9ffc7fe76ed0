"""spaCy pipeline components (registered factories) for the euradar theme tagger.

Pipeline on a blank multi-language tokenizer, in this order:
  euradar_langid       -> doc._.lang (dominant), doc._.langs (all present; 2+ means mixed)
  euradar_normalizer   -> doc._.keys: {lang: base form per token} (worked out when first asked)
  euradar_term_matcher -> doc._.matches: [TermMatch] after context rules
  euradar_theme_scorer -> doc._.theme_scores {theme: 0..1}, doc._.themes (assigned ids)

Documents are ``title + "\\n" + text``: the first newline marks the end of the title, whose
evidence weighs more. A given language can be passed in ``doc.user_data["lang_hint"]``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from spacy.language import Language
from spacy.tokens import Doc

from euradar.nlp.langid import LANGS, detect_from_words
from euradar.nlp.matching import ContextRuleSet, TermIndex, TermMatch, keep_longest, token_key
from euradar.nlp.scoring import ScoringSettings, example_list_spans, theme_scores
from euradar.nlp.taxonomy import load_taxonomy

for _name, _default in (("lang", None), ("langs", None), ("keys", None), ("matches", None),
                        ("theme_scores", None), ("themes", None), ("title_end", 0)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def _token_table(doc: Doc) -> list[tuple[str, bool, bool, bool]]:
    """(text, is_alpha, like_num, followed by a space) per token, computed once by the
    language identifier."""
    table = doc.user_data.get("token_table")
    if table is None or len(table) != len(doc):
        table = [(t.text, t.is_alpha, t.like_num, bool(t.whitespace_)) for t in doc]
        doc.user_data["token_table"] = table
    return table


def _doc_text(doc: Doc) -> str:
    """The doc's text, rebuilt once from the token table: ``Doc.text`` iterates every token
    again on each call (it was a fifth of the tagger's time when the scorer asked twice)."""
    text = doc.user_data.get("euradar_text")
    if text is None:
        text = "".join(row[0] + " " if row[3] else row[0] for row in _token_table(doc))
        doc.user_data["euradar_text"] = text
    return str(text)


class LanguageIdentifier:
    """Sets doc._.lang from the hint, or from function words and letter patterns."""

    def __init__(self, default_lang: str):
        self.default_lang = default_lang

    def __call__(self, doc: Doc) -> Doc:
        hint = doc.user_data.get("lang_hint")
        # One pass over the tokens for all components: iterating a Doc is the costliest step.
        table = [(t.text, t.is_alpha, t.like_num, bool(t.whitespace_)) for t in doc]
        doc.user_data["token_table"] = table
        words = [text.lower() for text, alpha, _, _ in table if alpha]
        dominant, present = detect_from_words(words, self.default_lang)
        if hint in LANGS:
            dominant = hint
            present = [hint, *[lang for lang in present if lang != hint]]
        doc._.lang, doc._.langs = dominant, present
        return doc


class TokenKeys(Sequence[str]):
    """The base form of each token in one language, worked out when first asked for: only the
    neighbours of a match that has a context rule are ever read, so analysing every token in
    every language up front was a sixth of the tagger's time for nothing."""

    def __init__(self, texts: list[str], lang: str):
        self._texts = texts
        self._lang = lang
        self._known: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._texts)
        key = self._known.get(index)
        if key is None:
            key = self._known[index] = token_key(self._texts[index], self._lang)
        return key


class Normalizer:
    """Gives each language whose terms will be matched its per-token base forms."""

    def __call__(self, doc: Doc) -> Doc:
        texts = [row[0] for row in _token_table(doc)]
        # English terms are always matched too: Finnish and Swedish texts quote English names.
        langs = dict.fromkeys([*doc._.langs, "en"])
        doc._.keys = {lang: TokenKeys(texts, lang) for lang in langs}
        return doc


class TermMatcher:
    """Matches taxonomy terms per language and applies the context rules."""

    def __init__(self, taxonomy_path: str):
        taxonomy = load_taxonomy(taxonomy_path or None)
        self.indexes = {lang: TermIndex(taxonomy, lang) for lang in LANGS}
        self.rules = ContextRuleSet(taxonomy)

    def __call__(self, doc: Doc) -> Doc:
        table = _token_table(doc)
        texts = [text for text, _, _, _ in table]
        is_word = [alpha or (not number and any(c.isalpha() for c in text)) for text, alpha, number, _ in table]
        is_number = [number for _, _, number, _ in table]
        # "co-operation": a word, a hyphen and a word with no space between are also one word
        joins = frozenset(i for i in range(len(table) - 2)
                          if texts[i + 1] == "-" and not table[i][3] and not table[i + 1][3]
                          and is_word[i] and is_word[i + 2])
        matches = []
        for lang, keys in doc._.keys.items():
            for match in self.indexes[lang].match(texts, is_word, joins):
                if not self.rules.blocks(match, lang, keys, is_word, is_number):
                    matches.append(match)
        doc._.matches = keep_longest(matches)
        return doc


class ThemeScorer:
    """Scores themes from the matches and assigns those at or above the threshold."""

    def __init__(self, taxonomy_path: str, settings: ScoringSettings):
        self.taxonomy = load_taxonomy(taxonomy_path or None)
        self.settings = settings

    def __call__(self, doc: Doc) -> Doc:
        text = _doc_text(doc)
        newline = text.find("\n")
        doc._.title_end = max(newline, 0)
        by_theme: dict[str, list[tuple[TermMatch, int]]] = {theme: [] for theme in self.taxonomy.theme_ids}
        has_arctic = False
        for match in doc._.matches:
            if match.entry.kind == "theme":
                by_theme[match.entry.group].append((match, doc[match.start_token].idx))
            elif match.entry.kind in ("geography",) or (
                    match.entry.kind == "flag" and match.entry.group in ("arctic", "sami")):
                has_arctic = True
        word_count = sum(1 for _, alpha, _, _ in _token_table(doc) if alpha)
        lists = example_list_spans(text) if self.settings.list_factor != 1.0 else None
        scores = theme_scores(by_theme, self.taxonomy.term_weights, doc._.title_end, word_count, has_arctic,
                              self.settings, lists)
        doc._.theme_scores = scores
        doc._.themes = [theme for theme, score in scores.items() if score >= self.settings.threshold]
        return doc


@Language.factory("euradar_langid", default_config={"default_lang": "en"})
def make_language_identifier(nlp: Language, name: str, default_lang: str) -> LanguageIdentifier:
    """Factory for the language identifier (fi/sv/en, mixed)."""
    return LanguageIdentifier(default_lang)


@Language.factory("euradar_normalizer")
def make_normalizer(nlp: Language, name: str) -> Normalizer:
    """Factory for the stem/compound-aware normaliser."""
    return Normalizer()


@Language.factory("euradar_term_matcher", default_config={"taxonomy_path": ""})
def make_term_matcher(nlp: Language, name: str, taxonomy_path: str) -> TermMatcher:
    """Factory for the taxonomy term matcher with context rules."""
    return TermMatcher(taxonomy_path)


@Language.factory(
    "euradar_theme_scorer",
    default_config={"taxonomy_path": "", "title_factor": 2.0, "repeat_bonus": 0.2, "max_repeats": 3,
                    "length_unit": 100.0, "length_power": 0.7, "half_point": 2.5, "threshold": 0.5,
                    "weak_cap": 1000.0, "list_factor": 1.0},
)
def make_theme_scorer(nlp: Language, name: str, taxonomy_path: str, title_factor: float, repeat_bonus: float,
                      max_repeats: int, length_unit: float, length_power: float, half_point: float,
                      threshold: float, weak_cap: float, list_factor: float) -> ThemeScorer:
    """Factory for the evidence-to-score component."""
    settings = ScoringSettings(title_factor, repeat_bonus, max_repeats, length_unit, length_power, half_point,
                               threshold, weak_cap, list_factor)
    return ThemeScorer(taxonomy_path, settings)
