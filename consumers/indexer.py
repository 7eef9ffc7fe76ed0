"""Indexer role (group ``indexer``): items.tagged -> index upsert (idempotent on item id)."""

from __future__ import annotations

from typing import Sequence

from euradar.models import Event, Item
from euradar.ports import Index, Message

GROUP = "indexer"


class IndexerHandler:
    def __init__(self, index: Index):
        self.index = index

    def __call__(self, events: Sequence[tuple[Message, Event]]) -> None:
        latest: dict[str, Item] = {}
        for _, event in events:  # per key in order: the last version in the batch wins
            current = latest.get(event.item.id)
            if current is None or event.item.version >= current.version:
                latest[event.item.id] = event.item
        self.index.upsert(list(latest.values()))  # IndexUnavailable -> runner retries
