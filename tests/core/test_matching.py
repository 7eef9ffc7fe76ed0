from __future__ import annotations

import dataclasses

import pytest

from euradar.alerts.matching import evaluate, match, parse_keywords
from euradar.core.errors import ConfigError
from euradar.core.subscriptions import Subscription
from tests.contract.sample_items import sample_items


def sub(**kw) -> Subscription:
    return Subscription.from_dict({"id": "s", "email": "eu@kemi.fi", **kw})


@pytest.mark.parametrize("expr, words, expected", [
    ("hydrogen", "renewable hydrogen valleys", True),
    ("hydrogen wind", "hydrogen valleys", False),
    ("hydrogen OR wind", "wind grids", True),
    ("hydrogen NOT offshore", "hydrogen and offshore wind", False),
    ('"wind power"', "wind power plants", True),
    ('"wind power"', "power of wind", False),
    ("(solar OR wind) AND grids", "wind grids", True),
    ("NOT mining", "data analytics", True),
])
def test_keyword_expressions(expr, words, expected):
    from euradar.nlp.normalize import normalize_for_search

    assert evaluate(parse_keywords(expr), normalize_for_search(words, "en").split()) is expected


@pytest.mark.parametrize("bad", ["(hydrogen", "hydrogen OR", "AND wind", "a ) b"])
def test_bad_keyword_expressions_are_refused_with_a_reason(bad):
    with pytest.raises(ConfigError, match="keywords"):
        sub(keywords=bad)


def test_match_gives_reasons_and_requires_every_criterion():
    circ, cluster, news = sample_items()[:3]
    assert match(sub(themes=["T1"]), circ) == ["themes T1"]
    assert match(sub(themes=["T1"]), cluster) == []
    assert match(sub(themes=["T3"], kinds=["call"]), news) == []
    assert match(sub(keywords="hydrogen OR recycling"), news) == ["keywords hydrogen OR recycling"]
    assert match(sub(eligibility=["local_authorities"]), circ) == ["eligible: local_authorities"]
    assert match(sub(min_budget=10_000_000), circ) == []


def test_match_finnish_inflections_in_keywords():
    fi = sample_items()[3]
    assert match(sub(keywords="testaus"), fi)
    assert match(sub(keywords="rengastestaus"), fi)


def test_subscription_validation_names_the_field():
    with pytest.raises(ConfigError, match="email"):
        sub(email="not-an-address")
    with pytest.raises(ConfigError, match="themes"):
        sub(themes=["Energy"])
    with pytest.raises(ConfigError, match="lang"):
        sub(lang="de")
    with pytest.raises(ConfigError, match="unknown field"):
        Subscription.from_dict({"email": "a@b.fi", "colour": "red"})
    assert dataclasses.asdict(sub(themes=["T2"]))["themes"] == ["T2"]
