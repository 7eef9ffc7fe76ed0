"""SqliteStore: subscriptions, item versions, source health, HTTP validators and the alert ledger.

``memory://`` gives the same store on an in-memory database (tests); a file URL is shared by the
crawler and consumer processes in WAL mode.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from typing import Any, Sequence

from euradar.models import Item, utcnow_iso
from euradar.ports import SourceState
from euradar.subscriptions import Subscription
from infra.sqlite_util import connect, path_from_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, data TEXT NOT NULL, updated TEXT);
CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_versions (
    id TEXT NOT NULL, version INTEGER NOT NULL, seen_at TEXT NOT NULL, content_hash TEXT,
    changes TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (id, version));
CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
CREATE TABLE IF NOT EXISTS alert_ledger (
    sub_id TEXT NOT NULL, item_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
    claimed_at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (sub_id, item_id, version, kind));
"""


class SqliteStore:
    def __init__(self, url: str = "memory://"):
        self.url = url
        self._conn = connect(path_from_url(url))
        self._conn.executescript(_SCHEMA)
        self._lock = threading.RLock()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

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
        doc = json.dumps(item.to_dict(), ensure_ascii=False)
        change_list = [c if isinstance(c, dict) else dataclasses.asdict(c) for c in changes]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT INTO items(id, version, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE "
                    "SET version = excluded.version, doc = excluded.doc "
                    "WHERE excluded.version >= items.version", (item.id, item.version, doc))
                self._conn.execute(
                    "INSERT OR IGNORE INTO item_versions(id, version, seen_at, content_hash, changes,"
                    " doc) VALUES (?, ?, ?, ?, ?, ?)",
                    (item.id, item.version, item.fetched_at or utcnow_iso(), item.content_hash,
                     json.dumps(change_list, ensure_ascii=False, default=str), doc))
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                self._conn.execute("ROLLBACK")
                raise

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

    def close(self) -> None:
        with self._lock:
            self._conn.close()
