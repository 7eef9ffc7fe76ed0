"""Per-token normalisation for English, Finnish and Swedish.

One normal form ("key") per word, shared by the tagger and the search indexes:

* English: Snowball stem of the lower-cased word ("testing" -> "test").
* Finnish: Snowball stem with trailing consonants stripped, because Snowball leaves the
  consonant-gradation and case residue ("testauksen" -> "testauks", "testaus" -> "testaus");
  stripping gives one key for both ("testau").
* Swedish: Snowball stem.

Finnish and Swedish compound freely ("rengastestauksen", "vintertestning"), so a term key may
also be found *inside* a word key; that test lives in ``euradar.nlp.matching``. For search,
``normalize_for_search`` splits compounds whose head is a known vocabulary key.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

from euradar.nlp.langid import detect_language
from euradar.nlp.taxonomy import load_taxonomy

SUPPORTED_LANGS = ("en", "fi", "sv")
_STEMMERS = {
    "en": snowballstemmer.stemmer("english"),
    "fi": snowballstemmer.stemmer("finnish"),
    "sv": snowballstemmer.stemmer("swedish"),
}
# A snowball stemmer keeps the word it works on in the object: two threads stemming at once
# (the tagger and the indexer threads of `euradar run`) corrupt each other's word (IndexError
# inside the stemmer, seen in bench/bench_memory.py). Misses of the cache below are serialised.
_STEM_LOCK = threading.Lock()
_FI_VOWELS = set("aeiouyäö")
MIN_KEY_LENGTH = 3
# Shortest key we trust to be a compound part inside a longer word (shorter ones cause
# false hits such as "kem" inside "akemia").
MIN_COMPOUND_PART = 5
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=200_000)
def word_key(word: str, lang: str) -> str:
    """Return the normal form of one word in ``lang`` (en/fi/sv); cached per string."""
    lower = word.lower()
    if not lower.isalpha():
        return lower
    if lang not in _STEMMERS:
        lang = "en"
    with _STEM_LOCK:
        stem: str = _STEMMERS[lang].stemWord(lower)
    if lang == "fi":
        trimmed = stem
        while len(trimmed) > MIN_KEY_LENGTH and trimmed[-1] not in _FI_VOWELS:
            trimmed = trimmed[:-1]
        stem = trimmed
    return stem


def key_matches(doc_key: str, term_key: str, lang: str) -> bool:
    """True when a word's key stands for the term-part key (inflection or compound part).

    English needs equal stems. Finnish and Swedish also accept the term key as a prefix
    (derivations, residue of inflection) or, for keys of 5+ characters, as a compound part
    inside the word ("testau" in "rengastestau"). Short keys must be equal, allowing one
    dropped final vowel ("kemi" ~ "kem" from "Kemissä").
    """
    if doc_key == term_key:
        return True
    if lang == "en":
        return False
    if len(term_key) < MIN_COMPOUND_PART:
        return len(term_key) > MIN_KEY_LENGTH and term_key[-1] in _FI_VOWELS and doc_key == term_key[:-1]
    position = doc_key.find(term_key)
    return position == 0 or position >= MIN_KEY_LENGTH


def split_compound(key: str, known_parts: frozenset[str]) -> list[str]:
    """Split a Finnish/Swedish key into [modifier, head] when its ending is a known part key."""
    for start in range(MIN_KEY_LENGTH, len(key) - MIN_COMPOUND_PART + 1):
        head = key[start:]
        if head in known_parts:
            return [key[:start], head]
    return [key]


@lru_cache(maxsize=1)
def _search_vocabulary() -> dict[str, frozenset[str]]:
    # Compound heads for splitting come from the taxonomy: its terms are the words people search.

    taxonomy = load_taxonomy()
    vocabulary: dict[str, set[str]] = {"fi": set(), "sv": set()}
    for lang in vocabulary:
        for term in taxonomy.all_terms(lang):
            for word in _WORD_RE.findall(term):
                key = word_key(word, lang)
                if len(key) >= MIN_COMPOUND_PART:
                    vocabulary[lang].add(key)
    return {lang: frozenset(keys) for lang, keys in vocabulary.items()}


@lru_cache(maxsize=200_000)
def _search_tokens(word: str, lang: str) -> tuple[str, ...]:
    key = word_key(word, lang)
    if lang in ("fi", "sv") and len(key) > MIN_COMPOUND_PART + MIN_KEY_LENGTH:
        parts = split_compound(key, _search_vocabulary()[lang])
        if len(parts) > 1:
            return (key, *parts)
    return (key,)


def normalize_for_search(text: str, lang: str | None) -> str:
    """Return space-separated normalised tokens of ``text`` for full-text indexing and queries.

    Use the same function on documents and on queries so that "testauksen" finds "testaus".
    Finnish and Swedish compounds whose head is a taxonomy word are indexed whole and split
    ("rengastestauksen" -> "rengastestau rengas testau"). ``lang`` None or unknown is detected.
    Deterministic: depends only on the text, the language and the taxonomy file.
    """
    if lang not in SUPPORTED_LANGS:
        detected = detect_language(text)
        lang = detected if detected in SUPPORTED_LANGS else "en"
    tokens: list[str] = []
    for word in _WORD_RE.findall(text):
        tokens.extend(_search_tokens(word, lang))
    return " ".join(tokens)


# -- The search contract --------------------------------------------------------------------
# Index backends and the keyword matcher speak to normalisation only through these two
# functions, so how a word is analysed (stemmer, lemmatiser, compound splitter) can change here
# without touching any query translator.


def index_tokens(text: str, lang: str | None) -> list[str]:
    """The tokens a document's text is indexed under, in text order (compound parts follow
    their compound). ``lang`` is the item's language; None or unknown is detected."""
    return normalize_for_search(text, lang).split()


def query_word_forms(word: str) -> tuple[str, ...]:
    """Every index token one query word may stand for, whatever the item's language: its
    normal form in each supported language. A query word matches an item holding any of them
    (an OR), so the user never has to say which language a word is in."""
    forms: list[str] = []
    for lang in SUPPORTED_LANGS:
        forms.extend(_search_tokens(word, lang)[:1])  # the whole word's key, not its parts
    return tuple(dict.fromkeys(forms))
