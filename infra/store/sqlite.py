"""SqliteStore: subscriptions, item versions, source health, HTTP validators and the alert ledger.

``memory://`` gives the same store on an in-memory database (tests); a file URL is shared by the
crawler and consumer processes in WAL mode. The schema is versioned
(``migrations/sqlite/``, applied on open; see :mod:`euradar.infra.store.schema`).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from euradar.core.models import Item, utcnow_iso
from euradar.core.ports import PendingAlert, SourceState
from euradar.core.subscriptions import Subscription
from euradar.infra.sqlite_util import connect, path_from_url
from euradar.infra.store.schema import (
    CREATE_LOG_TABLE,
    STATUS_PAGE,
    MigrationReport,
    load_migrations,
    plan,
    split_statements,
)

AlertKey = tuple[str, str, int, str]


class SqliteStore:
    def __init__(self, url: str = "memory://"):
        self.url = url
        self._path = path_from_url(url)
        self._conn = connect(self._path)
        self._lock = threading.RLock()
        self._held: dict[tuple[str, str], int] = {}  # recipient -> its locked lock file
        _migrate(self._conn, apply=True)

    @classmethod
    def migrate(cls, url: str, apply: bool = True) -> MigrationReport:
        """Apply the pending migrations (``apply``) or only report them."""
        conn = connect(path_from_url(url))
        try:
            return _migrate(conn, apply)
        finally:
            conn.close()

    def ping(self) -> None:
        """Raise sqlite3.Error unless the store can be read (a health probe)."""
        self._one("SELECT 1 FROM subscriptions LIMIT 1")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    # subscriptions
    def save_subscription(self, sub: Subscription) -> Subscription:
        self._run(
            "INSERT INTO subscriptions(id, data, updated) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
            (sub.id, json.dumps(sub.to_dict(), ensure_ascii=False), utcnow_iso()),
        )
        return sub

    def get_subscription(self, sub_id: str) -> Subscription | None:
        row = self._one("SELECT data FROM subscriptions WHERE id = ?", (sub_id,))
        return Subscription.from_dict(json.loads(row["data"])) if row else None

    def list_subscriptions(self, active_only: bool = False) -> list[Subscription]:
        subs = [Subscription.from_dict(json.loads(r["data"]))
                for r in self._all("SELECT data FROM subscriptions ORDER BY id")]
        return [s for s in subs if s.active] if active_only else subs

    def delete_subscription(self, sub_id: str) -> bool:
        return self._run("DELETE FROM subscriptions WHERE id = ?", (sub_id,)) > 0

    # items
    def last_item(self, item_id: str) -> Item | None:
        row = self._one("SELECT doc FROM items WHERE id = ?", (item_id,))
        return Item.from_dict(json.loads(row["doc"])) if row else None

    def record_item(self, item: Item, changes: Sequence[Any]) -> None:
        self.record_items([(item, changes)])

    def record_items(self, entries: Sequence[tuple[Item, Sequence[Any]]]) -> None:
        """Every entry as the current version (an older one never overwrites a newer) and in
        the history (idempotent on (id, version)), in one transaction."""
        rows = []
        for item, changes in entries:
            doc = json.dumps(item.to_dict(), ensure_ascii=False)
            change_list = [c if isinstance(c, dict) else dataclasses.asdict(c) for c in changes]
            rows.append((item, doc, json.dumps(change_list, ensure_ascii=False, default=str)))
        self._transaction([
            *(("INSERT INTO items(id, version, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE "
               "SET version = excluded.version, doc = excluded.doc "
               "WHERE excluded.version >= items.version", (item.id, item.version, doc))
              for item, doc, _ in rows),
            *(("INSERT OR IGNORE INTO item_versions(id, version, seen_at, content_hash, changes,"
               " doc) VALUES (?, ?, ?, ?, ?, ?)",
               (item.id, item.version, item.fetched_at or utcnow_iso(), item.content_hash,
                changes, doc)) for item, doc, changes in rows),
        ])

    def items_with_status(self, statuses: Sequence[str]) -> Iterator[Item]:
        marks = ", ".join("?" * len(statuses))
        after = ""
        while True:  # keyset pages: the start-of-day sweep once held all 45,000 open items
            rows = self._all(f"SELECT id, doc FROM items WHERE json_extract(doc, '$.status') "
                             f"IN ({marks}) AND id > ? ORDER BY id LIMIT ?",
                             (*statuses, after, STATUS_PAGE))
            for r in rows:
                yield Item.from_dict(json.loads(r["doc"]))
            if len(rows) < STATUS_PAGE:
                return
            after = rows[-1]["id"]

    def item_history(self, item_id: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT version, seen_at, content_hash, changes FROM item_versions "
                         "WHERE id = ? ORDER BY version", (item_id,))
        return [{"version": r["version"], "seen_at": r["seen_at"], "content_hash": r["content_hash"],
                 "changes": json.loads(r["changes"])} for r in rows]

    # sources
    def source_state(self, name: str) -> SourceState:
        row = self._one("SELECT data FROM sources WHERE name = ?", (name,))
        return SourceState(**json.loads(row["data"])) if row else SourceState(name=name)

    def save_source_state(self, state: SourceState) -> None:
        self._run("INSERT INTO sources(name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                  "data = excluded.data", (state.name, json.dumps(dataclasses.asdict(state))))

    def list_source_states(self) -> list[SourceState]:
        return [SourceState(**json.loads(r["data"]))
                for r in self._all("SELECT data FROM sources ORDER BY name")]

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self._one("SELECT etag, last_modified FROM validators WHERE url = ?", (url,))
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._run("INSERT INTO validators(url, etag, last_modified) VALUES (?, ?, ?) "
                  "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
                  "last_modified = excluded.last_modified", (url, etag, last_modified))

    # alert ledger
    def claim_alert(self, sub_id: str, item_id: str, version: int, kind: str) -> bool:
        """True unless this alert was already *sent*. A claim left by a consumer that died
        before sending is claimable again, so a crash never loses an alert."""
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO alert_ledger(sub_id, item_id, version, kind, claimed_at) "
                "VALUES (?, ?, ?, ?, ?)", (sub_id, item_id, version, kind, utcnow_iso()))
            row = self._conn.execute(
                "SELECT sent_at FROM alert_ledger WHERE sub_id = ? AND item_id = ? AND version = ? "
                "AND kind = ?", (sub_id, item_id, version, kind)).fetchone()
        return row["sent_at"] is None

    def release_alert(self, sub_id: str, item_id: str, version: int, kind: str) -> None:
        self._run("DELETE FROM alert_ledger WHERE sub_id = ? AND item_id = ? AND version = ? "
                  "AND kind = ? AND sent_at IS NULL", (sub_id, item_id, version, kind))

    def mark_alert_sent(self, sub_id: str, item_id: str, version: int, kind: str) -> None:
        self._run("UPDATE alert_ledger SET sent_at = ? WHERE sub_id = ? AND item_id = ? AND "
                  "version = ? AND kind = ?", (utcnow_iso(), sub_id, item_id, version, kind))

    def alert_log(self, sub_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM alert_ledger" + (" WHERE sub_id = ?" if sub_id else "")
        return [dict(r) for r in self._all(sql + " ORDER BY claimed_at", (sub_id,) if sub_id else ())]

    def _transaction(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._conn.execute(sql, params)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                if self._conn.in_transaction:  # BEGIN itself may have failed (locked)
                    self._conn.execute("ROLLBACK")
                raise

    # pending alerts: the batching window, kept here so that it survives a crash
    def enqueue_alert(self, key: AlertKey, channel: str, address: str, data: dict[str, Any],
                      queued_at: str) -> bool:
        """Claim ``key`` and park the alert until its recipient's batch is flushed, in one
        transaction, so an alert completed meanwhile by another alerter is never parked again.
        False when it was already sent or is already parked (a redelivered bus batch)."""
        return self.enqueue_alerts([PendingAlert(key, channel, address, data, queued_at)]) == 1

    def enqueue_alerts(self, entries: Sequence[PendingAlert]) -> int:
        parked = 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for key, channel, address, data, queued_at in entries:
                    self._conn.execute(
                        "INSERT OR IGNORE INTO alert_ledger(sub_id, item_id, version, kind, "
                        "claimed_at) VALUES (?, ?, ?, ?, ?)", (*key, utcnow_iso()))
                    sent = self._conn.execute(
                        "SELECT sent_at FROM alert_ledger WHERE sub_id = ? AND item_id = ? AND "
                        "version = ? AND kind = ?", key).fetchone()["sent_at"]
                    if sent is None:
                        parked += self._conn.execute(
                            "INSERT OR IGNORE INTO pending_alerts(sub_id, item_id, version, kind, "
                            "channel, address, data, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (*key, channel, address,
                             json.dumps(data, ensure_ascii=False, default=str),
                             queued_at)).rowcount
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                if self._conn.in_transaction:  # BEGIN itself may have failed (locked)
                    self._conn.execute("ROLLBACK")
                raise
        return parked

    @contextmanager
    def recipient_lock(self, channel: str, address: str) -> Iterator[bool]:
        """Yield True while this caller alone may flush (channel, address), else False.

        A file per recipient in ``<db>.locks/`` held with ``flock``: the lock belongs to the open
        file, so it excludes other threads, other store objects and other processes alike, and
        the kernel drops it when its process dies (a SIGKILLed alerter leaves nothing locked).
        """
        key = (channel, address)
        fd = self._acquire(key)
        try:
            yield fd is not None
        finally:
            if fd is not None:
                self._release(key, fd)

    def _acquire(self, key: tuple[str, str]) -> int | None:
        with self._lock:
            if key in self._held:
                return None
            if self._path == ":memory:":
                self._held[key] = -1
                return -1
            folder = self._path + ".locks"
            os.makedirs(folder, mode=0o700, exist_ok=True)
            fd = os.open(os.path.join(folder, _lock_name(*key)), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # EWOULDBLOCK: another alerter holds it
                os.close(fd)
                return None
            self._held[key] = fd
            return fd

    def _release(self, key: tuple[str, str], fd: int) -> None:
        with self._lock:
            self._held.pop(key, None)
            if fd >= 0:
                os.close(fd)  # closing the last descriptor of the open file unlocks it

    def due_alert_addresses(self, queued_before: str, now: str) -> list[tuple[str, str]]:
        """(channel, address) whose oldest pending alert was queued at or before
        ``queued_before`` and that are not backing off after a failed delivery."""
        rows = self._all(
            "SELECT channel, address FROM pending_alerts GROUP BY channel, address "
            "HAVING MIN(queued_at) <= ? AND COALESCE(MAX(not_before), '') <= ? "
            "ORDER BY MIN(queued_at)", (queued_before, now))
        return [(r["channel"], r["address"]) for r in rows]

    def pending_alerts(self, channel: str | None = None,
                       address: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM pending_alerts", []
        if channel is not None:
            sql += " WHERE channel = ? AND address = ?"
            params = [channel, address]
        rows = self._all(sql + " ORDER BY queued_at, item_id", params)
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]

    def complete_alerts(self, keys: Sequence[AlertKey]) -> None:
        """After a delivery: mark the ledger entries sent and forget the pending rows, at once."""
        now = utcnow_iso()
        statements: list[tuple[str, Sequence[Any]]] = []
        for key in keys:
            statements.append(("UPDATE alert_ledger SET sent_at = ? WHERE sub_id = ? AND "
                               "item_id = ? AND version = ? AND kind = ?", (now, *key)))
            statements.append(("DELETE FROM pending_alerts WHERE sub_id = ? AND item_id = ? AND "
                               "version = ? AND kind = ?", key))
        self._transaction(statements)

    def drop_alerts(self, keys: Sequence[AlertKey]) -> None:
        """Give up on pending alerts (permanent failure): forget them and release the claims."""
        statements: list[tuple[str, Sequence[Any]]] = []
        for key in keys:
            statements.append(("DELETE FROM pending_alerts WHERE sub_id = ? AND item_id = ? AND "
                               "version = ? AND kind = ?", key))
            statements.append(("DELETE FROM alert_ledger WHERE sub_id = ? AND item_id = ? AND "
                               "version = ? AND kind = ? AND sent_at IS NULL", key))
        self._transaction(statements)

    def defer_alerts(self, channel: str, address: str, not_before: str, error: str) -> None:
        """A transient failure: keep the batch, retry it after ``not_before``."""
        self._run("UPDATE pending_alerts SET not_before = ?, attempts = attempts + 1, "
                  "last_error = ? WHERE channel = ? AND address = ?",
                  (not_before, error[:500], channel, address))

    # digest log: one digest per person and period, so a re-run sends nothing twice
    def claim_digest(self, email: str, period: str) -> bool:
        """True unless the digest for (email, period) was already sent."""
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO digest_log(email, period, claimed_at) "
                               "VALUES (?, ?, ?)", (email, period, utcnow_iso()))
            row = self._conn.execute("SELECT sent_at FROM digest_log WHERE email = ? AND "
                                     "period = ?", (email, period)).fetchone()
        return row["sent_at"] is None

    def release_digest(self, email: str, period: str) -> None:
        self._run("DELETE FROM digest_log WHERE email = ? AND period = ? AND sent_at IS NULL",
                  (email, period))

    def mark_digest_sent(self, email: str, period: str, items: int) -> None:
        self._run("UPDATE digest_log SET sent_at = ?, items = ? WHERE email = ? AND period = ?",
                  (utcnow_iso(), items, email, period))

    def digest_log(self, email: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM digest_log" + (" WHERE email = ?" if email else "")
        return [dict(r) for r in self._all(sql + " ORDER BY claimed_at", (email,) if email else ())]

    def changed_versions(self, since: str, until: str) -> list[dict[str, Any]]:
        """Versions after the first recorded with ``since <= seen_at < until`` (ISO strings),
        with their changes: what the digest's "changed" section is made of."""
        rows = self._all("SELECT id, version, seen_at, changes FROM item_versions WHERE "
                         "version > 1 AND seen_at >= ? AND seen_at < ? ORDER BY seen_at",
                         (since, until))
        return [{"id": r["id"], "version": r["version"], "seen_at": r["seen_at"],
                 "changes": json.loads(r["changes"])} for r in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            for fd in self._held.values():
                if fd >= 0:
                    os.close(fd)
            self._held.clear()


def _lock_name(channel: str, address: str) -> str:
    """A file name for the recipient that reveals nothing of the address."""
    return hashlib.blake2b(f"{channel}\0{address}".encode(), digest_size=12).hexdigest()


def _migrate(conn: sqlite3.Connection, apply: bool) -> MigrationReport:
    """Apply pending migrations one transaction each; BEGIN IMMEDIATE takes the write lock
    first, so two processes opening a new store together apply each migration once."""
    migrations = load_migrations("sqlite")
    conn.execute(CREATE_LOG_TABLE)
    applied = {r[0]: r[1] for r in conn.execute("SELECT version, checksum FROM schema_migrations")}
    before = max(applied, default=0)
    report = MigrationReport("sqlite", before=before, after=before, latest=len(migrations),
                             pending=[m.label for m in plan(migrations, applied)])
    if not apply:
        return report
    for migration in plan(migrations, applied):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?",
                            (migration.version,)).fetchone() is None:
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations(version, name, checksum, applied_at) "
                             "VALUES (?, ?, ?, ?)", (migration.version, migration.name,
                                                     migration.checksum, utcnow_iso()))
                report.applied.append(migration.label)
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:  # BEGIN itself may have failed (locked)
                conn.execute("ROLLBACK")
            raise
    report.pending = []
    report.after = max(before, len(migrations))
    return report
