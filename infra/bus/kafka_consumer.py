"""The consumer side of :class:`~euradar.infra.bus.kafka.KafkaBus`: one group member, manual commits.

Never auto-commits: :meth:`KafkaConsumerAdapter.commit` commits exactly the records returned by
polls, :meth:`KafkaConsumerAdapter.rewind` seeks back to the committed offsets. kafka-python's
consumer is not thread-safe, so each thread gets its own adapter.
"""

from __future__ import annotations

import logging
import time

import kafka.errors as kerr
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.structs import MemberState, OffsetAndMetadata

from euradar.core.errors import BusUnavailable
from euradar.core.ports import Message
from euradar.infra.bus.kafka_config import KafkaConfig, unavailable

log = logging.getLogger(__name__)

# Group membership tuned for quick joins and quick failover on one host. A member that dies
# without leaving (SIGKILL) is evicted after session_timeout; a clean close() leaves at once.
_SESSION_TIMEOUT_MS = 10_000
_HEARTBEAT_MS = 1_000
_MAX_POLL_INTERVAL_MS = 300_000
_JOIN_TIMEOUT_S = 30.0
_EMPTY_ASSIGNMENT_GRACE_S = 5.0
# The broker answers a fetch once it holds this much for us or the wait is over. With the
# default (1 byte) a consumer keeping up with its producer got 2-3 records a fetch (measured:
# the indexer 951 batches of 2.1 on 2,000 items), each batch paying an Elasticsearch bulk
# request and a synchronous offset commit; waiting up to a quarter second lets batches fill.
_FETCH_MIN_BYTES = 64 * 1024
_FETCH_MAX_WAIT_MS = 250



class _Revocations(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped
    """Forget what we returned from partitions a rebalance took away: their new owner starts
    at the committed offset (at-least-once), and committing them from here would fail."""

    def __init__(self, adapter: KafkaConsumerAdapter):
        self.adapter = adapter

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        for tp in revoked:
            self.adapter._returned.pop(tp, None)
        gone = set(revoked)
        self.adapter._buffer = [pair for pair in self.adapter._buffer if pair[0] not in gone]

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


class KafkaConsumerAdapter:
    """A consumer-group member (the :class:`~euradar.core.ports.Consumer` protocol) on KafkaConsumer."""

    def __init__(self, config: KafkaConfig, topics: list[str], group: str):
        self._config = config
        self._topics = topics
        self.group = group
        # (physical TopicPartition, Message); records fetched while joining, not yet returned
        self._buffer: list[tuple[TopicPartition, Message]] = []
        self._returned: dict[TopicPartition, int] = {}  # next offset after the last returned
        try:
            self._c = KafkaConsumer(
                **config.client_options(),
                group_id=config.group(group),
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=_SESSION_TIMEOUT_MS,
                heartbeat_interval_ms=_HEARTBEAT_MS,
                max_poll_interval_ms=_MAX_POLL_INTERVAL_MS,
                fetch_min_bytes=_FETCH_MIN_BYTES,
                fetch_max_wait_ms=_FETCH_MAX_WAIT_MS,
            )
            self._c.subscribe([config.physical(t) for t in topics], listener=_Revocations(self))
        except Exception as exc:
            raise unavailable(f"consumer for group {group}", exc) from exc
        self._join()

    def _join(self) -> None:
        """Poll until the group is joined, so the first poll() of a caller does not spend its
        timeout on the join/sync round trips. Records fetched meanwhile are kept in order."""
        limit = max(_JOIN_TIMEOUT_S, self._config.timeout_ms / 1000)
        start = time.monotonic()
        deadline = start + limit
        while time.monotonic() < deadline:
            self._fetch(100, 100)
            # Stable = joined and synced. The assignment may legitimately stay empty (more
            # members than partitions), but right after topic creation the leader can assign
            # before its metadata knows the partitions and rejoins a moment later: wait a bit.
            if self._c._coordinator.generation_if_stable() is not None and (
                    self._c.assignment() or time.monotonic() - start > _EMPTY_ASSIGNMENT_GRACE_S):
                return
        raise BusUnavailable(f"kafka: consumer group {self.group!r} did not join within "
                             f"{limit:.0f}s")

    def _fetch(self, max_records: int, timeout_ms: int) -> None:
        try:
            polled = self._c.poll(timeout_ms=timeout_ms, max_records=max_records)
        except Exception as exc:
            raise unavailable(f"poll (group {self.group})", exc) from exc
        self._unstick_rejoin()
        batch = [(tp, self._config.message(r)) for tp, recs in polled.items() for r in recs]
        self._buffer.extend(batch)

    def _unstick_rejoin(self) -> None:
        """Work around a kafka-python 3.0 bug that leaves a member out of its group for good.

        A rejoin started because the topic metadata changed (on every new topic: the leader's
        first assignment runs before its metadata knows the partitions) can outlive a short
        poll(). By the next poll the leader's metadata snapshot already matches, so
        ``need_rejoin()`` says no, the finished JoinGroup/SyncGroup result is never applied,
        and the member stays REBALANCING with heartbeats off and no partitions: a silent stall
        until the next metadata refresh (5 min). Asking for a rejoin makes the next poll run a
        fresh join, which completes normally. Seen here in about 1 join in 25 under load.
        """
        coordinator = self._c._coordinator
        if (coordinator.state is not MemberState.STABLE and coordinator._join_task is not None
                and not coordinator.need_rejoin()):
            log.info("kafka: group %s: re-joining after an interrupted rebalance", self.group)
            coordinator.request_rejoin()

    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while not self._buffer:
            left = deadline - time.monotonic()
            self._fetch(max_records, max(0, int(left * 1000)))
            if self._buffer or time.monotonic() >= deadline:
                break
        taken, self._buffer = self._buffer[:max_records], self._buffer[max_records:]
        for tp, m in taken:
            self._returned[tp] = m.offset + 1
        return [m for _, m in taken]

    def commit(self) -> None:
        if not self._returned:
            return
        assigned = self._c.assignment()
        offsets = {tp: OffsetAndMetadata(off, "", -1) for tp, off in self._returned.items()
                   if tp in assigned}
        try:
            if offsets:
                self._c.commit(offsets)
        except (kerr.CommitFailedError, kerr.RebalanceInProgressError) as exc:
            # The partitions moved to another member, which resumes from the last committed
            # offset: these records will be processed again there (at-least-once), not lost.
            log.warning("kafka: commit for group %s lost to a rebalance: %s", self.group, exc)
        except Exception as exc:
            raise unavailable(f"commit (group {self.group})", exc) from exc
        self._returned.clear()

    def rewind(self) -> None:
        self._buffer.clear()
        self._returned.clear()
        try:
            for tp in sorted(self._c.assignment()):
                committed = self._c.committed(tp)
                if committed is None:
                    self._c.seek_to_beginning(tp)
                else:
                    self._c.seek(tp, committed)
        except Exception as exc:
            raise unavailable(f"rewind (group {self.group})", exc) from exc

    def lag(self) -> int:
        """Records in the assigned partitions after the group's committed offsets."""
        tps = sorted(self._c.assignment())
        if not tps:
            return 0
        try:
            end = self._c.end_offsets(tps)
            total = 0
            for tp in tps:
                committed = self._c.committed(tp)
                begin = committed if committed is not None else \
                    self._c.beginning_offsets([tp])[tp]
                total += max(0, end[tp] - begin)
            return total
        except Exception as exc:
            raise unavailable(f"lag (group {self.group})", exc) from exc

    def close(self) -> None:
        # No autocommit: close() leaves the group (fast rebalance) and commits nothing.
        try:
            self._c.close(autocommit=False)
        except Exception as exc:
            log.warning("kafka: closing consumer of group %s: %s", self.group, exc)
