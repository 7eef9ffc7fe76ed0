from __future__ import annotations

import dataclasses

import pytest

from euradar.alerts.matching import keyword_hits, match
from euradar.alerts.query_match import matched_terms, matches
from euradar.core.errors import ConfigError
from euradar.core.models import Item
from euradar.core.query_syntax import parse_query
from euradar.core.search_doc import search_doc
from euradar.core.subscriptions import Subscription
from euradar.nlp.normalize import index_tokens
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
    doc = search_doc(Item(id="x", kind="news", source="s", url="u", title=words, lang="en"),
                     index_tokens)
    assert matches(parse_query(expr), doc) is expected


@pytest.mark.parametrize("bad, where", [("(hydrogen", "character 1"), ("hydrogen OR", "character 10"),
                                        ("AND wind", "character 1"), ("a ) b", "character 3"),
                                        ("programm:HORIZON", "did you mean programme:")])
def test_bad_keyword_expressions_are_refused_with_a_reason(bad, where):
    with pytest.raises(ConfigError, match="keywords") as info:
        sub(keywords=bad)
    assert where in str(info.value)


def test_keywords_speak_the_search_language():
    circ, cluster, news = sample_items()[:3]
    assert match(sub(keywords="recycl* theme:T1"), circ)
    assert not match(sub(keywords="recycl* theme:T3"), circ)
    assert match(sub(keywords="status:closed cluster"), cluster)
    assert match(sub(keywords='"wind power" -offshore OR valleys'), news)
    assert match(sub(keywords="HORIZON-CL6-2026-01"), circ)  # a call id is a phrase


def test_keyword_hits_say_which_terms_matched_as_written():
    news = sample_items()[2]
    assert keyword_hits(sub(keywords='Hydrogen OR solar OR "wind power"'), news) == [
        "Hydrogen", '"wind power"']
    assert keyword_hits(sub(keywords="hydrogen NOT offshore"), news) == []  # no match at all
    assert keyword_hits(sub(keywords="hydrogen NOT solar"), news) == ["hydrogen"]
    assert keyword_hits(sub(keywords=""), news) == []
    doc = search_doc(news, index_tokens)
    assert matched_terms(parse_query("NOT solar"), doc) == []  # negated terms never count


def test_a_stored_profile_that_no_longer_parses_matches_nothing(caplog):
    stored = dataclasses.replace(sub(keywords="hydrogen"), keywords="(hydrogen")
    assert match(stored, sample_items()[2]) == []
    assert "do not parse" in caplog.text


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
