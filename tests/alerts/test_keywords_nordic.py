"""Subscription keywords in Finnish and Swedish match items holding any form of the word,
whatever language the keyword is written in; English ones match either spelling, British or
American (our own test sentences)."""

from __future__ import annotations

import pytest

from euradar.alerts.matching import match
from euradar.core.subscriptions import Subscription
from tests.contract.sample_items import american_item, nordic_items, sample_items

FI, SV = nordic_items()


def sub(keywords: str) -> Subscription:
    return Subscription.from_dict({"id": "s", "email": "kehitys@rovaniemi.fi", "keywords": keywords})


@pytest.mark.parametrize("keywords, item, expected", [
    ("vety", FI, True),                       # the item says "Vedyn" and "Vetytalouden"
    ("vedyn", FI, True),
    ("vetytalous", FI, True),
    ("kiertotalous", FI, True),
    ("metsä", FI, True),
    ("Rovaniemi", FI, True),
    ("matkailu", FI, True),
    ('"vedyn tuotanto"', FI, True),           # a phrase, inflected as written
    ('"vety tuotanto"', FI, True),            # a phrase in base forms
    ('"tuotanto vety"', FI, False),           # word order counts in a phrase
    ('"vetytalous hanke"', FI, True),         # compound parts never break a phrase
    ("vety AND Rovaniemi", FI, True),
    ("vety NOT kaivos", FI, False),           # "kaivosteollisuuden" holds "kaivos"
    ("tuulivoima OR metsä", FI, True),
    ("vätgas", SV, True),                     # the item says "Vätgasen"
    ("Sverige", SV, True),
    ("beredskapsövning", SV, True),
    ("kommun", SV, True),
    ("vatgas", SV, True),                     # typed without "ä"
    ("Rovaniemella", FI, True),
    ("vety", SV, False),
    ("vätgas", FI, False),
])
def test_keyword_forms(keywords, item, expected):
    assert bool(match(sub(keywords), item)) is expected, keywords


def test_a_vety_subscription_matches_a_finnish_item_about_hydrogen_production_only():
    matched = [i.id for i in sample_items() + nordic_items() if match(sub("vety"), i)]
    assert matched == ["local:fi-vety"]


@pytest.mark.parametrize("keywords, expected", [
    ("decarbonisation", True),                # the item writes "decarbonization"
    ('"test centre"', True),                  # "test center", as a phrase
    ("defence AND fibre", True),
    ("decarbonization", True),
    ("hydrogen", False),
])
def test_keywords_in_british_spelling_match_an_american_item(keywords, expected):
    assert bool(match(sub(keywords), american_item())) is expected, keywords
