"""The item-event schema at the bus boundary: every malformed kind is refused with a reason
that names the field, on the way out (dumps_event) and on the way in (loads_event)."""

from __future__ import annotations

import json

import pytest

from euradar.core.codec import dumps_event, loads_event
from euradar.core.errors import InvalidItem
from euradar.core.models import Event, Item
from euradar.core.schema import MAX_TEXT_CHARS, TAG_TEXT_CHARS, cap_for_tagging


def good_item(**changes) -> dict:
    item = Item(id="ft:X-1", kind="call", source="test", url="https://e.test/1",
                title="Hydrogen valley", text="Renewable hydrogen.", deadlines=["2026-05-01"],
                call_ids=["X-1"], budget=1e6, themes=[{"id": "T3", "score": 0.9, "evidence": []}])
    return {**item.to_dict(), **changes}


def raw_event(item: dict, **top) -> bytes:
    event = {"schema": "euradar.event/1", "type": "new", "item": item, "changes": [], **top}
    return json.dumps(event).encode("utf-8")


# (what is wrong, the event bytes, the field the reason must name)
MALFORMED = [
    ("number as title", raw_event(good_item(title=42)), "title"),
    ("null title", raw_event(good_item(title=None)), "title"),
    ("list as text", raw_event(good_item(text=["a", "b"])), "text"),
    ("null text", raw_event(good_item(text=None)), "text"),
    ("number as call_ids", raw_event(good_item(call_ids=7)), "call_ids"),
    ("number inside call_ids", raw_event(good_item(call_ids=["A", 7])), "call_ids"),
    ("string as budget", raw_event(good_item(budget="lots")), "budget"),
    ("bool as version", raw_event(good_item(version=True)), "version"),
    ("lone surrogate in title", raw_event(good_item(title="Hydro\ud800gen")), "title"),
    ("lone surrogate in extra", raw_event(good_item(extra={"k": "\udfff"})), "extra.k"),
    ("huge text", raw_event(good_item(text="x" * (MAX_TEXT_CHARS + 1))), "text"),
    ("deadline not a date", raw_event(good_item(deadlines=["soon"])), "deadlines"),
    ("themes without ids", raw_event(good_item(themes=[{"score": 1}])), "themes"),
    ("unknown schema", raw_event(good_item(), schema="euradar.event/2"), "schema"),
    ("unknown type", raw_event(good_item(), type="deleted"), "type"),
    ("item is a list", raw_event([1, 2]), "item"),
    ("changes not a list", raw_event(good_item(), changes={"a": 1}), "changes"),
    ("not JSON", b"\x00\x01 not json", None),
    ("invalid UTF-8", b'{"schema": "\xff"}', None),
    ("JSON array", b"[1, 2, 3]", None),
]


@pytest.mark.parametrize("what,raw,field", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_events_are_refused_with_the_field(what, raw, field):
    with pytest.raises(InvalidItem) as caught:
        loads_event(raw)
    assert str(caught.value)
    if field:
        assert caught.value.field == field, str(caught.value)


def test_good_event_round_trips_and_unknown_keys_pass():
    event = loads_event(raw_event(good_item(newer_field={"x": 1})))
    assert event.item.title == "Hydrogen valley" and event.item.budget == 1e6
    assert loads_event(dumps_event(event)).item == event.item


def test_producer_refuses_a_malformed_item_before_the_bus():
    item = Item(**{**good_item(), "title": "ok"})
    item.call_ids = ["A", 5]  # type: ignore[list-item]  # a parser bug
    with pytest.raises(InvalidItem, match="call_ids"):
        dumps_event(Event("new", item))


def test_item_from_dict_checks_types():
    with pytest.raises(InvalidItem, match="text"):
        Item.from_dict(good_item(text=12))


def test_cap_for_tagging_cuts_at_a_space_and_says_so():
    text = ("word " * (TAG_TEXT_CHARS // 5 + 100)).strip()
    capped, truncated = cap_for_tagging(text)
    assert truncated and len(capped) <= TAG_TEXT_CHARS and not capped.endswith(" ")
    assert capped.split()[-1] == "word"
    assert cap_for_tagging("short") == ("short", False)
