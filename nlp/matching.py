"""Token-level term matcher over word analyses (see :mod:`euradar.nlp.morphology`).

spaCy's PhraseMatcher needs equal token attributes, which cannot express Finnish inflection and
compound parts ("testaus" inside "rengastestauksen"), so this matcher looks at what each word
*is*: a term word matches a text word when the term word's base form is one of the text
word's base forms or compound parts ("kaivos" in "kaivosteollisuuden", "gruva" in
"gruvindustrin"). Per distinct token text the term words it stands for are cached.
Multi-word terms match consecutive words; punctuation between them (hyphens: "kulttuuri- ja
luovat alat") is skipped. Place names (geography) match only whole, capitalised words by their
base form: "Kemin" is Kemi, "Keminmaa" is not Kemi, "kol." is not Kolari.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from euradar.nlp.morphology import analyse, stem
from euradar.nlp.taxonomy import LANGS, NUMBER_MARK, Taxonomy, TermEntry

_TERM_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_EDGE_PUNCT_RE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_STRENGTH_RANK = {"core": 0, "normal": 1, "weak": 2}


def _clean(text: str) -> str:
    return _EDGE_PUNCT_RE.sub("", text)


@lru_cache(maxsize=300_000)
def word_keys(text: str, lang: str) -> frozenset[str]:
    """Keys a text word stands for: its base forms and compound parts; for an English word the
    dictionary doesn't know, also its Snowball stem ("decarbonising" ~ "decarbonise")."""
    word = _clean(text)
    if not word:
        return frozenset()
    analysis = analyse(word, lang)
    keys = {*analysis.lemmas, *analysis.parts}
    if lang == "en" and not analysis.known:
        keys.add(stem(word.lower(), "en"))
    return frozenset(keys)


@lru_cache(maxsize=300_000)
def lemma_keys(text: str, lang: str) -> frozenset[str]:
    """Base forms only (no compound parts): how place names are matched."""
    word = _clean(text)
    return frozenset(analyse(word, lang).lemmas) if word else frozenset()


def term_word_keys(word: str, lang: str) -> frozenset[str]:
    """Keys of one word of a taxonomy term, written in its base form: that base form when the
    analyser agrees it is one ("alusta" is the noun, not also "alku"), else its readings."""
    analysis = analyse(word, lang)
    lower = word.lower()
    keys = {lower} if lower in analysis.lemmas else set(analysis.lemmas)
    if lang == "en" and not analysis.known:
        keys.add(stem(lower, "en"))
    return frozenset(keys)


def token_key(text: str, lang: str) -> str:
    """Main key of one token's text (its most likely base form), for the context rules."""
    word = _clean(text)
    return analyse(word, lang).lemmas[0] if word else ""


@dataclass(frozen=True)
class TermMatch:
    """A matched term: its taxonomy entry and the token span [start_token, end_token)."""

    entry: TermEntry
    start_token: int
    end_token: int


class TermIndex:
    """All terms usable in one language, indexed by the keys of their first word."""

    def __init__(self, taxonomy: Taxonomy, lang: str):
        self.lang = lang
        self.terms_by_first_key: dict[str, list[tuple[TermEntry, tuple[frozenset[str], ...]]]] = {}
        vocabulary: set[str] = set()
        for entry in taxonomy.entries:
            if entry.lang not in (lang, "any"):
                continue
            keysets = tuple(term_word_keys(word, lang) for word in _TERM_WORD_RE.findall(entry.term))
            if not keysets or not all(keysets):
                continue
            for key in sorted(keysets[0]):
                self.terms_by_first_key.setdefault(key, []).append((entry, keysets))
            for keyset in keysets:
                vocabulary.update(keyset)
        self.vocabulary = frozenset(vocabulary)
        self.candidates = lru_cache(maxsize=100_000)(self._candidates)

    def _candidates(self, text: str) -> frozenset[str]:
        """Term-word keys that the token text ``text`` stands for."""
        return word_keys(text, self.lang) & self.vocabulary

    def _place_ok(self, texts: list[str], positions: list[int], keysets: tuple[frozenset[str], ...]) -> bool:
        for position, keyset in zip(positions, keysets, strict=True):
            word = _clean(texts[position])
            if not word[:1].isupper() or not keyset & lemma_keys(word, self.lang):
                return False
        return True

    def match(self, texts: list[str], is_word: list[bool]) -> list[TermMatch]:
        """Find all term matches in a token sequence given the token texts and word flags."""
        word_positions = [i for i, word in enumerate(is_word) if word]
        candidate_sets = {i: self.candidates(texts[i]) for i in word_positions}
        matches = []
        seen: set[tuple[int, int]] = set()
        for n, position in enumerate(word_positions):
            for first_key in sorted(candidate_sets[position]):  # sorted: same result every run
                for entry, keysets in self.terms_by_first_key.get(first_key, ()):
                    if len(keysets) > len(word_positions) - n:
                        continue
                    following = word_positions[n : n + len(keysets)]
                    if not all(keysets[j] & candidate_sets[following[j]] for j in range(1, len(keysets))):
                        continue
                    if entry.kind == "geography" and not self._place_ok(texts, following, keysets):
                        continue
                    identity = (id(entry), position)
                    if identity not in seen:
                        seen.add(identity)
                        matches.append(TermMatch(entry, position, following[-1] + 1))
        return matches


class ContextRuleSet:
    """Context rules compiled to word keys, looked up by (language, term text)."""

    def __init__(self, taxonomy: Taxonomy):
        self.rules = {}
        for rule in taxonomy.rules:
            for lang in LANGS if rule.lang == "any" else (rule.lang,):
                self.rules[(lang, rule.term.lower())] = (
                    frozenset(token_key(w, lang) for w in rule.not_preceded_by if w != NUMBER_MARK),
                    NUMBER_MARK in rule.not_preceded_by,
                    frozenset(token_key(w, lang) for w in rule.not_followed_by if w != NUMBER_MARK),
                    NUMBER_MARK in rule.not_followed_by,
                )

    def blocks(self, match: TermMatch, lang: str, keys: list[str], is_word: list[bool], is_number: list[bool]) -> bool:
        """True when a context rule rejects ``match`` (e.g. "data mining", "Cluster 4")."""
        rule = self.rules.get((lang, match.entry.term.lower()))
        if rule is None:
            return False
        before_words, before_number, after_words, after_number = rule
        before = match.start_token - 1
        while before >= 0 and not (is_word[before] or is_number[before]):
            before -= 1
        after = match.end_token
        while after < len(keys) and not (is_word[after] or is_number[after]):
            after += 1
        if before >= 0 and (keys[before] in before_words or (before_number and is_number[before])):
            return True
        if after < len(keys) and (keys[after] in after_words or (after_number and is_number[after])):
            return True
        return False


def keep_longest(matches: list[TermMatch]) -> list[TermMatch]:
    """Drop theme matches lying inside a longer theme match ("forest" in "forest fires"),
    and any match repeated at the same span; other kinds only lose exact duplicates."""
    # A total order, so the kept entry never depends on set iteration (hash seed): at one span
    # the strongest term of a group wins, then the alphabetically first.
    ordered = sorted(matches, key=lambda m: (-(m.end_token - m.start_token), m.start_token,
                                             _STRENGTH_RANK.get(m.entry.strength, 9),
                                             m.entry.kind, m.entry.group, m.entry.term))
    kept: list[TermMatch] = []
    covered_by_theme: list[tuple[int, int]] = []
    seen: set[tuple[str, str, int, int]] = set()
    for match in ordered:
        identity = (match.entry.kind, match.entry.group, match.start_token, match.end_token)
        if identity in seen:
            continue
        if match.entry.kind == "theme":
            if any(s <= match.start_token and match.end_token <= e and (e - s) > (match.end_token - match.start_token)
                   for s, e in covered_by_theme):
                continue
            covered_by_theme.append((match.start_token, match.end_token))
        seen.add(identity)
        kept.append(match)
    return sorted(kept, key=lambda m: m.start_token)
