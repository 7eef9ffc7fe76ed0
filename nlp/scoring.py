"""Turn matched term evidence into a 0..1 score per theme.

Per theme, every distinct term contributes its weight (defining > core > normal > weak),
multiplied when it occurs in the title, with a small bonus for repetitions. Weak (ambiguous)
terms count only next to other evidence for the same theme or with Arctic/Lapland context, and
all of them together add at most ``weak_cap``: a pile of "cooperation, partnership, networks"
supports a theme but never carries it. A term met only inside an enumeration of examples
("sectors such as tourism, forestry and mining") counts ``list_factor`` of its weight:
GUIDELINES.md calls a term in a list of examples incidental, and call texts are full of such
lists (English only: the cue words are English). The sum is divided by a length factor so that
one incidental mention in a long text stays below the threshold, and squashed to 0..1 as
``density / (density + half_point)`` (0.5 exactly at ``half_point``).

The constants were set by hand on folds 0-2 of the labelled file. A logistic regression over the
same evidence (per-theme and per-language offsets on this score, or eleven evidence features),
cross-validated on those folds, scored no better (README, "Tagger quality"), so nothing here is
learned from the labelled texts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from euradar.nlp.matching import TermMatch


@dataclass(frozen=True)
class ScoringSettings:
    """Tunable scoring constants (set in config.cfg)."""

    title_factor: float = 2.0
    repeat_bonus: float = 0.2
    max_repeats: int = 3
    length_unit: float = 100.0
    length_power: float = 0.7
    half_point: float = 2.5
    threshold: float = 0.5
    weak_cap: float = 1000.0
    list_factor: float = 1.0


_EXAMPLE_LIST_RE = re.compile(
    r"\b(?:such as|e\.\s?g\.|for example|for instance|including|inter alia|like)\s+([^.;:!?()\n]{10,400})",
    re.IGNORECASE)


def example_list_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of enumerations of examples ("such as A, B, C and D"): a term named
    there is one example among several, not the text's subject (GUIDELINES.md: "a term inside a
    long list of examples" is incidental)."""
    spans = []
    for found in _EXAMPLE_LIST_RE.finditer(text):
        body = found.group(1)
        if body.count(",") >= 2 or (body.count(",") >= 1 and re.search(r"\b(?:and|or)\b", body)):
            spans.append(found.span(1))
    return spans


def theme_scores(
    matches_by_theme: dict[str, list[tuple[TermMatch, int]]],
    weights: dict[str, float],
    title_end: int,
    word_count: int,
    has_arctic_context: bool,
    settings: ScoringSettings,
    list_spans: list[tuple[int, int]] | None = None,
) -> dict[str, float]:
    """Score each theme from its matches, given as (match, start character offset) pairs."""
    length_factor = (1.0 + word_count / settings.length_unit) ** settings.length_power
    scores = {}
    for theme, matches in matches_by_theme.items():
        has_clear_evidence = any(m.entry.strength != "weak" for m, _ in matches)
        by_term: dict[str, list[int]] = {}
        strength_of: dict[str, str] = {}
        for match, start in matches:
            term = match.entry.term.lower()
            by_term.setdefault(term, []).append(start)
            strength_of[term] = match.entry.strength
        raw = 0.0
        weak_total = 0.0
        for term, starts in by_term.items():
            strength = strength_of[term]
            if strength == "weak" and not (has_clear_evidence or has_arctic_context):
                continue
            value = weights.get(strength, 1.0)
            if list_spans and all(any(a <= start < b for a, b in list_spans) for start in starts):
                value *= settings.list_factor
            if min(starts) < title_end:
                value *= settings.title_factor
            if strength != "weak":  # an ambiguous word repeated in boilerplate is no stronger
                value *= 1.0 + settings.repeat_bonus * min(len(starts) - 1, settings.max_repeats)
                raw += value
            else:
                weak_total += value
        raw += min(weak_total, settings.weak_cap)
        density = raw / length_factor
        scores[theme] = round(density / (density + settings.half_point), 4) if density else 0.0
    return scores
