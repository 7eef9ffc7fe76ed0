"""PostgresStore: the Store on PostgreSQL (psycopg 3), shared by processes on many machines.

URL: ``postgresql://user:password@host:5432/dbname`` (or ``postgres://``), any libpq
parameter in the query (``?sslmode=require&connect_timeout=5``), plus one of ours:
``migrate=false`` makes the store refuse to start on an out-of-date schema instead of
migrating it (for roles without DDL rights; run ``euradar migrate`` with an owner's URL).

Three layers, one module each: connections with reconnect-once
(:mod:`~euradar.infra.store.postgres_base`), the alert ledger, batching window and recipient
locks that make several alerters safe on one store (:mod:`~euradar.infra.store.postgres_alerts`),
and here the rest of the Store: subscriptions, items, sources, digests and migrations.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from euradar.core.errors import ConfigError
from euradar.core.models import Item, utcnow_iso
from euradar.core.ports import SourceState
from euradar.core.subscriptions import Subscription
from euradar.infra.store.postgres_alerts import PostgresAlertLedger
from euradar.infra.store.postgres_base import Row, connect, parse_url, redact
from euradar.infra.store.schema import (
    CREATE_LOG_TABLE,
    STATUS_PAGE,
    MigrationReport,
    load_migrations,
    plan,
)

__all__ = ["PostgresStore", "parse_url", "redact"]
# One advisory-lock key for "migrating": concurrent starters wait instead of racing.
_MIGRATION_LOCK = 0x6575726164617201


class PostgresStore(PostgresAlertLedger):
    """The Store on PostgreSQL: subscriptions, items, sources and digests here; the alert
    ledger in :class:`PostgresAlertLedger`; connections in :class:`PostgresConnection`."""

    def __init__(self, url: str):
        super().__init__(url)
        report = self._call(lambda c: _migrate(c, apply=self._auto_migrate))
        if report.pending:
            raise ConfigError(f"store schema is at version {report.before}, this euradar needs "
                              f"{report.latest} (pending: {', '.join(report.pending)}): run "
                              "`euradar migrate` or drop ?migrate=false")

    @classmethod
    def migrate(cls, url: str, apply: bool = True) -> MigrationReport:
        """Apply the pending migrations (``apply``) or only report them."""
        conninfo, _ = parse_url(url)
        with connect(conninfo) as conn:
            return _migrate(conn, apply)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers (a health probe)."""
        self._one("SELECT 1 AS ok")

    # -- subscriptions -------------------------------------------------------------------------

    def save_subscription(self, sub: Subscription) -> Subscription:
        self._run("INSERT INTO subscriptions(id, data, updated) VALUES (%s, %s, %s) "
                  "ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
                  (sub.id, json.dumps(sub.to_dict(), ensure_ascii=False), utcnow_iso()))
        return sub

    def get_subscription(self, sub_id: str) -> Subscription | None:
        row = self._one("SELECT data FROM subscriptions WHERE id = %s", (sub_id,))
        return Subscription.from_dict(json.loads(row["data"])) if row else None

    def list_subscriptions(self, active_only: bool = False) -> list[Subscription]:
        subs = [Subscription.from_dict(json.loads(r["data"]))
                for r in self._all("SELECT data FROM subscriptions ORDER BY id")]
        return [s for s in subs if s.active] if active_only else subs

    def delete_subscription(self, sub_id: str) -> bool:
        return self._run("DELETE FROM subscriptions WHERE id = %s", (sub_id,)) > 0

    # -- items ---------------------------------------------------------------------------------

    def last_item(self, item_id: str) -> Item | None:
        row = self._one("SELECT doc FROM items WHERE id = %s", (item_id,))
        return Item.from_dict(json.loads(row["doc"])) if row else None

    def record_item(self, item: Item, changes: Sequence[Any]) -> None:
        self.record_items([(item, changes)])

    def record_items(self, entries: Sequence[tuple[Item, Sequence[Any]]]) -> None:
        """One transaction, statements pipelined (a crawl's flush costs a few round trips, not
        four per item); rows in id order, so two publishers never deadlock each other."""
        items, versions = [], []
        for item, changes in sorted(entries, key=lambda e: (e[0].id, e[0].version)):
            doc = json.dumps(item.to_dict(), ensure_ascii=False)
            change_list = [c if isinstance(c, dict) else dataclasses.asdict(c) for c in changes]
            items.append((item.id, item.version, item.status, doc))
            versions.append((item.id, item.version, item.fetched_at or utcnow_iso(),
                             item.content_hash,
                             json.dumps(change_list, ensure_ascii=False, default=str), doc))

        def work(conn: psycopg.Connection[Row]) -> None:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO items(id, version, status, doc) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
                    "status = excluded.status, doc = excluded.doc "
                    "WHERE excluded.version >= items.version", items)
                cur.executemany(
                    "INSERT INTO item_versions(id, version, seen_at, content_hash, changes, doc) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", versions)
        if entries:
            self._call(work)

    def items_with_status(self, statuses: Sequence[str]) -> Iterator[Item]:
        after = ""
        while True:  # keyset pages, so the start-of-day sweep never holds every open item
            rows = self._all("SELECT id, doc FROM items WHERE status = ANY(%s) AND id > %s "
                             "ORDER BY id LIMIT %s", (list(statuses), after, STATUS_PAGE))
            for r in rows:
                yield Item.from_dict(json.loads(r["doc"]))
            if len(rows) < STATUS_PAGE:
                return
            after = rows[-1]["id"]

    def item_history(self, item_id: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT version, seen_at, content_hash, changes FROM item_versions "
                         "WHERE id = %s ORDER BY version", (item_id,))
        return [{**r, "changes": json.loads(r["changes"])} for r in rows]

    # -- sources -------------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        row = self._one("SELECT data FROM sources WHERE name = %s", (name,))
        return SourceState(**json.loads(row["data"])) if row else SourceState(name=name)

    def save_source_state(self, state: SourceState) -> None:
        self._run("INSERT INTO sources(name, data) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                  "SET data = excluded.data", (state.name, json.dumps(dataclasses.asdict(state))))

    def list_source_states(self) -> list[SourceState]:
        return [SourceState(**json.loads(r["data"]))
                for r in self._all("SELECT data FROM sources ORDER BY name")]

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self._one("SELECT etag, last_modified FROM validators WHERE url = %s", (url,))
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._run("INSERT INTO validators(url, etag, last_modified) VALUES (%s, %s, %s) "
                  "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
                  "last_modified = excluded.last_modified", (url, etag, last_modified))

    # -- digests -------------------------------------------------------------------------------

    def claim_digest(self, email: str, period: str) -> bool:
        def work(conn: psycopg.Connection[Row]) -> bool:
            with conn.transaction():
                conn.execute("INSERT INTO digest_log(email, period, claimed_at) VALUES (%s, %s, %s) "
                             "ON CONFLICT DO NOTHING", (email, period, utcnow_iso()))
                row = conn.execute("SELECT sent_at FROM digest_log WHERE email = %s AND "
                                   "period = %s FOR UPDATE", (email, period)).fetchone()
            return row is not None and row["sent_at"] is None
        return self._call(work)

    def release_digest(self, email: str, period: str) -> None:
        self._run("DELETE FROM digest_log WHERE email = %s AND period = %s AND sent_at IS NULL",
                  (email, period))

    def mark_digest_sent(self, email: str, period: str, items: int) -> None:
        self._run("UPDATE digest_log SET sent_at = %s, items = %s WHERE email = %s AND period = %s",
                  (utcnow_iso(), items, email, period))

    def digest_log(self, email: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM digest_log" + (" WHERE email = %s" if email else "")
        return self._all(sql + " ORDER BY claimed_at, email", (email,) if email else ())

    def changed_versions(self, since: str, until: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT id, version, seen_at, changes FROM item_versions WHERE "
                         "version > 1 AND seen_at >= %s AND seen_at < %s ORDER BY seen_at, id",
                         (since, until))
        return [{**r, "changes": json.loads(r["changes"])} for r in rows]


def _migrate(conn: psycopg.Connection[Row], apply: bool) -> MigrationReport:
    """Apply pending migrations in one transaction under an advisory lock, so processes that
    start together on a new database apply each migration exactly once (DDL is transactional
    in PostgreSQL: a failing migration leaves the schema as it was)."""
    migrations = load_migrations("postgres")
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(CREATE_LOG_TABLE)
        applied = {r["version"]: r["checksum"]
                   for r in conn.execute("SELECT version, checksum FROM schema_migrations")}
        todo = plan(migrations, applied)
        before = max(applied, default=0)
        report = MigrationReport("postgres", before=before, after=before, latest=len(migrations),
                                 pending=[m.label for m in todo])
        if not apply or not todo:
            return report
        for migration in todo:
            conn.execute(migration.sql.encode("utf-8"))
            conn.execute("INSERT INTO schema_migrations(version, name, checksum, applied_at) "
                         "VALUES (%s, %s, %s, %s)", (migration.version, migration.name,
                                                     migration.checksum, utcnow_iso()))
            report.applied.append(migration.label)
    report.pending = []
    report.after = max(before, len(migrations))
    return report
