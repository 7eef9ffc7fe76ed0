"""Token-level term matcher over normalised word keys (see ``euradar.nlp.normalize``).

spaCy's PhraseMatcher needs equal token attributes, which cannot express Finnish compound parts
("testaus" inside "rengastestauksen"), so this matcher indexes every word of every term by its
key and, per distinct word key, finds the term words it stands for (cached). Multi-word terms
match consecutive words; punctuation between them (hyphens: "kulttuuri- ja luovat alat") is skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from euradar.nlp.normalize import MIN_COMPOUND_PART, MIN_KEY_LENGTH, word_key
from euradar.nlp.taxonomy import LANGS, NUMBER_MARK, Taxonomy, TermEntry

_TERM_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_EDGE_PUNCT_RE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_FI_SV_VOWELS = set("aeiouyäöå")
_STRENGTH_RANK = {"core": 0, "normal": 1, "weak": 2}


def token_key(text: str, lang: str) -> str:
    """Key of one token's text: edge punctuation removed ("kulttuuri-" -> "kulttuuri")."""
    return word_key(_EDGE_PUNCT_RE.sub("", text), lang) if text else ""


@dataclass(frozen=True)
class TermMatch:
    """A matched term: its taxonomy entry and the token span [start_token, end_token)."""

    entry: TermEntry
    start_token: int
    end_token: int


class TermIndex:
    """All term words of one language, indexed by key, for fast per-word lookup."""

    def __init__(self, taxonomy: Taxonomy, lang: str):
        self.lang = lang
        self.terms_by_first_key: dict[str, list[tuple[TermEntry, tuple[str, ...]]]] = {}
        part_keys: set[str] = set()
        for entry in taxonomy.entries:
            if entry.lang not in (lang, "any"):
                continue
            parts = tuple(word_key(word, lang) for word in _TERM_WORD_RE.findall(entry.term))
            if not parts:
                continue
            self.terms_by_first_key.setdefault(parts[0], []).append((entry, parts))
            part_keys.update(parts)
        self.long_keys = frozenset(k for k in part_keys if len(k) >= MIN_COMPOUND_PART)
        self.long_key_lengths = sorted({len(k) for k in self.long_keys})
        self.exact_keys = frozenset(part_keys)
        # Short Finnish/Swedish keys also match with their final vowel dropped ("kemi" ~ "kem").
        self.vowel_dropped: dict[str, set[str]] = {}
        for key in part_keys:
            if MIN_KEY_LENGTH < len(key) < MIN_COMPOUND_PART and key[-1] in _FI_SV_VOWELS:
                self.vowel_dropped.setdefault(key[:-1], set()).add(key)
        self.candidates = lru_cache(maxsize=100_000)(self._candidates)

    def _candidates(self, doc_key: str) -> frozenset[str]:
        """Term-word keys that the word key ``doc_key`` stands for."""
        found = {doc_key} if doc_key in self.exact_keys else set()
        if self.lang == "en" or not doc_key:
            return frozenset(found)
        found.update(self.vowel_dropped.get(doc_key, ()))
        size = len(doc_key)
        for start in (0, *range(MIN_KEY_LENGTH, size - MIN_COMPOUND_PART + 1)):
            for length in self.long_key_lengths:
                if start + length > size:
                    break
                piece = doc_key[start : start + length]
                if piece in self.long_keys:
                    found.add(piece)
        return frozenset(found)

    def match(self, keys: list[str], is_word: list[bool]) -> list[TermMatch]:
        """Find all term matches in a token sequence given per-token keys and word flags."""
        word_positions = [i for i, word in enumerate(is_word) if word]
        candidate_sets = {i: self.candidates(keys[i]) for i in word_positions}
        matches = []
        for n, position in enumerate(word_positions):
            for first_key in sorted(candidate_sets[position]):  # sorted: same result every run
                for entry, parts in self.terms_by_first_key.get(first_key, ()):
                    if len(parts) > len(word_positions) - n:
                        continue
                    following = word_positions[n : n + len(parts)]
                    if all(parts[j] in candidate_sets[following[j]] for j in range(1, len(parts))):
                        matches.append(TermMatch(entry, position, following[-1] + 1))
        return matches


class ContextRuleSet:
    """Context rules compiled to word keys, looked up by (language, term text)."""

    def __init__(self, taxonomy: Taxonomy):
        self.rules = {}
        for rule in taxonomy.rules:
            for lang in LANGS if rule.lang == "any" else (rule.lang,):
                self.rules[(lang, rule.term.lower())] = (
                    frozenset(word_key(w, lang) for w in rule.not_preceded_by if w != NUMBER_MARK),
                    NUMBER_MARK in rule.not_preceded_by,
                    frozenset(word_key(w, lang) for w in rule.not_followed_by if w != NUMBER_MARK),
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
