"""Tagger role (group ``tagger``): items.raw -> theme tags, flags and extracted facts ->
items.tagged. Publishes with the same key, flushes once per bus batch, and only then lets the
runner commit.

Any number of tagger processes may share the group: the bus spreads the topic's partitions
over them, and every version of one item is on the same partition (keyed by item id), so the
versions are tagged and republished in order.

Memory: spaCy keeps every new word it meets in its vocabulary, so a tagger running for months
on ever-new texts (call ids, names, numbers) would grow without bound (measured: about 3 MB per
1,000 items with three new tokens each). Once the vocabulary holds ``vocab_cap`` words, each bus
batch is tagged inside a spaCy memory zone, which forgets the words it added once the batch's
documents are gone; what the tagger returns is plain data, so nothing outlives the zone.
Below the cap words are learnt for good: the sources' working vocabulary (about 20,000 words
for the recorded corpus in three languages) is met again in every batch, and relearning it per
batch (a new lexeme with its attributes, and no tokenizer cache) cost as much CPU as the tagging
itself (profile of the role: 12.7 of 66 s in ``Vocab._new_lexeme``). The cap bounds the growth
to about 2 KB per word (some 100 MB at the default).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from euradar.core import metrics
from euradar.core.codec import dumps_event
from euradar.core.models import Event, Item
from euradar.core.ports import Bus, Message
from euradar.core.schema import TRUNCATED_FLAG, cap_for_tagging
from euradar.core.topics import ITEMS_TAGGED
from euradar.nlp import get_tagger

GROUP = "tagger"
VOCAB_CAP = 50_000  # words spaCy keeps for good; beyond it each batch forgets what it added


def _merge(a: list[str], b: list[str]) -> list[str]:
    return list(dict.fromkeys([*a, *b]))


def enrich(item: Item, analysis: dict[str, Any]) -> Item:
    """Pure: the item with the tagger's findings; source facts win over extracted ones."""
    return dataclasses.replace(
        item,
        lang=item.lang or analysis.get("lang"),
        themes=analysis.get("themes", []),
        flags=analysis.get("flags", []),
        call_ids=_merge(item.call_ids, analysis.get("call_ids", [])),
        eligibility=_merge(item.eligibility, analysis.get("eligibility", [])),
        geography=_merge(item.geography, analysis.get("geography", [])),
    )


class TaggerHandler:
    def __init__(self, bus: Bus, tagger: Any | None = None, *, vocab_cap: int = VOCAB_CAP):
        if tagger is None:
            tagger = get_tagger()
        self.bus = bus
        self.tagger = tagger
        self.vocab_cap = vocab_cap

    def __call__(self, events: Sequence[tuple[Message, Event]]) -> None:
        # Tagged events are published together once the batch is tagged: handed to the producer
        # one by one, each went in a produce request of its own (tagging an item takes longer
        # than the producer's linger), which cost the tagger and the broker CPU per item.
        out: list[tuple[str, bytes]] = []
        with memory_zone(self.tagger, self.vocab_cap):
            for msg, event in events:
                item = event.item
                text, truncated = cap_for_tagging(item.text)
                analysis = self.tagger.analyse(
                    {"id": item.id, "title": item.title, "text": text, "lang": item.lang})
                if truncated:  # tagged on the first TAG_TEXT_CHARS; the index keeps the whole text
                    analysis["flags"] = [*analysis.get("flags", []), TRUNCATED_FLAG]
                    metrics.TEXT_TRUNCATED.inc()
                tagged = Event(type=event.type, item=enrich(item, analysis), changes=event.changes)
                out.append((msg.key, dumps_event(tagged)))
        for key, payload in out:
            self.bus.publish(ITEMS_TAGGED, key, payload)
        self.bus.flush()


def memory_zone(tagger: Any, vocab_cap: int) -> AbstractContextManager[Any]:
    """spaCy's ``Language.memory_zone()`` (3.8+) of the tagger's pipeline once its vocabulary
    holds ``vocab_cap`` words; a no-op below the cap, or for a tagger without one (a test
    double, an older spaCy)."""
    nlp: Any = getattr(tagger, "nlp", None)
    zone = getattr(nlp, "memory_zone", None)
    if not callable(zone) or len(nlp.vocab) < vocab_cap:
        return nullcontext()
    cm: AbstractContextManager[Any] = zone()
    return cm
