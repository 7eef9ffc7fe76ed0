"""The seams. Each is a small Protocol; backends live in ``infra/`` and are chosen by URL.

=========  ======================================  =========================================
seam       embedded default / tests                 distributed
=========  ======================================  =========================================
Bus        ``sqlite:///path/bus.db``, ``memory://``  ``kafka://127.0.0.1:9092``
Index      ``sqlite:///path/index.db``, ``memory://`` ``http://127.0.0.1:9200`` (Elasticsearch)
Store      ``sqlite:///path/store.db``, ``memory://`` ``postgresql://user@host:5432/db``
Notifier   ``outbox:///path/outbox`` (.eml files)    ``smtp://host:port``
=========  ======================================  =========================================

The shared contract suites in ``tests/contract/`` pin down the guarantees each method states.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from euradar.core.models import Change, Item
from euradar.core.subscriptions import Subscription


class Message(NamedTuple):
    topic: str
    key: str
    value: bytes
    offset: int
    partition: int = 0


class Consumer(Protocol):
    """A consumer-group member. Not thread-safe: one per thread."""

    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        """Next records after the current position; per key in publish order. May return []."""

    def commit(self) -> None:
        """Commit everything returned by polls so far; after a restart the group resumes there."""

    def rewind(self) -> None:
        """Go back to the last committed position, so uncommitted records are polled again."""

    def close(self) -> None: ...


class Bus(Protocol):
    """An ordered, durable, keyed log with consumer groups (at-least-once delivery)."""

    def publish(self, topic: str, key: str, value: bytes) -> None:
        """Append a record; durable once :meth:`flush` returns."""

    def flush(self, timeout: float = 10.0) -> None:
        """Block until every published record is durable; raises BusUnavailable otherwise."""

    def consumer(self, topics: Sequence[str], group: str) -> Consumer:
        """Join ``group``; a new group starts at the beginning of each topic."""

    def close(self) -> None: ...


SORTS = ("relevance", "deadline", "first_seen")
FACET_FIELDS = ("kind", "status", "lang", "programme", "themes", "eligibility", "source")


@dataclass(frozen=True)
class Query:
    """A search over the index; translated by each backend.

    ``text`` is the query language of :mod:`euradar.core.query_syntax` (a backend raises
    ``QuerySyntaxError`` for text that does not parse); its words are normalised by the backend
    (:func:`euradar.nlp.normalize.index_tokens`, :func:`~euradar.nlp.normalize.query_word_forms`),
    so Finnish inflections and compounds match. Filters within one field are OR, across fields
    AND. Date bounds are inclusive ISO dates. ``sort="relevance"`` puts forthcoming and open
    items first and closed ones last.
    """

    text: str = ""
    themes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    eligibility: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    deadline_from: str | None = None
    deadline_to: str | None = None
    first_seen_from: str | None = None
    first_seen_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    facets: bool = True


@dataclass
class Hit:
    item: Item
    score: float
    highlights: list[str] = field(default_factory=list)  # HTML-safe snippets with <mark>


@dataclass
class SearchPage:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    size: int = 20


class Index(Protocol):
    """Full-text index of the latest version of every item."""

    def ensure(self) -> None:
        """Create the index/tables if missing; idempotent."""

    def upsert(self, items: Sequence[Item]) -> int:
        """Insert or replace by ``item.id`` (idempotent); returns the number written.

        Raises IndexUnavailable when the backend is down or overloaded; nothing is half-written
        that a retry would not fix.
        """

    def get(self, item_id: str) -> Item | None: ...

    def search(self, query: Query) -> SearchPage: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Notification:
    """A rendered message; notifiers never see items, only this."""

    recipient: str  # an email address or a webhook URL
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)  # JSON body for webhooks
    # Extra mail headers, e.g. List-Unsubscribe (RFC 8058); email notifiers add them as given.
    headers: dict[str, str] = field(default_factory=dict)


class Notifier(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver or raise NotifyError(transient=...)."""


@dataclass
class SourceState:
    """Health and bookkeeping of one source, as ``euradar sources`` shows it."""

    name: str
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_item_count: int = 0
    items_seen: int = 0
    error_count: int = 0
    consecutive_failures: int = 0
    consecutive_empty: int = 0
    requests: int = 0
    bytes: int = 0
    events: int = 0
    # Incremental polling: the newest modification stamp of the last complete crawl, and when
    # the source was last crawled in full (a periodic full crawl catches what polls miss).
    cursor: str | None = None
    last_full_crawl: str | None = None


class PendingAlert(NamedTuple):
    """An alert to park: its ledger key, where it goes, what the message will say."""

    key: tuple[str, str, int, str]
    channel: str
    address: str
    data: dict[str, Any]
    queued_at: str


class Store(Protocol):
    """Small relational state: subscriptions, item versions, source health, HTTP validators,
    and the alert ledger. All writes are idempotent where the docstring says so."""

    # subscriptions (user profiles, see euradar.core.subscriptions)
    def save_subscription(self, sub: Subscription) -> Subscription: ...
    def get_subscription(self, sub_id: str) -> Subscription | None: ...
    def list_subscriptions(self, active_only: bool = False) -> list[Subscription]: ...
    def delete_subscription(self, sub_id: str) -> bool: ...

    # item versions, for change detection and history
    def last_item(self, item_id: str) -> Item | None: ...
    def record_item(self, item: Item, changes: Sequence[Change]) -> None:
        """Store ``item`` as the current version and append it to the history (idempotent on
        ``(item.id, item.version)``)."""
    def record_items(self, entries: Sequence[tuple[Item, Sequence[Change]]]) -> None:
        """:meth:`record_item` for each entry, in one transaction (a crawl's flush)."""
    def item_history(self, item_id: str) -> list[dict[str, Any]]: ...
    def items_with_status(self, statuses: Sequence[str]) -> Iterator[Item]:
        """The current version of every item whose status is one of ``statuses``, in id
        order, read a page at a time (memory stays flat however many there are; the caller
        may record new versions while iterating)."""

    # sources
    def source_state(self, name: str) -> SourceState: ...
    def save_source_state(self, state: SourceState) -> None: ...
    def list_source_states(self) -> list[SourceState]: ...
    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last seen for ``url``."""
    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...

    # the alert ledger: one alert per (subscription, item, version, kind)
    def claim_alert(self, sub_id: str, item_id: str, version: int, kind: str) -> bool:
        """True exactly once per key; False when it was already claimed (a redelivery)."""
    def release_alert(self, sub_id: str, item_id: str, version: int, kind: str) -> None:
        """Undo a claim whose delivery failed, so a retry may claim it again."""
    def mark_alert_sent(self, sub_id: str, item_id: str, version: int, kind: str) -> None: ...
    def alert_log(self, sub_id: str | None = None) -> list[dict[str, Any]]: ...

    # pending alerts: the per-recipient batching window, durable across crashes and shared by
    # every alerter process on the store
    def enqueue_alert(self, key: tuple[str, str, int, str], channel: str, address: str,
                      data: dict[str, Any], queued_at: str) -> bool:
        """Claim ``key`` in the ledger and park the alert until its batch is flushed, as one
        atomic step: False (nothing parked) when it was already sent or is already parked,
        also when another process completes it concurrently."""
    def enqueue_alerts(self, entries: Sequence[PendingAlert]) -> int:
        """:meth:`enqueue_alert` for each entry, in one transaction; returns how many were
        parked (a bus batch's alerts)."""
    def recipient_lock(self, channel: str, address: str) -> AbstractContextManager[bool]:
        """``with store.recipient_lock(ch, addr) as mine:`` -- ``mine`` is True for exactly one
        holder at a time across threads, processes and machines sharing the store (False
        for the others, who skip that recipient). A holder that dies releases it."""
    def due_alert_addresses(self, queued_before: str, now: str) -> list[tuple[str, str]]:
        """(channel, address) pairs whose oldest pending alert is at least one window old."""
    def pending_alerts(self, channel: str | None = None,
                       address: str | None = None) -> list[dict[str, Any]]: ...
    def complete_alerts(self, keys: Sequence[tuple[str, str, int, str]]) -> None:
        """Mark the ledger entries sent and delete the pending rows, in one transaction."""
    def drop_alerts(self, keys: Sequence[tuple[str, str, int, str]]) -> None:
        """Delete pending rows and release their unsent claims (permanent failure)."""
    def defer_alerts(self, channel: str, address: str, not_before: str, error: str) -> None: ...

    # digest log: one digest per (email, period)
    def claim_digest(self, email: str, period: str) -> bool:
        """True unless that digest was already sent."""
    def release_digest(self, email: str, period: str) -> None: ...
    def mark_digest_sent(self, email: str, period: str, items: int) -> None: ...
    def digest_log(self, email: str | None = None) -> list[dict[str, Any]]: ...
    def changed_versions(self, since: str, until: str) -> list[dict[str, Any]]:
        """Item versions > 1 first seen in [since, until), with their recorded changes."""

    def close(self) -> None: ...
