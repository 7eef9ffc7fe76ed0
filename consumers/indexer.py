"""Indexer role (group ``indexer``): items.tagged -> index upsert (idempotent on item id)."""

from __future__ import annotations

from collections.abc import Sequence

from euradar.consumers.runner import dead_letter
from euradar.core.errors import RefusedItems
from euradar.core.models import Event, Item
from euradar.core.ports import Bus, Index, Message

GROUP = "indexer"


class IndexerHandler:
    def __init__(self, index: Index, bus: Bus):
        self.index = index
        self.bus = bus

    def __call__(self, events: Sequence[tuple[Message, Event]]) -> None:
        latest: dict[str, Item] = {}
        for _, event in events:  # per key in order: the last version in the batch wins
            current = latest.get(event.item.id)
            if current is None or event.item.version >= current.version:
                latest[event.item.id] = event.item
        try:
            self.index.upsert(list(latest.values()))  # IndexUnavailable -> runner retries
        except RefusedItems as exc:
            by_id = {msg.key: msg for msg, _ in events}
            for item_id, reason in exc.refused.items():
                if item_id in by_id:
                    dead_letter(self.bus, GROUP, f"index refused the item: {reason}", by_id[item_id])
