"""Tagger role (group ``tagger``): items.raw -> theme tags, flags and extracted facts ->
items.tagged. Publishes with the same key, flushes, and only then lets the runner commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from euradar.core import metrics
from euradar.core.codec import dumps_event
from euradar.core.models import Event, Item
from euradar.core.ports import Bus, Message
from euradar.core.schema import TRUNCATED_FLAG, cap_for_tagging
from euradar.core.topics import ITEMS_TAGGED
from euradar.nlp import get_tagger

GROUP = "tagger"


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
    def __init__(self, bus: Bus, tagger: Any | None = None):
        if tagger is None:
            tagger = get_tagger()
        self.bus = bus
        self.tagger = tagger

    def __call__(self, events: Sequence[tuple[Message, Event]]) -> None:
        for msg, event in events:
            item = event.item
            text, truncated = cap_for_tagging(item.text)
            analysis = self.tagger.analyse(
                {"id": item.id, "title": item.title, "text": text, "lang": item.lang})
            if truncated:  # tagged on the first TAG_TEXT_CHARS; the index keeps the whole text
                analysis["flags"] = [*analysis.get("flags", []), TRUNCATED_FLAG]
                metrics.TEXT_TRUNCATED.inc()
            tagged = Event(type=event.type, item=enrich(item, analysis), changes=event.changes)
            self.bus.publish(ITEMS_TAGGED, msg.key, dumps_event(tagged))
        self.bus.flush()
