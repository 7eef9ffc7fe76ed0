"""One spelling for English words that British and American English write differently.

EU calls are written in British English ("decarbonisation", "centre", "defence", "modelling"),
and so are the taxonomy's terms; news sites, company pages and some tenders write American
("decarbonization", "center", "defense", "modeling"). Snowball stems the two apart
("decarbonis" / "decarbon", "centr" / "center") and the lemma dictionary does not join them
either, so without this step a search for "decarbonization" missed every EU call about
decarbonisation and the tagger missed "test center" and "wood fiber".

:func:`common_spelling` is applied to every English word before its lemma is looked up and
before it is stemmed, on both sides of every comparison (taxonomy term and text word, query
word and indexed word). It only has to give both spellings of a word the same result; it is a
key, never shown to anyone. Each rule is written so that it cannot touch a word that both
varieties spell alike in a way that would separate it from its own inflections:

* ``-ize``/``-yze`` families become ``-ise``/``-yse`` (needs three letters before the ``iz``,
  so "size", "prize" and "seize" stay as they are; "citizen" has no such ending);
* the ``-or``/``-our`` words are a closed list ("labor", "behavior", "neighbor" ...) followed
  by an inflectional or derivational ending ("laboratory" is not "labour" + "atory");
* ``-er``/``-re`` whole words ("center", "fiber", "theater", "meter"; "-s", "-ed", "-ing");
* single words ("defense", "aluminum", "sulfur", "program", "catalog", ...);
* the British doubled ``l`` ("modelling", "travelled", "labelled") becomes single when the
  word has another syllable before it and the single-``l`` word is in the dictionary, because
  the lemma dictionary reads "modelling" as "modell" but "modeling" as "model".
"""
from __future__ import annotations

import re
from collections.abc import Callable

_IZE_RE = re.compile(r"^([a-z]{3,})iz(e|es|ed|ing|er|ers|ation|ations|ational|able)$")
_YZE_RE = re.compile(r"^([a-z]+)yz(e|es|ed|ing|er|ers)$")
_OR_STEMS = ("labor", "harbor", "color", "behavior", "neighbor", "favor", "honor", "flavor", "vapor",
             "rumor", "humor", "endeavor", "savor", "vigor", "odor", "armor", "rigor", "tumor",
             "parlor", "fervor", "ardor", "clamor", "valor", "savior", "demeanor")
_OR_ENDINGS = frozenset({"", "s", "ed", "ing", "er", "ers", "al", "ally", "ful", "hood", "hoods", "ly",
                         "able", "ably", "ite", "ites", "less", "ism", "ist", "ists", "ings"})
_OR_RE = re.compile(rf"^({'|'.join(_OR_STEMS)})([a-z]*)$")
_ER_RE = re.compile(r"^(epi|data)?(cent|fib|theat|lit|kilomet|centimet|millimet|met|calib|somb|spect|lust|meag)"
                    r"er(s|ed|ing)?$")
_RE_ENDINGS = {"": "re", "s": "res", "ed": "red", "ing": "ring"}
_WORDS = {
    "defense": "defence", "defenses": "defences", "offense": "offence", "offenses": "offences",
    "license": "licence", "licenses": "licences", "aluminum": "aluminium", "sulfur": "sulphur",
    "sulfuric": "sulphuric", "sulfate": "sulphate", "sulfates": "sulphates", "sulfide": "sulphide",
    "sulfides": "sulphides", "program": "programme", "programs": "programmes", "catalog": "catalogue",
    "catalogs": "catalogues", "dialog": "dialogue", "dialogs": "dialogues", "analog": "analogue",
    "gray": "grey", "mold": "mould", "molds": "moulds", "aging": "ageing", "enroll": "enrol",
    "enrollment": "enrolment", "enrollments": "enrolments", "fulfill": "fulfil", "fulfills": "fulfils",
    "fulfillment": "fulfilment", "skillful": "skilful", "installment": "instalment",
    "installments": "instalments", "maneuver": "manoeuvre", "maneuvers": "manoeuvres",
    "jewelry": "jewellery", "plow": "plough", "plows": "ploughs", "esthetic": "aesthetic",
    "esthetics": "aesthetics", "anemia": "anaemia",
}
_PREFIXES = (("archeolog", "archaeolog"), ("paleo", "palaeo"), ("pediatric", "paediatric"))
_DOUBLE_L_RE = re.compile(r"^([a-z]*[aeiouy][a-z]*)([aeiou])ll(ing|ed|er|ers)$")


def common_spelling(lower: str, known: Callable[[str], bool]) -> str:
    """The spelling both varieties of an English word share here (see the module docstring).

    ``lower`` is a lower-case word; ``known`` says whether the lemma dictionary has a word
    (passed in, so this stays a pure function of its arguments)."""
    if lower in _WORDS:
        return _WORDS[lower]
    for american, british in _PREFIXES:
        if lower.startswith(american):
            return british + lower[len(american):]
    if match := _IZE_RE.match(lower):
        return f"{match[1]}is{match[2]}"
    if match := _YZE_RE.match(lower):
        return f"{match[1]}ys{match[2]}"
    if (match := _OR_RE.match(lower)) and match[2] in _OR_ENDINGS:
        return f"{match[1][:-2]}our{match[2]}"
    if match := _ER_RE.match(lower):
        return f"{match[1] or ''}{match[2]}{_RE_ENDINGS[match[3] or '']}"
    if (match := _DOUBLE_L_RE.match(lower)) and known(single := f"{match[1]}{match[2]}l{match[3]}"):
        return single
    return lower
