"""Search normalisation: the tokens an item is indexed under and the forms a query word stands for.

The search indexes (embedded SQLite + Tantivy, Elasticsearch) and the subscription keyword
matcher speak to language only through the two functions at the end of this module,
:func:`index_tokens` and :func:`query_word_forms`; how a word is analysed can change here
without touching them.

Per language (see :mod:`euradar.nlp.morphology`):

* Finnish: Voikko base forms and compound parts: "vedyn" -> ``vety``; "vetytalouden" ->
  ``vetytalous`` (+ ``vety``, ``talous``); "Rovaniemellä" -> ``rovaniemi``;
* Swedish: simplemma lemmas and compound parts: "vätgasen" -> ``vätgas``; "Sveriges" ->
  ``sverige``; "beredskapsövningen" -> ``beredskapsövning`` (+ ``beredskap``, ``övning``);
* English: Snowball stems, which suit search ("recycled" and "recycling" -> ``recycl``);
* any other language: the lower-cased word.

A query word is not assigned a language (one word is too little to guess from, and guessing
wrong found nothing): :func:`query_word_forms` gives its forms in every language, and an item
matches when it holds any of them. A word typed without Finnish and Swedish letters that no
language knows as typed also stands for its spellings with them that a dictionary knows
("Sodankyla" -> "sodankylä"; :func:`nordic_spellings`).
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

from euradar.nlp.langid import detect_language
from euradar.nlp.morphology import analyse, stem, swedish_dictionary_knows
from euradar.nlp.wordcache import word_cache

SUPPORTED_LANGS = ("en", "fi", "sv")
# A word for search: a run of letters and digits. Hyphens split ("EU-rahoitus" -> "EU",
# "rahoitus"), as a search tokenizer would split them anyway.
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


@word_cache(maxsize=300_000)
def word_forms(word: str, lang: str) -> tuple[str, ...]:
    """Index forms of one word (no punctuation) in ``lang``: the main form first, then other
    readings of the word and its compound parts. Deterministic; cached per (word, lang)."""
    lower = word.lower()
    if not lower.isalpha():
        return (lower,)
    if lang == "en":
        return (stem(lower, "en"),)
    if lang not in ("fi", "sv"):
        return (lower,)
    analysis = analyse(word, lang)
    return tuple(dict.fromkeys((*analysis.lemmas, *analysis.parts)))


def _resolve_lang(text: str, lang: str | None) -> str:
    if lang:
        return lang
    detected = detect_language(text)
    return detected if detected in SUPPORTED_LANGS else "en"


def normalize_for_search(text: str, lang: str | None) -> str:
    """``index_tokens`` joined with spaces (for callers that store one string)."""
    return " ".join(index_tokens(text, lang))


# -- The search contract --------------------------------------------------------------------
# Index backends and the keyword matcher speak to normalisation only through these two
# functions, so how a word is analysed (stemmer, lemmatiser, compound splitter) can change here
# without touching any query translator.


def index_tokens(text: str, lang: str | None) -> list[str]:
    """The tokens a document's text is indexed under.

    ``lang`` is the item's language (en, fi, sv; another code indexes lower-cased words; None
    detects among en/fi/sv). Words are runs of letters and digits.

    Positions, for phrase matching: the list starts with exactly one token per word, the
    word's main form, in text order (token ``i`` is word ``i``); after them come the other
    forms (other readings of ambiguous words, compound parts and sub-compounds), word by word
    in text order, so compound parts come after their compound. A phrase is therefore matched
    on consecutive main forms and the extra forms never come between two words: "kestävän
    vetytalouden kehittäminen" -> ``kestävä vetytalous kehittäminen vety talous``, and the
    phrase "vetytalous kehittäminen" finds it while the single word "vety" does too.
    Deterministic: depends only on the text, the language and the installed dictionaries.
    """
    language = _resolve_lang(text, lang)
    main: list[str] = []
    extra: list[str] = []
    for word in _WORD_RE.findall(text):
        forms = word_forms(word, language)
        main.append(forms[0])
        extra.extend(forms[1:])
    return main + extra


@lru_cache(maxsize=65_536)
def query_word_forms(word: str) -> tuple[str, ...]:
    """Every index token one query word may stand for, whatever the item's language; a query
    word matches an item holding any of them (an OR).

    The forms are the word's base form(s) in Finnish and Swedish, its English stem, and the
    word itself lower-cased: "vedyn" -> ``vety``; "vätgasen" -> ``vätgas``; "Rovaniemellä" ->
    ``rovaniemi``; "kiertotalous" -> ``kiertotalous``, which also finds "kiertotalouden" and,
    as a compound part, "kiertotalousratkaisuja". A word that is itself a Finnish base form
    stands for that base form only ("vety" is not also the verb "vettyä"); so does a Swedish
    one, while an inflected Swedish word stands for each of its readings ("järnvägar" ->
    ``järnvägare``, ``järnväg``). Compound parts of the query word are not forms of it:
    "vetytalous" does not find every text about "talous".
    ``word`` is one run of letters and digits (split query text as :func:`index_tokens` splits
    documents); a word with inner punctuation stands for its last piece ("EU-rahoitus" ->
    "rahoitus").
    """
    pieces = _WORD_RE.findall(word)
    if not pieces:
        return ()
    piece = pieces[-1]
    lower = piece.lower()
    forms = [lower]
    if lower.isalpha():
        forms.extend(_language_forms(piece))
        forms.append(stem(lower, "en"))
        for spelling in nordic_spellings(lower):
            forms.extend(_language_forms(spelling))
    return tuple(dict.fromkeys(forms))


def _language_forms(word: str) -> list[str]:
    lower = word.lower()
    finnish = analyse(word, "fi").lemmas
    swedish = analyse(word, "sv").lemmas
    return [*([lower] if lower in finnish else finnish), *([lower] if lower == swedish[0] else swedish)]


# A query typed on a keyboard without Finnish and Swedish letters ("Sodankyla", "Lulea",
# "raddningstjanst"): each "a" may stand for "ä" or "å" and each "o" for "ö".
_NORDIC_LETTERS = {"a": "äå", "o": "ö"}
_MAX_NORDIC_GUESSES = 6  # letters to vary: at most 3**6 spellings to look up


def nordic_spellings(lower: str) -> list[str]:
    """The spellings with Finnish and Swedish letters of a lower-case word typed without them
    that the Finnish analyser or the Swedish dictionary knows ("sodankyla" -> "sodankylä",
    "lulea" -> "luleå"), or else that split into two Swedish words ("beredskapsovning" ->
    "beredskapsövning"). Only for a word no language knows as typed and holding none of those
    letters, so "saa" (a Finnish verb) never also stands for "sää"."""
    if any(c in "äöå" for c in lower) or _known_anywhere(lower):
        return []
    where = [i for i, c in enumerate(lower) if c in _NORDIC_LETTERS]
    if not where or len(where) > _MAX_NORDIC_GUESSES:
        return []
    candidates = []
    for letters in itertools.product(*(lower[i] + _NORDIC_LETTERS[lower[i]] for i in where)):
        spelling = list(lower)
        for i, letter in zip(where, letters, strict=True):
            spelling[i] = letter
        if (candidate := "".join(spelling)) != lower:
            candidates.append(candidate)
    known = [c for c in candidates if analyse(c, "fi").known or swedish_dictionary_knows(c)]
    # A Swedish compound is in no dictionary ("beredskapsövning"): failing a known word, a
    # spelling the splitter reads as exactly two known words. Wrong letters split into more
    # and stranger pieces ("beredskåpsövning" -> "bereda", "skåp", "sövning").
    return known or [c for c in candidates if len(analyse(c, "sv").parts) == 2]


def _known_anywhere(lower: str) -> bool:
    return analyse(lower, "fi").known or swedish_dictionary_knows(lower) or analyse(lower, "en").known
