"""Token-level term matcher over word analyses (see :mod:`euradar.nlp.morphology`).

spaCy's PhraseMatcher needs equal token attributes, which cannot express Finnish inflection and
compound parts ("testaus" inside "rengastestauksen"), so this matcher looks at what each word
*is*: a term word matches a text word when the term word's base form is one of the text
word's base forms or compound parts ("kaivos" in "kaivosteollisuuden", "gruva" in
"gruvindustrin"). Per distinct token text the term words it stands for are cached.
Multi-word terms match consecutive words; punctuation between them (hyphens: "kulttuuri- ja
luovat alat") is skipped. Two words joined by a hyphen without spaces also match as one word
("co-operation" is "cooperation"), and a hyphenated term also matches written as one word
("eco-design" finds "ecodesign"). A match records whether its last word matched the text
word's base form (``whole_word``) or only one of its compound parts; a term naming the whole
word outranks terms naming its parts ("kasvihuonekaasupäästöt" is emissions, T3, not
"kasvihuone", a greenhouse, T2). Place names (geography) match
only whole, capitalised words by their base form: "Kemin" is Kemi, "Keminmaa" is not Kemi,
"kol." is not Kolari.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from euradar.nlp.morphology import analyse, stem
from euradar.nlp.taxonomy import LANGS, NUMBER_MARK, Taxonomy, TermEntry
from euradar.nlp.wordcache import WordCache, word_cache

_TERM_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_HYPHENATED_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_EDGE_PUNCT_RE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_STRENGTH_RANK = {"defining": 0, "core": 1, "normal": 2, "weak": 3}
# English articles are skipped inside multi-word terms: "refining (the) natural resources".
_SKIPPED = {"en": frozenset({"the", "a", "an"})}


def _clean(text: str) -> str:
    return _EDGE_PUNCT_RE.sub("", text)


@word_cache(maxsize=300_000)
def word_keys(text: str, lang: str) -> frozenset[str]:
    """Keys a text word stands for: its base forms and compound parts; for an English word the
    dictionary doesn't know, also its Snowball stem ("decarbonising" ~ "decarbonise"); for a
    Swedish word or an acronym, also the word as written (see :func:`term_word_keys`)."""
    word = _clean(text)
    if not word:
        return frozenset()
    analysis = analyse(word, lang)
    keys = {*analysis.lemmas, *analysis.parts}
    if lang == "en" and not analysis.known:
        keys.add(stem(word.lower(), "en"))
    if lang == "sv" or _is_acronym(word):
        keys.add(word.lower())
    return frozenset(keys)


def _is_acronym(word: str) -> bool:
    """"AI", "CCS", "EDF": read as written, never lemmatised (the English dictionary reads
    "ai" as a form of "be" and "ccs" as a plural of "cc")."""
    return len(word) >= 2 and word.isupper()


@word_cache(maxsize=300_000)
def whole_word_keys(text: str, lang: str) -> frozenset[str]:
    """Keys of a text word as a whole (base forms, and the stem of an unknown English word),
    without its compound parts."""
    word = _clean(text)
    if not word:
        return frozenset()
    analysis = analyse(word, lang)
    keys = set(analysis.lemmas)
    if lang == "en" and not analysis.known:
        keys.add(stem(word.lower(), "en"))
    if lang == "sv" or _is_acronym(word):
        keys.add(word.lower())
    return frozenset(keys)


@word_cache(maxsize=300_000)
def lemma_keys(text: str, lang: str) -> frozenset[str]:
    """Base forms only (no compound parts): how place names are matched."""
    word = _clean(text)
    return frozenset(analyse(word, lang).lemmas) if word else frozenset()


def term_word_keys(word: str, lang: str) -> frozenset[str]:
    """Keys of one word of a taxonomy term, written in its base form: that base form when the
    analyser agrees it is one ("alusta" is the noun, not also "alku"), else its readings.

    Swedish: the lemma dictionary reads a bare noun that is also a verb stem as the verb
    ("bär" -> "bära", "risk" -> "riska", "spel" -> "spela"), while it reads the noun's
    inflected forms as the noun ("risken" -> "risk"). A Swedish term word is therefore kept as
    written, plus its lemma only when that is not longer (a plural written in the taxonomy,
    "turister" -> "turist"), so that "risk" finds "risken" and "bär" does not find "innebära".
    """
    analysis = analyse(word, lang)
    lower = word.lower()
    if _is_acronym(word):
        return frozenset({lower})
    if lang == "sv":
        return frozenset({lower, *(lemma for lemma in analysis.lemmas if len(lemma) <= len(lower))})
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
    """A matched term: its taxonomy entry and the token span [start_token, end_token);
    ``whole_word`` unless its last word matched only a compound part of the text word."""

    entry: TermEntry
    start_token: int
    end_token: int
    whole_word: bool = True


def term_variants(term: str) -> list[list[str]]:
    """The word sequences a term is matched as: its words, and, when it is written with a
    hyphen between letters, also with those pieces joined ("eco-design" -> "ecodesign")."""
    words = _TERM_WORD_RE.findall(term)
    variants = [words]
    joined = [piece.replace("-", "") for piece in _HYPHENATED_RE.findall(term)]
    if joined != words and all(joined) and "-" in term:
        variants.append(joined)
    return variants


class TermIndex:
    """All terms usable in one language, indexed by the keys of their first word."""

    def __init__(self, taxonomy: Taxonomy, lang: str):
        self.lang = lang
        self.skipped = _SKIPPED.get(lang, frozenset())
        self.terms_by_first_key: dict[str, list[tuple[TermEntry, tuple[frozenset[str], ...]]]] = {}
        vocabulary: set[str] = set()
        for entry in taxonomy.entries:
            if entry.lang not in (lang, "any"):
                continue
            for words in term_variants(entry.term):
                keysets = tuple(term_word_keys(word, lang) for word in words if word.lower() not in self.skipped)
                if not keysets or not all(keysets):
                    continue
                for key in sorted(keysets[0]):
                    self.terms_by_first_key.setdefault(key, []).append((entry, keysets))
                for keyset in keysets:
                    vocabulary.update(keyset)
        self.vocabulary = frozenset(vocabulary)
        self._cached_candidates: WordCache[frozenset[str]] = WordCache(self._candidates, 100_000)

    def candidates(self, text: str) -> frozenset[str]:
        """Term-word keys that the token text ``text`` stands for (ids and numbers uncached)."""
        return self._cached_candidates(text, self.lang)

    def _candidates(self, text: str, lang: str) -> frozenset[str]:
        return word_keys(text, lang) & self.vocabulary

    def _place_ok(self, texts: list[str], positions: list[int], keysets: tuple[frozenset[str], ...]) -> bool:
        for position, keyset in zip(positions, keysets, strict=True):
            word = _clean(texts[position])
            if not word[:1].isupper() or not keyset & lemma_keys(word, self.lang):
                return False
        return True

    def match(self, texts: list[str], is_word: list[bool],
              hyphen_joins: frozenset[int] = frozenset()) -> list[TermMatch]:
        """Find all term matches in a token sequence given the token texts and word flags.

        ``hyphen_joins`` holds the positions of words followed by a hyphen and another word
        with no space between ("co" in "co-operation"); those pairs also match as one word.
        """
        word_positions = [i for i, word in enumerate(is_word) if word and texts[i].lower() not in self.skipped]
        units = [(p, p + 1, texts[p], self.candidates(texts[p])) for p in word_positions]
        # Joined units: (start, end, text, keys) for "co" "-" "operation" read as "cooperation".
        joined: dict[int, tuple[int, int, str, frozenset[str]]] = {}
        for n, position in enumerate(word_positions[:-1]):
            if position in hyphen_joins and word_positions[n + 1] == position + 2:
                text = texts[position] + texts[position + 2]
                keys = self.candidates(text)
                if keys:
                    joined[n] = (position, position + 3, text, keys)
        matches = []
        seen: set[tuple[int, int, int]] = set()

        def unit_at(n: int, joined_unit: bool) -> tuple[int, int, str, frozenset[str]] | None:
            return joined.get(n) if joined_unit else units[n]

        def extend(n: int, keysets: tuple[frozenset[str], ...], j: int) -> list[tuple[int, str]]:
            """Ends (end token, last unit's text) of the term's words j.. matched from unit n."""
            if j == len(keysets):
                return []
            ends = []
            for joined_unit in (False, True):
                unit = unit_at(n, joined_unit) if n < len(units) else None
                if unit is None or not keysets[j] & unit[3]:
                    continue
                step = 2 if joined_unit else 1
                if j == len(keysets) - 1:
                    ends.append((unit[1], unit[2]))
                else:
                    ends.extend(extend(n + step, keysets, j + 1))
            return ends

        for n, unit in enumerate(units):
            first_keys = unit[3] | joined[n][3] if n in joined else unit[3]
            for first_key in sorted(first_keys):  # sorted: same result every run
                for entry, keysets in self.terms_by_first_key.get(first_key, ()):
                    size = len(keysets)
                    ends = []
                    # the common case: one text word per term word
                    if n + size <= len(units) and all(keysets[j] & units[n + j][3] for j in range(size)) and (
                            entry.kind != "geography"
                            or self._place_ok(texts, word_positions[n:n + size], keysets)):
                        ends.append(units[n + size - 1][1:3])
                    if entry.kind != "geography" and any(k in joined for k in range(n, n + size)):
                        ends += [end for end in extend(n, keysets, 0) if end not in ends]
                    for end, last_text in ends:
                        identity = (id(entry), unit[0], end)
                        if identity in seen:
                            continue
                        seen.add(identity)
                        whole = bool(keysets[-1] & whole_word_keys(last_text, self.lang))
                        matches.append(TermMatch(entry, unit[0], end, whole))
        return matches


class ContextRuleSet:
    """Context rules compiled to word keys, looked up by (language, term text), and for a
    one-word term also by the term's base forms: a rule written for "art" also holds for the
    term "arts", one for "harvest" also for "harvesting" (same base form), so that every
    spelling of a word listed in some theme obeys the rule written once."""

    def __init__(self, taxonomy: Taxonomy):
        self.rules: dict[tuple[str, str], tuple[frozenset[str], bool, frozenset[str], bool]] = {}
        self.rules_by_key: dict[tuple[str, str], tuple[frozenset[str], bool, frozenset[str], bool]] = {}
        for rule in taxonomy.rules:
            for lang in LANGS if rule.lang == "any" else (rule.lang,):
                compiled = (
                    frozenset(token_key(w, lang) for w in rule.not_preceded_by if w != NUMBER_MARK),
                    NUMBER_MARK in rule.not_preceded_by,
                    frozenset(token_key(w, lang) for w in rule.not_followed_by if w != NUMBER_MARK),
                    NUMBER_MARK in rule.not_followed_by,
                )
                self.rules[(lang, rule.term.lower())] = compiled
                if len(_TERM_WORD_RE.findall(rule.term)) == 1:
                    for key in sorted(term_word_keys(rule.term, lang)):
                        self.rules_by_key.setdefault((lang, key), compiled)
        self._resolved: dict[tuple[str, str], tuple[frozenset[str], bool, frozenset[str], bool] | None] = {}

    def _rule_for(self, term: str, lang: str) -> tuple[frozenset[str], bool, frozenset[str], bool] | None:
        if (lang, term) in self._resolved:
            return self._resolved[(lang, term)]
        rule = self.rules.get((lang, term.lower()))
        if rule is None and len(_TERM_WORD_RE.findall(term)) == 1:
            for key in sorted(term_word_keys(term, lang)):
                rule = self.rules_by_key.get((lang, key))
                if rule is not None:
                    break
        self._resolved[(lang, term)] = rule
        return rule

    def blocks(self, match: TermMatch, lang: str, keys: Sequence[str], is_word: list[bool],
               is_number: list[bool]) -> bool:
        """True when a context rule rejects ``match`` (e.g. "data mining", "Cluster 4")."""
        rule = self._rule_for(match.entry.term, lang)
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
    """Drop theme matches lying inside a longer theme match ("forest" in "forest fires"), or
    matching only a compound part of a word another theme term names as a whole, or inside a
    phrase that is never evidence (kind "ignore": "state of the art"); and any match repeated
    at the same span. Other kinds only lose exact duplicates. Ignore matches are not returned."""
    ignored = [(m.start_token, m.end_token) for m in matches if m.entry.kind == "ignore"]
    whole_spans = {(m.start_token, m.end_token) for m in matches if m.entry.kind == "theme" and m.whole_word}
    # A total order, so the kept entry never depends on set iteration (hash seed): at one span
    # the strongest term of a group wins, then the alphabetically first.
    ordered = sorted(matches, key=lambda m: (-(m.end_token - m.start_token), m.start_token, not m.whole_word,
                                             _STRENGTH_RANK.get(m.entry.strength, 9),
                                             m.entry.kind, m.entry.group, m.entry.term))
    kept: list[TermMatch] = []
    covered_by_theme: list[tuple[int, int]] = []
    seen: set[tuple[str, str, int, int]] = set()
    for match in ordered:
        identity = (match.entry.kind, match.entry.group, match.start_token, match.end_token)
        if identity in seen or match.entry.kind == "ignore":
            continue
        if match.entry.kind == "theme":
            if any(s <= match.start_token and match.end_token <= e for s, e in ignored):
                continue
            if not match.whole_word and (match.start_token, match.end_token) in whole_spans:
                continue
            if any(s <= match.start_token and match.end_token <= e and (e - s) > (match.end_token - match.start_token)
                   for s, e in covered_by_theme):
                continue
            covered_by_theme.append((match.start_token, match.end_token))
        seen.add(identity)
        kept.append(match)
    return sorted(kept, key=lambda m: m.start_token)
