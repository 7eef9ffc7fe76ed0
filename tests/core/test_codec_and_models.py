from __future__ import annotations

import dataclasses
import json

import pytest

from euradar.core.codec import dead_letter_payload, dumps_event, loads_event
from euradar.core.errors import InvalidItem
from euradar.core.models import Change, Event, content_hash
from tests.contract.sample_items import sample_items


def test_codec_round_trips_an_event():
    item = sample_items()[0].with_hash()
    event = Event("changed", item, [Change("deadline", "2026-09-17", "2026-10-01", "deadline moved")])
    back = loads_event(dumps_event(event))
    assert back.item == item and back.type == "changed" and back.changes == event.changes


@pytest.mark.parametrize("raw, reason", [
    (b"\xff\xfe", "UTF-8"),
    (b"{not json", "JSON"),
    (b"[1, 2]", "object"),
    (json.dumps({"schema": "euradar.event/2", "type": "new", "item": {}}).encode(), "schema"),
    (json.dumps({"schema": "euradar.event/1", "type": "deleted", "item": {}}).encode(), "type"),
    (json.dumps({"schema": "euradar.event/1", "type": "new", "item": {"id": "x"}}).encode(),
     "missing required"),
    (json.dumps({"schema": "euradar.event/1", "type": "new",
                 "item": {"id": "x", "kind": "blog", "source": "s", "url": "u", "title": "t"}}).encode(),
     "kind"),
])
def test_codec_refuses_poison_with_a_reason(raw, reason):
    with pytest.raises(InvalidItem) as exc:
        loads_event(raw)
    assert reason.lower() in str(exc.value).lower()


def test_codec_ignores_unknown_item_fields_from_newer_producers():
    data = json.loads(dumps_event(Event("new", sample_items()[1])))
    data["item"]["shiny_new_field"] = 1
    assert loads_event(json.dumps(data).encode()).item.id == "ft:SMP-COSME-2024-CLUSTER-01"


def test_content_hash_ignores_whitespace_and_bookkeeping():
    item = sample_items()[0]
    noisy = dataclasses.replace(item, text="  " + item.text.replace(" ", "\r\n  ") + "\n",
                                fetched_at="2030-01-01T00:00:00+00:00", version=7, themes=[])
    assert content_hash(noisy) == content_hash(item)
    moved = dataclasses.replace(item, deadlines=["2026-10-01"])
    assert content_hash(moved) != content_hash(item)


def test_item_next_deadline_prefers_the_upcoming_cut_off():
    from datetime import date

    item = dataclasses.replace(sample_items()[1], deadlines=["2026-01-10", "2026-06-20", "2026-11-20"])
    assert item.next_deadline(date(2026, 3, 1)) == "2026-06-20"
    assert item.next_deadline(date(2027, 1, 1)) == "2026-11-20"


def test_dead_letter_payload_keeps_the_original_and_the_reason():
    payload = json.loads(dead_letter_payload("tagger", "bad json", "k", b"{oops"))
    assert payload == {"stage": "tagger", "reason": "bad json", "key": "k", "source": None,
                       "original": "{oops"}
