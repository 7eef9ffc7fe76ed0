"""A long-running tagger's memory is bounded: spaCy's vocabulary learns words for good up to a
cap, and beyond it does not grow with every new call id (each bus batch is tagged inside a
memory zone)."""

from __future__ import annotations

from euradar.consumers.tagger import TaggerHandler
from euradar.core.codec import loads_event
from euradar.core.models import Event, Item
from euradar.core.ports import Message
from euradar.core.topics import ITEMS_TAGGED
from euradar.infra.bus.memory import MemoryBus
from euradar.nlp import get_tagger


def _batch(start: int) -> list[tuple[Message, Event]]:
    out = []
    for n in range(start, start + 20):
        item = Item(id=f"mem:{n}", kind="call", source="test", url=f"https://x.test/{n}",
                    title=f"Hydrogen valleys in Arctic regions, call HORIZON-CL5-2026-D{n:06d}",
                    text=f"Renewable hydrogen pilots; reference Z{n * 7919:09d}Q and code k{n}x.",
                    lang="en")
        out.append((Message("euradar.items.raw", item.id, b"", n), Event(type="new", item=item)))
    return out


def test_below_the_cap_words_are_learnt_for_good():
    handler = TaggerHandler(MemoryBus(), get_tagger(), vocab_cap=10**9)
    handler(_batch(5000))
    lexemes = len(get_tagger().nlp.vocab)
    handler(_batch(6000))
    assert len(get_tagger().nlp.vocab) > lexemes  # the new ids stay: nothing is relearnt


def test_beyond_the_cap_tagging_new_words_leaves_the_vocabulary_as_it_was():
    bus = MemoryBus()
    handler = TaggerHandler(bus, get_tagger(), vocab_cap=1)
    handler(_batch(0))  # warm-up: whatever the pipeline adds once
    strings = len(get_tagger().nlp.vocab.strings)
    handler(_batch(1000))
    handler(_batch(2000))
    assert len(get_tagger().nlp.vocab.strings) == strings
    tagged = [loads_event(m.value) for m in bus.read_topic(ITEMS_TAGGED, 100)]
    assert len(tagged) == 60
    # the findings are plain data that outlive the zone: themes and extracted call ids
    last = tagged[-1].item
    assert last.theme_ids, last.themes
    assert any("HORIZON-CL5-2026" in c for c in last.call_ids), last.call_ids


def test_a_batch_is_published_together_once_it_is_tagged():
    """Handed to the producer as each item was tagged, every tagged event went to Kafka in a
    produce request of its own (tagging takes longer than the producer's linger)."""
    order: list[str] = []

    class RecordingBus(MemoryBus):
        def publish(self, topic: str, key: str, value: bytes) -> None:
            order.append("publish")
            super().publish(topic, key, value)

        def flush(self, timeout: float = 10.0) -> None:
            order.append("flush")

    class RecordingTagger:
        def __init__(self) -> None:
            self.inner = get_tagger()

        def analyse(self, record: dict) -> dict:
            order.append("tag")
            return self.inner.analyse(record)

    bus = RecordingBus()
    TaggerHandler(bus, RecordingTagger())(_batch(3000))
    assert order == ["tag"] * 20 + ["publish"] * 20 + ["flush"]
    assert [loads_event(m.value).item.id for m in bus.read_topic(ITEMS_TAGGED, 100)] == \
        [f"mem:{n}" for n in range(3000, 3020)]
