"""The query language as a grammar: the tree it parses to, the errors it gives, and the tree
helpers the backends and the zero-hit help rely on. Pure: no index, no NLP."""

from __future__ import annotations

import pytest

from euradar.core.query_syntax import (
    MAX_TERMS,
    And,
    Field,
    Not,
    Or,
    Phrase,
    Prefix,
    QuerySyntaxError,
    Word,
    parse_query,
)
from euradar.core.query_tree import evaluate, has_text, positive_leaves, to_text, without_leaf


def _shape(node) -> object:
    """The tree without positions and sources, to compare structure."""
    if isinstance(node, And):
        return ("AND", *(_shape(a) for a in node.args))
    if isinstance(node, Or):
        return ("OR", *(_shape(a) for a in node.args))
    if isinstance(node, Not):
        return ("NOT", _shape(node.arg))
    if isinstance(node, Word):
        return node.word
    if isinstance(node, Phrase):
        return ("PHRASE", *node.words)
    if isinstance(node, Prefix):
        return ("PREFIX", node.prefix)
    assert isinstance(node, Field)
    return f"{node.name}={node.value}"


@pytest.mark.parametrize("text, shape", [
    ("", None),
    ("  ,;  ", None),  # punctuation only: empty, matches everything
    ("hydrogen", "hydrogen"),
    ("hydrogen vety", ("AND", "hydrogen", "vety")),
    ("a OR b c", ("OR", "a", ("AND", "b", "c"))),  # OR binds loosest
    ("NOT a b", ("AND", ("NOT", "a"), "b")),  # NOT binds tightest
    ("-offshore wind", ("AND", ("NOT", "offshore"), "wind")),
    ("(solar OR wind) grids", ("AND", ("OR", "solar", "wind"), "grids")),
    ("a AND (b AND c)", ("AND", "a", "b", "c")),  # flattened
    ('"wind power"', ("PHRASE", "wind", "power")),
    ("e-mobility", ("PHRASE", "e", "mobility")),  # a bare token of several words
    ("Kierto*", ("PREFIX", "kierto")),
    ("theme:T3 Programme:horizon", ("AND", "theme=t3", "programme=horizon")),
    ("type:call language:FI", ("AND", "kind=call", "lang=fi")),  # aliases
    ('programme:"Interreg Aurora"', "programme=interreg aurora"),
    ("ft:HORIZON-CL6", ("PHRASE", "ft", "HORIZON", "CL6")),  # not a field: text
    ("wind and power or solar", ("AND", "wind", "and", "power", "or", "solar")),  # lower case
])
def test_parse_tree(text, shape):
    node = parse_query(text)
    assert (None if node is None else _shape(node)) == shape


@pytest.mark.parametrize("text, message, position", [
    ("(hydrogen", "never closed", 0),
    ("hydrogen OR", "", 9),
    ("a ) b", "no matching (", 2),
    ('"unbalanced', "", 0),
    ("v*", "at least 2", 0),
    ("ve*t", "may only end a word", 2),
    ("programm:HORIZON", "did you mean programme:", 0),
    ("status:maybe", "must be one of forthcoming, open, closed", 0),
    ("theme:green", "theme id like T3", 0),
    ("kind:", "needs a value", 0),
])
def test_errors_name_the_problem_and_where(text, message, position):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert message in info.value.message
    assert info.value.position == position
    assert info.value.caret().splitlines()[1] == " " * position + "^"


def test_too_many_terms_is_an_error_not_a_slow_query():
    with pytest.raises(QuerySyntaxError, match="too many terms"):
        parse_query(" OR ".join(f"w{i}" for i in range(MAX_TERMS + 1)))
    assert parse_query(" OR ".join(f"w{i}" for i in range(MAX_TERMS))) is not None


def test_positive_leaves_skip_negated_ones_and_double_negation_counts():
    node = parse_query("a OR (b NOT c) NOT (NOT d)")
    assert [leaf.source for leaf in positive_leaves(node)] == ["a", "b", "d"]
    assert has_text(parse_query("hydrogen theme:T3"))
    assert not has_text(parse_query("theme:T3 status:open"))
    assert not has_text(parse_query("theme:T3 NOT hydrogen"))  # nothing to score by


@pytest.mark.parametrize("text, present, expected", [
    ("a b", {"a", "b"}, True),
    ("a b", {"a"}, False),
    ("a OR b", {"b"}, True),
    ("a NOT b", {"a", "b"}, False),
    ("NOT a", set(), True),
    ("", set(), True),
])
def test_evaluate(text, present, expected):
    node = parse_query(text)
    assert evaluate(node, lambda leaf: leaf.source in present) is expected


def test_to_text_writes_back_a_query_that_parses_to_the_same_tree():
    for text in ("a OR b c", "(a OR b) c", "NOT (a OR b) theme:T3", '"wind power" -offshore',
                 "kierto* OR programme:HORIZON"):
        node = parse_query(text)
        assert _shape(parse_query(to_text(node))) == _shape(node), text


def test_without_leaf_drops_one_filter_and_keeps_the_rest():
    node = parse_query("hydrogen theme:T3 status:open")
    status = [leaf for leaf in positive_leaves(node) if leaf.source == "status:open"][0]
    assert to_text(without_leaf(node, status)) == "hydrogen theme:T3"
    only = parse_query("theme:T3")
    assert without_leaf(only, only) is None
    negated = parse_query("wind NOT offshore")
    offshore = negated.args[1].arg
    assert to_text(without_leaf(negated, offshore)) == "wind"
