"""The single exit of every crawl route: normalized items in, bus events out.

For each item: compare its content hash with the last version in the store. Unchanged: nothing
is published (a re-crawl costs no events). New: a ``new`` event, version 1. Changed: a
``changed`` event with the next version and the list of what changed. Invalid records go to
the dead-letter topic with the reason, and the crawl goes on.

The crawl routes flush events to the bus in groups (``flush_every=CRAWL_FLUSH_EVERY``, and
:meth:`Publisher.flush` when the route ends, or on leaving ``with Publisher(...)``): a producer
flush per item made a Kafka crawl wait for one broker round trip per item (3,000 items: 61.8 s
on Kafka against 25.1 s on SQLite). The default, 1, flushes every event at once. Versions are
recorded in the store only after the flush that made their events durable, so a crash in
between republishes (at-least-once) and never records an event that was lost.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from types import TracebackType

from euradar.core import metrics
from euradar.core.changes import diff_items
from euradar.core.codec import dead_letter_payload, dumps_event
from euradar.core.errors import InvalidItem
from euradar.core.models import Event, Item, utcnow_iso
from euradar.core.ports import Bus, Store
from euradar.core.topics import DEAD_LETTER, ITEMS_RAW

log = logging.getLogger(__name__)


@dataclasses.dataclass
class PublishStats:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dead: int = 0

    @property
    def events(self) -> int:
        return self.new + self.changed


# Events per producer flush in a crawl: big enough that Kafka batches, small enough that a
# crash re-publishes little.
CRAWL_FLUSH_EVERY = 500


class Publisher:
    def __init__(self, bus: Bus, store: Store, flush_every: int = 1):
        self.bus = bus
        self.store = store
        self.flush_every = flush_every
        self.stats = PublishStats()
        self._seen_this_run: set[str] = set()
        self._unrecorded: list[Event] = []  # published, not yet flushed and recorded

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.flush()
        except Exception:
            if exc is None:
                raise
            log.exception("publisher: final flush failed while handling %r", exc)

    def flush(self) -> None:
        """Make every published event durable, then record those versions in the store."""
        if not self._unrecorded:
            return
        self.bus.flush()
        pending, self._unrecorded = self._unrecorded, []
        self.store.record_items([(event.item, event.changes) for event in pending])

    def publish(self, item: Item) -> Event | None:
        """Publish ``item`` if it is new or changed; returns the event or None."""
        item = item.with_hash()
        if item.id in self._seen_this_run:
            # Language copies or the same topic on two pages of one crawl: first one wins.
            self.stats.unchanged += 1
            return None
        self._seen_this_run.add(item.id)
        previous = self.store.last_item(item.id)
        now = utcnow_iso()
        if previous is not None and previous.content_hash == item.content_hash:
            self.stats.unchanged += 1
            return None
        if previous is None:
            item = dataclasses.replace(item, version=1, first_seen=now, fetched_at=now)
            event = Event(type="new", item=item)
        else:
            changes = diff_items(previous, item)
            item = dataclasses.replace(item, version=previous.version + 1,
                                       first_seen=previous.first_seen, fetched_at=now)
            event = Event(type="changed", item=item, changes=changes)
        # Publish before recording: if we crash in between, the next crawl publishes again
        # (at-least-once); consumers are idempotent on (id, version).
        try:
            raw = dumps_event(event)  # the schema is checked here, at the bus boundary
        except InvalidItem as exc:
            self.dead_letter(item.source, str(exc), json.dumps(item.to_dict(), default=str,
                                                               ensure_ascii=True)[:5000], item.id)
            return None
        self.bus.publish(ITEMS_RAW, item.id, raw)
        metrics.ITEMS_PUBLISHED.labels(source=item.source).inc()
        if event.type == "new":
            self.stats.new += 1
        else:
            self.stats.changed += 1
        self._unrecorded.append(event)
        if len(self._unrecorded) >= self.flush_every:
            self.flush()
        return event

    def dead_letter(self, source: str, reason: str, original: bytes | str | None,
                    key: str | None = None) -> None:
        """Put a record that could not be turned into an item on the dead-letter topic."""
        log.error("source %s: dead-lettered record %s: %s", source, key or "", reason)
        self.bus.publish(DEAD_LETTER, key or source,
                         dead_letter_payload("crawl", reason, key, original, source))
        self.bus.flush()
        self.stats.dead += 1
        metrics.DEAD_LETTERS.labels(stage="crawl").inc()
