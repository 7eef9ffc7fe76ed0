"""Small language identifier for English, Finnish and Swedish (no models, no downloads).

Votes come from very frequent function words (strong evidence) and from letters and letter
pairs that are typical of one language (weak evidence: "å" is Swedish, "ää"/"yy" Finnish,
"th"/"w" English). A text is *mixed* when a second language holds a substantial share.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

LANGS = ("en", "fi", "sv")
_FUNCTION_WORDS = {
    "en": "the of and to in for is are be with on by this that from as at an or will which "
    "it its their should can has have was were not under into between more than other "
    "these those such also",
    "fi": "ja on ovat oli että se ei tai myös kun sekä jotka joka mukaan kanssa ovat "
    "hankkeen hanke voi vuoden sen niiden tässä sitä tämä nämä jo sitten mutta kuin "
    "alueen lisäksi olla ole ollut siitä mitä eri",
    "sv": "och att det som en ett för är av på med till den de har inte om kan ska eller "
    "från vid även samt hur där när detta denna inom också mellan vara blir mot sina "
    "deras under projektet",
}
_WORD_VOTES = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
# Words shared by two languages ("on", "in", "den") stay in both lists: they simply vote twice.
_CHAR_HINTS = {
    "fi": ("ää", "öö", "yy", "uu", "ii", "aa", "ssa", "ssä", "sta", "llä", "lla", "nen", "ksi"),
    "sv": ("å", "och", "ning", "het", "tion", "skap"),
    "en": ("th", "w", "tion", "ing", "ould"),
}
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
MIXED_SHARE = 0.25


def language_shares(words: Iterable[str]) -> dict[str, float]:
    """Share of votes per language for lower-cased ``words`` (all zero when no evidence)."""
    votes: dict[str, float] = dict.fromkeys(LANGS, 0.0)
    for word in words:
        for lang in LANGS:
            if word in _WORD_VOTES[lang]:
                votes[lang] += 3
    if sum(votes.values()) < 6:
        # Few function words (titles, keyword lists): fall back to letter patterns.
        text = " ".join(words)
        for lang, hints in _CHAR_HINTS.items():
            votes[lang] += sum(text.count(hint) for hint in hints) * 0.5
    total = sum(votes.values())
    if not total:
        return {lang: 0.0 for lang in LANGS}
    return {lang: votes[lang] / total for lang in LANGS}


def detect_from_words(words: list[str], default: str = "en") -> tuple[str, list[str]]:
    """Return (dominant language, languages present) for lower-cased words."""
    shares = language_shares(words)
    ranked = sorted(LANGS, key=lambda lang: (-shares[lang], LANGS.index(lang)))
    if shares[ranked[0]] == 0.0:
        return default, [default]
    present = [lang for lang in ranked if shares[lang] >= MIXED_SHARE]
    return ranked[0], present or [ranked[0]]


def detect_language(text: str, default: str = "en") -> str:
    """Return "en", "fi" or "sv": the dominant language of ``text``."""
    return detect_from_words([w.lower() for w in _WORD_RE.findall(text)], default)[0]


def detect_languages(text: str, default: str = "en") -> list[str]:
    """Return the languages present in ``text``, dominant first; two or more means mixed."""
    return detect_from_words([w.lower() for w in _WORD_RE.findall(text)], default)[1]
