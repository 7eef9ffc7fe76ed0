"""Word analysis for Finnish, Swedish and English: base forms (lemmas) and compound parts.

* Finnish: Voikko (Debian ``libvoikko1`` + ``voikko-fi``, PyPI binding ``libvoikko``), the
  analyser Finnish spell checkers use. ``vedyn`` -> ``vety``; ``vetytalouden`` -> ``vetytalous``
  with parts ``vety``, ``talous``; ``Rovaniemellä`` -> ``rovaniemi``. Words Voikko does not know
  (names such as "Interregin", English words) get a Snowball stem.
* Swedish: simplemma's lemma dictionary plus a compound splitter over the same dictionary
  (``vätgasen`` -> ``vätgas`` with parts ``väte``, ``gas``; ``beredskapsövning`` ->
  ``beredskap`` + ``övning``).
* English: simplemma's lemma (``renewed`` -> ``renew``, ``renewables`` -> ``renewable``) for
  the tagger; search uses Snowball stems (see :mod:`euradar.nlp.normalize`). Both see a word in
  the one spelling British and American English share here (:mod:`euradar.nlp.spelling`).

Thread safety: Voikko handles and Snowball stemmers keep state while they work, so every
thread gets its own (``threading.local``); simplemma is pure lookups in read-only dictionaries.
Results are cached per (word, language) in an LRU cache, which is thread-safe.

Without Voikko (no Debian packages, e.g. on a machine without apt) Finnish falls back to
simplemma's Finnish dictionary and Snowball, with one warning in the log; analyses then
differ, so an index built with Voikko should be queried with Voikko too.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import simplemma
import snowballstemmer

from euradar.nlp.spelling import common_spelling
from euradar.nlp.voikko_parts import compound_parts
from euradar.nlp.wordcache import word_cache

log = logging.getLogger(__name__)

LANGS = ("en", "fi", "sv")
_SNOWBALL_NAMES = {"en": "english", "fi": "finnish", "sv": "swedish"}
_PROPER_CLASSES = frozenset({"paikannimi", "etunimi", "sukunimi", "nimi"})
_CLASS_RANK = {"nimisana": 0, "paikannimi": 1, "laatusana": 2, "nimisana_laatusana": 2, "etunimi": 3,
               "sukunimi": 3, "nimi": 3, "teonsana": 4}
# Shortest Swedish compound element the splitter accepts (shorter ones split "kommunerna").
_SV_MIN_PART = 3
_SV_MIN_WORD = 6
_SV_MIN_KNOWN_SPLIT = 8
# Verb particles and prefixes: "för|ändring", "upp|dela" are derivations, not compounds.
_SV_PARTICLES = frozenset("för upp till genom över under åter fram bort hem med mot sam ut in av på om "
                          "an be ge när sär".split())
_SV_S_SUFFIXES = ("het", "ning", "skap", "tion", "else", "itet", "dom", "nad", "ing", "sion")


@dataclass(frozen=True)
class Analysis:
    """What one word is: its base forms (most likely first) and its compound parts.

    ``parts`` holds the base forms of the compound's elements and of its inner sub-compounds
    (``liikenteenohjauslaite`` -> ``liikenne``, ``ohjaus``, ``laite``, ``liikenteenohjaus``,
    ``ohjauslaite``); never the lemmas themselves. ``known`` is False when no dictionary knew
    the word (the lemma is then a stem or the word itself). ``proper`` marks a name.
    """

    lemmas: tuple[str, ...]
    parts: tuple[str, ...] = ()
    known: bool = True
    proper: bool = False


class _PerThread(threading.local):
    """Stateful analysers, one set per thread."""

    def __init__(self) -> None:
        self.stemmers: dict[str, Any] = {}
        self.voikko: Any = None
        self.voikko_tried = False


_local = _PerThread()
_voikko_state: dict[str, str | None] = {"error": None}
_voikko_lock = threading.Lock()


def stem(word: str, lang: str) -> str:
    """Snowball stem of a lower-case word (per-thread stemmer); an English word is stemmed in
    the spelling British and American English share here (:mod:`euradar.nlp.spelling`)."""
    if lang == "en":
        word = common_spelling(word, _en_known)
    stemmer = _local.stemmers.get(lang)
    if stemmer is None:
        stemmer = _local.stemmers[lang] = snowballstemmer.stemmer(_SNOWBALL_NAMES.get(lang, "english"))
    result: str = stemmer.stemWord(word)
    return result


def _voikko() -> Any:
    """This thread's Voikko handle, or None when Voikko is not installed (warned once)."""
    if _local.voikko_tried:
        return _local.voikko
    _local.voikko_tried = True
    try:
        import libvoikko

        _local.voikko = libvoikko.Voikko("fi")
    except Exception as exc:  # missing binding (ImportError), library (OSError) or dictionary
        with _voikko_lock:
            if _voikko_state["error"] is None:
                _voikko_state["error"] = f"{type(exc).__name__}: {exc}"
                log.warning("Finnish morphology (Voikko) unavailable, using simplemma and Snowball "
                            "instead: %s; install the Debian packages libvoikko1 and voikko-fi", exc)
        _local.voikko = None
    return _local.voikko


def finnish_backend() -> str:
    """``voikko`` or ``fallback: <why>``: which Finnish analyser this process uses."""
    return "voikko" if _voikko() is not None else f"fallback: {_voikko_state['error']}"


def _voikko_analysis(word: str, voikko: Any) -> Analysis | None:
    analyses = voikko.analyze(word)
    if not analyses:
        return None
    lower = word.lower()
    proper = word[:1].isupper() and any(a.get("CLASS") in _PROPER_CLASSES for a in analyses)

    def rank(analysis: dict[str, str]) -> tuple[int, int, int]:
        cls = analysis.get("CLASS", "")
        return (0 if analysis.get("BASEFORM", "").lower() == lower else 1,
                0 if (proper and cls in _PROPER_CLASSES) else 1, _CLASS_RANK.get(cls, 5))

    lemmas: list[str] = []
    parts: list[str] = []
    for analysis in sorted(analyses, key=rank):
        base = analysis.get("BASEFORM") or word
        if base.lower() not in lemmas:
            lemmas.append(base.lower())
        if not proper:  # "Sodankylä" is a place, not sota + kylä
            parts.extend(compound_parts(base, analysis.get("WORDBASES", "")))
    parts = [p for p in dict.fromkeys(parts) if p not in lemmas and len(p) >= 2]
    return Analysis(tuple(lemmas), tuple(parts), True, proper)


def _hyphenated(word: str, lang: str) -> Analysis:
    """A hyphenated word no dictionary knows ("EDF-projektien"): each piece analysed on its
    own; the lemma is the pieces as written with the last one's lemma."""
    pieces = [p for p in word.split("-") if p]
    analysed = [analyse(p, lang) for p in pieces]
    lemma = "-".join([p.lower() for p in pieces[:-1]] + [analysed[-1].lemmas[0]])
    parts: list[str] = []
    for analysis in analysed:
        parts.extend(analysis.lemmas[:1])
        parts.extend(analysis.parts)
    return Analysis((lemma,), tuple(p for p in dict.fromkeys(parts) if p != lemma),
                    all(a.known for a in analysed), False)


def _finnish(word: str) -> Analysis:
    voikko = _voikko()
    if voikko is not None:
        found = _voikko_analysis(word, voikko)
        if found is not None:
            return found
    if "-" in word.strip("-"):
        return _hyphenated(word.strip("-"), "fi")
    lower = word.lower()
    if voikko is None and simplemma.is_known(lower, lang="fi"):
        return Analysis((simplemma.lemmatize(lower, lang="fi").lower(),), (), True)
    return Analysis((_finnish_stem(lower),), (), False)


def _finnish_stem(lower: str) -> str:
    """Stem of a word no dictionary knows: Snowball, without case residue consonants
    ("interregin" -> "interreg", "horizonin" -> "horizon")."""
    stemmed = stem(lower, "fi")
    return stemmed if len(stemmed) >= 2 else lower


@lru_cache(maxsize=65_536)
def _sv_known(word: str) -> bool:
    return len(word) >= _SV_MIN_PART and simplemma.is_known(word, lang="sv")


def swedish_dictionary_knows(word: str) -> bool:
    """Whether the Swedish lemma dictionary holds ``word`` (no compound splitting)."""
    return bool(simplemma.is_known(word, lang="sv"))


def _sv_lemma(word: str) -> str:
    return str(simplemma.lemmatize(word, lang="sv")).lower()


def _sv_head_lemma(head: str) -> str:
    """A compound head's base form: itself when it is one ("test" in "vintertest", which the
    dictionary alone would read as the verb "testa"), else the dictionary's lemma."""
    return head if _sv_own_lemma(head) else _sv_lemma(head)


def _sv_own_lemma(text: str) -> bool:
    """True when ``text`` is a Swedish base form (not an inflected form): the dictionary says
    so, or its definite form leads back to it (the dictionary reads the nouns "test", "hamn"
    and "verk" as the verbs "testa", "hamna" and "verka", but "testet", "hamnen", "verket" as
    "test", "hamn", "verk")."""
    return _sv_known(text) and (_sv_lemma(text) == text or _sv_lemma(text + "en") == text
                                or _sv_lemma(text + "et") == text)


def _sv_modifier(text: str) -> str | None:
    """A Swedish compound's modifier as a base form: as is, without its linking s
    (skogs -> skog), or with a dropped final vowel restored (vät -> väte, gruv -> gruva)."""
    if text in _SV_PARTICLES:
        return None
    for candidate in (text, text[:-1] if text.endswith("s") else "", text + "e", text + "a", text + "o"):
        if len(candidate) >= _SV_MIN_PART and _sv_own_lemma(candidate):
            return candidate
    return None


def _sv_takes_linking_s(modifier: str) -> bool:
    """Modifiers that are joined with an s: derivations (-het, -ning, -skap, -tion ...) and
    compounds themselves (long words): "beredskaps|övning", "vindkrafts|park"."""
    return modifier.endswith(_SV_S_SUFFIXES) or len(modifier) >= 8


def _sv_split(word: str, min_head: int = _SV_MIN_PART) -> list[str]:
    """Elements of a Swedish compound (modifier, head lemma); [] if it is none. The longest
    head wins, except that a linking s goes to the modifier where Swedish puts one
    ("beredskaps|övning", not "beredskap|sövning"); a modifier may itself be a compound."""
    if len(word) < _SV_MIN_WORD:
        return []
    for cut in range(_SV_MIN_PART, len(word) - min_head + 1):
        head = word[cut:]
        if not _sv_known(head):
            continue
        if head.startswith("s") and len(head) > min_head and _sv_known(head[1:]):
            linked = _sv_modifier(word[:cut + 1])
            if linked and _sv_takes_linking_s(linked):
                return [linked, _sv_head_lemma(head[1:])]
        modifier = _sv_modifier(word[:cut])
        if modifier:
            return [modifier, _sv_head_lemma(head)]
        inner = _sv_split(word[:cut], min_head) if cut >= _SV_MIN_WORD else []
        if inner:
            return [*inner, _sv_head_lemma(head)]
    return []


def _swedish(word: str) -> Analysis:
    lower = word.lower()
    if "-" in lower.strip("-"):
        return _hyphenated(word.strip("-"), "sv")
    known = simplemma.is_known(lower, lang="sv") or simplemma.is_known(word, lang="sv")
    lemma = _sv_lemma(word) if known else lower
    # The dictionary knows many simple words that look like compounds ("samman", "verktyg"):
    # a known word is split only when long, in its base form, with a head of 4+ letters.
    if known:
        elements = _sv_split(lemma, 4) if len(lemma) >= _SV_MIN_KNOWN_SPLIT else []
    else:
        elements = _sv_split(lower)
    parts: list[str] = []
    if elements:
        parts = list(elements)
        if len(elements) > 2:  # inner runs: "vätgas" in "vätgasproduktion"
            parts += [elements[i] + elements[i + 1] for i in range(len(elements) - 1)]
        if not known:
            lemma = _sv_compound_lemma(lower, elements[-1])
    parts = [p for p in dict.fromkeys(parts) if p != lemma]
    name = word[:1].isupper() and not known
    lemmas = (lemma, *_sv_plain_noun_reading(lower, lemma)) if known else (lemma, *_sv_name_genitive(lower, name))
    return Analysis(lemmas, tuple(parts), known or bool(elements), name)


def _sv_name_genitive(lower: str, name: bool) -> tuple[str, ...]:
    """A second reading of a name the dictionary does not know, ending in the genitive "-s":
    the name itself ("Rovaniemis flygplats" -> ``rovaniemi``, "Övertorneås" -> ``övertorneå``).
    The word as written stays the first reading, since a name may end in "s" ("Vilnius")."""
    if name and lower.endswith("s") and not lower.endswith("ss") and len(lower) >= 5:
        return (lower[:-1],)
    return ()


# Plural and definite endings of Swedish nouns, longest first. "-ar" and "-er" also end verbs
# in the present tense ("spelar", "leder"), so after them the dictionary's verb reading stands.
_SV_NOUN_ENDINGS = ("arna", "erna", "orna", "ar", "er", "or", "en", "et", "na")
_SV_VERB_LIKE_ENDINGS = ("ar", "er")


def _sv_plain_noun_reading(lower: str, lemma: str) -> tuple[str, ...]:
    """A second reading of a known word: the noun left when a plural or definite ending is taken
    off, if that noun is a base form of its own. The dictionary sometimes prefers a rarer
    word: "järnvägar" (railways) -> "järnvägare" (a railwayman); the reading keeps "järnväg"
    findable and matchable. Not for a present-tense verb the dictionary recognises ("spelar"
    -> "spela", not the noun "spel"). Only the longest ending that leaves such a noun counts."""
    for ending in _SV_NOUN_ENDINGS:
        stem = lower[:-len(ending)]
        if lower.endswith(ending) and len(stem) >= _SV_MIN_PART and _sv_own_lemma(stem):
            if stem == lemma or (ending in _SV_VERB_LIKE_ENDINGS and lemma == stem + "a"):
                return ()
            return (stem,)
    return ()


def _sv_compound_lemma(lower: str, head_lemma: str) -> str:
    """The lemma of an unknown compound: the word with its head replaced by the head's lemma
    (``beredskapsövningen`` -> ``beredskapsövning``)."""
    for cut in range(_SV_MIN_PART, len(lower) - _SV_MIN_PART + 1):
        if _sv_known(lower[cut:]) and _sv_head_lemma(lower[cut:]) == head_lemma:
            return lower[:cut] + head_lemma
    return lower


def _en_known(word: str) -> bool:
    return bool(simplemma.is_known(word, lang="en"))


def _english(word: str) -> Analysis:
    # The spelling is made common before and after the lemma lookup: the dictionary itself
    # lemmatises some British forms to American ones ("kilometre" -> "kilometer").
    lower = common_spelling(word.lower(), _en_known)
    if _en_known(lower):
        lemma = str(simplemma.lemmatize(lower, lang="en")).lower()
        return Analysis((common_spelling(lemma, _en_known),), (), True)
    return Analysis((lower,), (), False, word[:1].isupper())


def preload(langs: tuple[str, ...] = LANGS) -> None:
    """Load the analysers' dictionaries now, in the calling thread (Voikko handles are per thread).

    simplemma reads a language's dictionary on its first lookup, 0.5-2 s of CPU (Swedish is
    the largest), and long-running roles would pay that on the first Swedish or English item
    after every (re)start, stalling the batch in hand; a role calls this before it joins its
    consumer group instead. Calling it again costs nothing (the dictionaries are cached
    process-wide)."""
    for lang in langs:
        if lang == "fi" and _voikko() is not None:
            continue
        simplemma.is_known("preload", lang=lang)


@word_cache(maxsize=300_000)
def analyse(word: str, lang: str) -> Analysis:
    """Analyse one word (no spaces) in ``lang`` (en, fi, sv; others are treated as English).

    Numbers and words without letters come back lower-cased and unanalysed.
    """
    if not any(c.isalpha() for c in word):
        return Analysis((word.lower(),), (), False)
    if lang == "fi":
        return _finnish(word)
    if lang == "sv":
        return _swedish(word)
    return _english(word)


_WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits; inner hyphens kept: "EU-rahoitus")."""
    return _WORD_RE.findall(text)
