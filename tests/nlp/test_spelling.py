"""British and American spellings of an English word are one word to the tagger and to search
(nlp/spelling.py); words both varieties spell alike keep their own inflections."""

from __future__ import annotations

import pytest
import simplemma

from euradar.nlp import get_tagger
from euradar.nlp.matching import word_keys
from euradar.nlp.normalize import word_forms
from euradar.nlp.spelling import common_spelling

PAIRS = [
    ("decarbonisation", "decarbonization"), ("organised", "organized"), ("electrolysers", "electrolyzers"),
    ("analysing", "analyzing"), ("centre", "center"), ("centred", "centered"), ("fibre", "fiber"),
    ("labour", "labor"), ("behavioural", "behavioral"), ("neighbourhoods", "neighborhoods"),
    ("defence", "defense"), ("modelling", "modeling"), ("travelled", "traveled"), ("fuelled", "fueled"),
    ("programmes", "programs"), ("aluminium", "aluminum"), ("sulphur", "sulfur"), ("kilometre", "kilometer"),
    ("theatres", "theaters"), ("archaeological", "archeological"), ("ageing", "aging"),
    ("enrolment", "enrollment"), ("catalogue", "catalog"),
]


@pytest.mark.parametrize("british, american", PAIRS)
def test_both_spellings_have_the_same_tagger_keys_and_search_forms(british, american):
    assert word_keys(british, "en") & word_keys(american, "en"), (british, american)
    assert word_forms(british, "en") == word_forms(american, "en"), (british, american)


@pytest.mark.parametrize("word", ["size", "prize", "seize", "citizen", "laboratory", "honorary",
                                  "rigorous", "exercise", "enterprise", "parameter", "later",
                                  "filling", "installing", "compiling", "feeling"])
def test_words_both_varieties_share_are_left_as_they_are(word):
    assert common_spelling(word, lambda w: bool(simplemma.is_known(w, lang="en"))) == word


@pytest.mark.parametrize("inflected, base", [("compiling", "compile"), ("sizes", "size"),
                                             ("installing", "install"), ("centers", "center")])
def test_inflections_still_reach_their_base_form(inflected, base):
    assert word_keys(inflected, "en") & word_keys(base, "en")
    assert word_forms(inflected, "en") == word_forms(base, "en")


def test_a_single_syllable_double_l_is_not_undone():
    assert word_keys("filling", "en").isdisjoint(word_keys("filing", "en"))


@pytest.mark.parametrize("american, british", [
    ("A new winter test center opens next to the proving grounds for automated vehicles.",
     "A new winter test centre opens next to the proving grounds for automated vehicles."),
    ("Revitalizing villages through cultural centers, theaters and neighborhood design.",
     "Revitalising villages through cultural centres, theatres and neighbourhood design."),
    ("The call funds wood fiber products and the utilization of sawmill side streams.",
     "The call funds wood fibre products and the utilisation of sawmill side streams."),
])
def test_the_tagger_scores_american_text_as_it_scores_british(american, british):
    tagger = get_tagger()
    us = tagger.analyse({"id": "us", "title": "", "text": american, "lang": "en"})
    uk = tagger.analyse({"id": "uk", "title": "", "text": british, "lang": "en"})
    assert us["all_scores"] == uk["all_scores"]
    assert [t["id"] for t in us["themes"]] == [t["id"] for t in uk["themes"]] != []
