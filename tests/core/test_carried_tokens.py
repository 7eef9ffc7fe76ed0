"""The index tokens the tagger carries in the tagged event (schema 1.1, ``search``): the
indexer and the alerter use them instead of analysing the item again, only when they come
from a normaliser like theirs and only for the exact texts they were made from; an event
without them (schema 1.0) means the same."""

from __future__ import annotations

import dataclasses
import json

import pytest

from euradar.consumers.alerter import AlerterHandler
from euradar.consumers.carried_tokens import remember_carried, tokens_for
from euradar.consumers.indexer import IndexerHandler
from euradar.consumers.tagger import TaggerHandler
from euradar.core.codec import SCHEMA, dumps_event, loads_event
from euradar.core.errors import InvalidItem
from euradar.core.models import Event, Item, SearchTokens
from euradar.core.ports import Message, Query
from euradar.core.schema import MAX_EVENT_BYTES
from euradar.core.subscriptions import Subscription
from euradar.core.topics import ITEMS_TAGGED
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.index.analysis import analyse
from euradar.infra.index.embedded import EmbeddedIndex
from euradar.infra.store.sqlite import SqliteStore
from euradar.nlp import get_tagger, normalize
from euradar.nlp.normalize import analysis_fingerprint, index_tokens


@pytest.fixture(autouse=True)
def _forget():
    normalize.forget_index_tokens()
    yield
    normalize.forget_index_tokens()


def finnish_item(n: int = 1) -> Item:
    return Item(id=f"t:{n}", kind="call", source="test", url=f"https://e.test/{n}",
                title="Vetytalouden kehittäminen Lapissa",
                text=f"Kestävän vetytalouden kehittäminen ja kiertotalouden ratkaisut, osa {n}.",
                lang="fi", call_ids=["LAP-2026-01"], first_seen="2026-05-01T08:00:00+00:00")


def marked(item: Item, analysis: str) -> Event:
    """An event whose carried tokens hold a word the text does not: visible when used."""
    real = tokens_for(item)
    return Event("new", item, search=SearchTokens(analysis, real.title,
                                                  (*real.body, "carriedmarker")))


def test_carried_tokens_are_what_the_consumers_would_compute():
    item = finnish_item()
    carried = tokens_for(item)
    assert carried.analysis == analysis_fingerprint()
    assert "vetytalous" in carried.title and "vety" in carried.body
    doc = analyse(item)
    remember_carried([Event("new", item, search=carried)])
    assert analyse(item) == doc


def test_event_round_trips_its_tokens_and_a_1_0_event_decodes_without():
    item = finnish_item()
    event = Event("new", item, search=tokens_for(item))
    raw = dumps_event(event)
    assert json.loads(raw)["schema"] == SCHEMA == "euradar.event/1.1"
    back = loads_event(raw)
    assert back.search == event.search and back.item == item
    old = json.loads(raw)
    old["schema"] = "euradar.event/1"
    del old["search"]
    assert loads_event(json.dumps(old).encode()).search is None


def test_the_tagger_publishes_the_tokens_of_the_enriched_item():
    bus = MemoryBus()
    item = finnish_item()
    TaggerHandler(bus, get_tagger())([(Message("euradar.items.raw", item.id, b"", 1),
                                       Event("new", item))])
    [msg] = bus.read_topic(ITEMS_TAGGED, 10)
    tagged = loads_event(msg.value)
    assert tagged.search is not None
    assert tagged.search == tokens_for(tagged.item)
    assert list(tagged.search.body) == index_tokens(
        " ".join([tagged.item.text, " ".join(tagged.item.call_ids), tagged.item.programme or ""]),
        "fi")


def test_the_tagger_carries_none_for_a_text_it_cut():
    bus = MemoryBus()
    item = dataclasses.replace(finnish_item(), text="vety " * 7000)  # past TAG_TEXT_CHARS
    TaggerHandler(bus, get_tagger())([(Message("euradar.items.raw", item.id, b"", 1),
                                       Event("new", item))])
    [msg] = bus.read_topic(ITEMS_TAGGED, 10)
    assert loads_event(msg.value).search is None


def test_the_tagger_leaves_the_tokens_out_when_only_they_break_the_size_limit():
    bus = MemoryBus()
    words = " ".join(f"sana{n}" for n in range(2500))  # ~20,000 characters, tagged whole
    item = dataclasses.replace(finnish_item(), text=words,
                               extra={f"blob{k}": "x" * ((MAX_EVENT_BYTES - 2 * len(words)) // 3)
                                      for k in range(3)})
    assert len(dumps_event(Event("new", item))) < MAX_EVENT_BYTES
    with pytest.raises(InvalidItem, match="bytes"):
        dumps_event(Event("new", item, search=tokens_for(item)))
    TaggerHandler(bus, get_tagger())([(Message("euradar.items.raw", item.id, b"", 1),
                                       Event("new", item))])
    [msg] = bus.read_topic(ITEMS_TAGGED, 10)
    tagged = loads_event(msg.value)
    assert tagged.search is None and tagged.item.text == words


def test_the_indexer_uses_carried_tokens_only_from_the_same_normaliser():
    index = EmbeddedIndex("memory://")
    same, other = finnish_item(1), finnish_item(2)
    IndexerHandler(index, MemoryBus())([
        (Message(ITEMS_TAGGED, same.id, b"", 1), marked(same, analysis_fingerprint())),
        (Message(ITEMS_TAGGED, other.id, b"", 2), marked(other, "an-older-normaliser")),
    ])
    found = index.search(Query(text="carriedmarker"))
    assert [h.item.id for h in found.hits] == [same.id]
    assert index.search(Query(text="vety")).total == 2


def test_carried_tokens_apply_to_the_exact_text_only():
    item = finnish_item()
    remember_carried([marked(item, analysis_fingerprint())])
    edited = dataclasses.replace(item, text=item.text + " Uusi lause.")
    assert "carriedmarker" not in analyse(edited).body
    assert "carriedmarker" in analyse(item).body


def test_the_alerter_matches_keywords_on_carried_tokens(tmp_path):
    store = SqliteStore(f"sqlite:///{tmp_path}/store.db")
    store.save_subscription(Subscription.from_dict({"id": "kw", "email": "kw@e.test",
                                                    "keywords": "carriedmarker"}))
    sent = []

    class Outbox:
        def send(self, notification):
            sent.append(notification)

    handler = AlerterHandler(store, Outbox())
    older, same = finnish_item(1), finnish_item(2)
    handler([(Message(ITEMS_TAGGED, older.id, b"", 1), marked(older, "an-older-normaliser"))])
    assert sent == []
    handler([(Message(ITEMS_TAGGED, same.id, b"", 2), marked(same, analysis_fingerprint()))])
    assert len(sent) == 1 and "t:2" in str(vars(sent[0]))


def test_remembered_texts_are_bounded():
    for n in range(normalize.KNOWN_TEXTS_MAX + 50):
        normalize.remember_index_tokens(f"text {n}", "en", ["x"])
    assert len(normalize._KNOWN) == normalize.KNOWN_TEXTS_MAX
    assert index_tokens("text 0", "en") == ["text", "0"]  # the oldest was forgotten
    assert index_tokens(f"text {normalize.KNOWN_TEXTS_MAX + 49}", "en") == ["x"]
