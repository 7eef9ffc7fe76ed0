"""The poll -> handle -> commit loop shared by every consumer role.

Error branches (see :mod:`euradar.core.errors`): an :class:`InvalidItem` record is dead-lettered with
its reason by :func:`decode_batch` and the rest of the batch goes on; a :class:`TransientError`
means no commit: rewind to the committed position and retry with exponential backoff.

Anything else is a bug or a record the role cannot digest. The batch is not committed; it is
replayed one record at a time to find the record to blame, and that record's failure is
counted (:class:`~euradar.core.supervisor.RecordFailures`, kept across restarts). Below
``max_attempts`` the error propagates, and the supervisor restarts the role with backoff; at
``max_attempts`` the record is dead-lettered with the stage, the error and a traceback summary,
and the role moves on. Nothing is lost and one record cannot stop a role for good.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from euradar.core import metrics
from euradar.core.codec import dead_letter_payload, loads_event
from euradar.core.errors import InvalidItem, TransientError
from euradar.core.models import Event
from euradar.core.ports import Bus, Consumer, Message
from euradar.core.supervisor import RecordFailures, TaskState, summarize_traceback
from euradar.core.topics import DEAD_LETTER

log = logging.getLogger(__name__)

Handler = Callable[[Sequence[tuple[Message, Event]]], None]


@dataclass
class Backoff:
    """Exponential backoff: base * 2**n seconds, capped."""

    base: float = 0.5
    cap: float = 30.0
    attempts: int = 0

    def next_delay(self) -> float:
        delay: float = min(self.cap, self.base * 2.0 ** self.attempts)
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0


@dataclass
class RunStats:
    batches: int = 0
    records: int = 0
    dead: int = 0
    retries: int = 0


def decode_batch(batch: Sequence[Message], bus: Bus, stage: str) -> list[tuple[Message, Event]]:
    """Decode records into events; poison records go to the dead-letter topic with the reason."""
    good: list[tuple[Message, Event]] = []
    for msg in batch:
        try:
            good.append((msg, loads_event(msg.value)))
        except InvalidItem as exc:
            dead_letter(bus, stage, str(exc), msg)
    return good


def dead_letter(bus: Bus, stage: str, reason: str, msg: Message,
                extra: dict[str, Any] | None = None) -> None:
    log.error("%s: dead-lettering %s@%s/%s: %s", stage, msg.key, msg.topic, msg.offset, reason)
    bus.publish(DEAD_LETTER, msg.key or "?",
                dead_letter_payload(stage, reason, msg.key, msg.value, extra=extra))
    bus.flush()
    metrics.DEAD_LETTERS.labels(stage=stage).inc()


def run_consumer(consumer: Consumer, bus: Bus, stage: str, handle: Handler, *,
                 stop: threading.Event | None = None, batch_size: int = 64,
                 poll_timeout: float = 0.5, until_idle: bool = False,
                 backoff: Backoff | None = None, stats: RunStats | None = None,
                 failures: RecordFailures | None = None, max_attempts: int = 3,
                 state: TaskState | None = None) -> RunStats:
    """Run one consumer until ``stop`` is set (or, with ``until_idle``, until nothing is left).

    Commits only after ``handle`` returned for the whole batch. A stop request is seen
    between batches: the batch in hand is finished and committed, the next one not polled.
    """
    stop = stop or threading.Event()
    backoff = backoff or Backoff()
    stats = stats or RunStats()
    failures = failures if failures is not None else RecordFailures()
    careful = 0  # after an unexpected error: records to take one at a time to find the culprit
    while not stop.is_set():
        if state is not None:
            state.beat()
        batch = consumer.poll(1 if careful else batch_size, poll_timeout)
        if not batch:
            if until_idle:
                break
            continue
        careful = max(0, careful - len(batch))
        try:
            events = decode_batch(batch, bus, stage)
            stats.dead += len(batch) - len(events)
            if events:
                handle(events)
        except TransientError as exc:
            delay = backoff.next_delay()
            stats.retries += 1
            log.warning("%s: %s; retrying in %.1fs without committing", stage, exc, delay)
            consumer.rewind()
            if stop.wait(delay):
                break
            continue
        except Exception as exc:
            if len(batch) > 1:
                log.warning("%s: %s: %s; replaying the batch of %d one record at a time",
                            stage, type(exc).__name__, exc, len(batch))
                consumer.rewind()
                careful = len(batch)
                continue
            msg = batch[0]
            key = (msg.topic, msg.partition, msg.offset)
            attempts = failures.add(key)
            if attempts < max_attempts:
                consumer.rewind()
                careful = 1
                raise  # the supervisor logs it, counts a restart, backs off and restarts
            dead_letter(bus, stage, f"{stage} failed {attempts} times on this record: "
                        f"{type(exc).__name__}: {exc}"[:2000], msg,
                        extra={"error": type(exc).__name__, "attempts": attempts,
                               "traceback": summarize_traceback(exc)})
            failures.forget(key)
            stats.dead += 1
        consumer.commit()
        metrics.ITEMS_PROCESSED.labels(role=stage).inc(len(batch))
        if state is not None:
            state.progressed()
        backoff.reset()
        stats.batches += 1
        stats.records += len(batch)
    return stats
