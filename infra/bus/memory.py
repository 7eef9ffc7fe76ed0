"""MemoryBus: the same semantics as SqliteBus without durability, for unit tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence

from euradar.core.ports import Message


class MemoryBus:
    def __init__(self) -> None:
        self._log: dict[str, list[Message]] = defaultdict(list)
        self._committed: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def publish(self, topic: str, key: str, value: bytes) -> None:
        with self._lock:
            log = self._log[topic]
            log.append(Message(topic, key, bytes(value), len(log) + 1))

    def flush(self, timeout: float = 10.0) -> None:
        return None

    def consumer(self, topics: Sequence[str], group: str) -> MemoryConsumer:
        return MemoryConsumer(self, list(topics), group)

    def read_topic(self, topic: str, limit: int = 1000) -> list[Message]:
        with self._lock:
            return list(self._log[topic][:limit])

    def topic_size(self, topic: str) -> int:
        with self._lock:
            return len(self._log[topic])

    def ping(self) -> None:
        return None

    def group_lag(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        """(topic, partition) -> records after the group's committed position."""
        with self._lock:
            return {(t, 0): len(self._log[t]) - self._committed.get((group, t), 0)
                    for t in topics}

    def close(self) -> None:
        return None


class MemoryConsumer:
    def __init__(self, bus: MemoryBus, topics: list[str], group: str):
        self._bus = bus
        self._topics = topics
        self._group = group
        self._position: dict[str, int] = {}
        self.rewind()

    def rewind(self) -> None:
        with self._bus._lock:
            self._position = {t: self._bus._committed.get((self._group, t), 0) for t in self._topics}

    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            with self._bus._lock:
                # Merge topics in publish order is not defined across topics in Kafka either;
                # within a topic (and so per key) order is kept.
                out: list[Message] = []
                for t in self._topics:
                    log = self._bus._log[t]
                    out.extend(log[self._position[t]: self._position[t] + max_records - len(out)])
                    if len(out) >= max_records:
                        break
            for m in out:
                self._position[m.topic] = m.offset
            if out or time.monotonic() >= deadline:
                return out
            time.sleep(0.01)

    def commit(self) -> None:
        with self._bus._lock:
            for t, pos in self._position.items():
                self._bus._committed[(self._group, t)] = pos

    def lag(self) -> int:
        with self._bus._lock:
            return sum(
                len(self._bus._log[t]) - self._bus._committed.get((self._group, t), 0)
                for t in self._topics
            )

    def close(self) -> None:
        return None
