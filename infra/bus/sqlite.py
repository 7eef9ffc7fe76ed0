"""SqliteBus: a durable append-only log with consumer groups, the embedded stand-in for Kafka.

One table ``log(seq, topic, key, value, ts)`` and one ``offsets(grp, topic, seq)``. A group's
position is the highest ``seq`` it committed per topic, so a crashed consumer resumes after
its last commit and sees every uncommitted record again (at-least-once), exactly as a Kafka
consumer group does. Works across processes on one machine (WAL mode). One consumer per group
at a time: embedded mode runs one instance of each role.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence

from euradar.core.errors import BusUnavailable
from euradar.core.ports import Message
from euradar.infra.sqlite_util import connect, path_from_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    ts    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS log_topic_seq ON log(topic, seq);
CREATE TABLE IF NOT EXISTS offsets (
    grp   TEXT NOT NULL,
    topic TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
);
"""


class SqliteBus:
    """Bus on one SQLite file (``sqlite:///path/bus.db``) or in memory (``memory://``)."""

    def __init__(self, url: str = "memory://"):
        self.url = url
        try:
            self._conn = connect(path_from_url(url))
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise BusUnavailable(f"cannot open bus {url}: {exc}") from exc
        self._lock = threading.RLock()

    def publish(self, topic: str, key: str, value: bytes) -> None:
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO log(topic, key, value, ts) VALUES (?, ?, ?, ?)",
                    (topic, key, value, time.time()),
                )
            except sqlite3.Error as exc:
                raise BusUnavailable(f"publish to {topic} failed: {exc}") from exc

    def flush(self, timeout: float = 10.0) -> None:
        # Each INSERT is its own committed transaction (autocommit), so it is durable already.
        return None

    def consumer(self, topics: Sequence[str], group: str) -> SqliteConsumer:
        return SqliteConsumer(self, list(topics), group)

    def topic_size(self, topic: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM log WHERE topic = ?", (topic,)).fetchone()
        return int(row[0])

    def ping(self) -> None:
        """Raise BusUnavailable unless the log can be read."""
        with self._lock:
            try:
                self._conn.execute("SELECT 1 FROM log LIMIT 1").fetchall()
            except sqlite3.Error as exc:
                raise BusUnavailable(f"bus {self.url}: {exc}") from exc

    def group_lag(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        """(topic, partition 0) -> records after the group's committed position."""
        out: dict[tuple[str, int], int] = {}
        with self._lock:
            try:
                for t in topics:
                    row = self._conn.execute("SELECT seq FROM offsets WHERE grp = ? AND topic = ?",
                                             (group, t)).fetchone()
                    out[(t, 0)] = int(self._conn.execute(
                        "SELECT COUNT(*) FROM log WHERE topic = ? AND seq > ?",
                        (t, row["seq"] if row else 0)).fetchone()[0])
            except sqlite3.Error as exc:
                raise BusUnavailable(f"lag of group {group}: {exc}") from exc
        return out

    def read_topic(self, topic: str, limit: int = 1000) -> list[Message]:
        """Every record of ``topic`` from the start, for inspection (``euradar dead-letters``)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, topic, key, value FROM log WHERE topic = ? ORDER BY seq LIMIT ?",
                (topic, limit),
            ).fetchall()
        return [Message(r["topic"], r["key"], bytes(r["value"]), r["seq"]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SqliteConsumer:
    def __init__(self, bus: SqliteBus, topics: list[str], group: str):
        self._bus = bus
        self._topics = topics
        self._group = group
        self._position: dict[str, int] = {}
        self.rewind()

    def _committed(self) -> dict[str, int]:
        with self._bus._lock:
            rows = self._bus._conn.execute(
                "SELECT topic, seq FROM offsets WHERE grp = ?", (self._group,)
            ).fetchall()
        found = {r["topic"]: r["seq"] for r in rows}
        return {t: found.get(t, 0) for t in self._topics}

    def rewind(self) -> None:
        self._position = self._committed()

    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            records = self._fetch(max_records)
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def _fetch(self, max_records: int) -> list[Message]:
        clauses = " OR ".join("(topic = ? AND seq > ?)" for _ in self._topics)
        params: list[object] = []
        for t in self._topics:
            params += [t, self._position[t]]
        with self._bus._lock:
            try:
                rows = self._bus._conn.execute(
                    f"SELECT seq, topic, key, value FROM log WHERE {clauses} ORDER BY seq LIMIT ?",
                    (*params, max_records),
                ).fetchall()
            except sqlite3.Error as exc:
                raise BusUnavailable(f"poll failed: {exc}") from exc
        records = [Message(r["topic"], r["key"], bytes(r["value"]), r["seq"]) for r in rows]
        for m in records:
            self._position[m.topic] = m.offset
        return records

    def commit(self) -> None:
        with self._bus._lock:
            try:
                self._bus._conn.execute("BEGIN IMMEDIATE")
                for topic, seq in self._position.items():
                    self._bus._conn.execute(
                        "INSERT INTO offsets(grp, topic, seq) VALUES (?, ?, ?) "
                        "ON CONFLICT(grp, topic) DO UPDATE SET seq = excluded.seq",
                        (self._group, topic, seq),
                    )
                self._bus._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._bus._conn.in_transaction:  # BEGIN itself may have failed (locked)
                    self._bus._conn.execute("ROLLBACK")
                raise BusUnavailable(f"commit failed: {exc}") from exc

    def lag(self) -> int:
        """Records in the group's topics after its committed position."""
        committed = self._committed()
        total = 0
        with self._bus._lock:
            for t, seq in committed.items():
                total += self._bus._conn.execute(
                    "SELECT COUNT(*) FROM log WHERE topic = ? AND seq > ?", (t, seq)
                ).fetchone()[0]
        return int(total)

    def close(self) -> None:
        return None
