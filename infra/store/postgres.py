"""PostgresStore: the Store on PostgreSQL (psycopg 3), shared by processes on many machines.

URL: ``postgresql://user:password@host:5432/dbname`` (or ``postgres://``), any libpq
parameter in the query (``?sslmode=require&connect_timeout=5``), plus one of ours:
``migrate=false`` makes the store refuse to start on an out-of-date schema instead of
migrating it (for roles without DDL rights; run ``euradar migrate`` with an owner's URL).

Concurrency, which is why this backend exists (several alerters on one ledger):

* ``enqueue_alert`` claims and parks in one transaction, reading the ledger row ``FOR UPDATE``:
  an alert being completed by another alerter at that moment is waited for and seen as sent.
* ``recipient_lock`` is a session-level advisory lock on a connection of its own. PostgreSQL
  releases it when that session ends, so an alerter killed mid-batch leaves nothing locked.
* ``complete_alerts`` marks the ledger and deletes the parked rows in one transaction.

Connection handling: one connection for statements (serialised by a lock: the roles and the
web server of one process share it) and one for advisory locks. A dropped connection is
reopened once per call; if that fails too, :class:`StoreUnavailable` (transient: the consumer
backs off and retries without committing). Every write is idempotent, so the retry is safe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# An ImportError here is turned into "pip install euradar[postgres]" by euradar.core.registry.
import psycopg
from psycopg.rows import dict_row

from euradar.core.errors import ConfigError, StoreUnavailable
from euradar.core.models import Item, utcnow_iso
from euradar.core.ports import PendingAlert, SourceState
from euradar.core.subscriptions import Subscription
from euradar.infra.store.schema import (
    CREATE_LOG_TABLE,
    STATUS_PAGE,
    MigrationReport,
    load_migrations,
    plan,
)

log = logging.getLogger(__name__)
AlertKey = tuple[str, str, int, str]
Row = dict[str, Any]
T = TypeVar("T")
_KEY = "sub_id = %s AND item_id = %s AND version = %s AND kind = %s"
# One advisory-lock key for "migrating": concurrent starters wait instead of racing.
_MIGRATION_LOCK = 0x6575726164617201


def parse_url(url: str) -> tuple[str, bool]:
    """(libpq conninfo URL, auto-migrate) from an ``EURADAR_STORE`` URL (pure)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"not a PostgreSQL URL: {redact(url)} (postgresql://user@host/db)")
    params, migrate = [], True
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "migrate":
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ConfigError(f"EURADAR_STORE: migrate must be true or false, got {value!r}")
            migrate = value.lower() in ("true", "1", "yes")
        else:
            params.append((key, value))
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(params), "")), migrate


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _lock_id(channel: str, address: str) -> int:
    digest = hashlib.blake2b(f"{channel}\0{address}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStore:
    def __init__(self, url: str):
        self.url = redact(url)
        self._conninfo, auto_migrate = parse_url(url)
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Row] | None = None
        self._lock_conn: psycopg.Connection[Row] | None = None
        self._lock_mutex = threading.Lock()
        self._held: set[tuple[str, str]] = set()
        report = self._call(lambda c: _migrate(c, apply=auto_migrate))
        if report.pending:
            raise ConfigError(f"store schema is at version {report.before}, this euradar needs "
                              f"{report.latest} (pending: {', '.join(report.pending)}): run "
                              "`euradar migrate` or drop ?migrate=false")

    @classmethod
    def migrate(cls, url: str, apply: bool = True) -> MigrationReport:
        """Apply the pending migrations (``apply``) or only report them."""
        conninfo, _ = parse_url(url)
        with _connect(conninfo) as conn:
            return _migrate(conn, apply)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers (a health probe)."""
        self._one("SELECT 1 AS ok")

    # -- connections ---------------------------------------------------------------------------

    def _call(self, work: Callable[[psycopg.Connection[Row]], T]) -> T:
        """Run ``work`` on the statement connection; reconnect once if it was dropped."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = _connect(self._conninfo)
                try:
                    return work(self._conn)
                except psycopg.OperationalError as exc:
                    self._discard()
                    if attempt == 2:
                        raise StoreUnavailable(f"postgres {self.url}: {exc}") from exc
                    log.warning("postgres connection lost (%s); reconnecting", exc)
            raise AssertionError("unreachable")

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
        self._conn = None

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._call(lambda c: c.execute(sql, params).fetchone())

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._call(lambda c: c.execute(sql, params).fetchall())

    def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._call(lambda c: c.execute(sql, params).rowcount)

    def _transaction(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        def work(conn: psycopg.Connection[Row]) -> None:
            with conn.transaction(), conn.pipeline():  # one round trip, not one per statement
                for sql, params in statements:
                    conn.execute(sql, params)
        self._call(work)

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

    # -- the alert ledger ----------------------------------------------------------------------

    def claim_alert(self, sub_id: str, item_id: str, version: int, kind: str) -> bool:
        """True unless this alert was already *sent* (an unsent claim left by a consumer that
        died is claimable again, so a crash never loses an alert)."""
        key = (sub_id, item_id, version, kind)

        def work(conn: psycopg.Connection[Row]) -> bool:
            with conn.transaction():
                conn.execute("INSERT INTO alert_ledger(sub_id, item_id, version, kind, claimed_at) "
                             "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                             (*key, utcnow_iso()))
                row = conn.execute(f"SELECT sent_at FROM alert_ledger WHERE {_KEY} FOR UPDATE",
                                   key).fetchone()
            return row is not None and row["sent_at"] is None
        return self._call(work)

    def release_alert(self, sub_id: str, item_id: str, version: int, kind: str) -> None:
        self._run(f"DELETE FROM alert_ledger WHERE {_KEY} AND sent_at IS NULL",
                  (sub_id, item_id, version, kind))

    def mark_alert_sent(self, sub_id: str, item_id: str, version: int, kind: str) -> None:
        self._run(f"UPDATE alert_ledger SET sent_at = %s WHERE {_KEY}",
                  (utcnow_iso(), sub_id, item_id, version, kind))

    def alert_log(self, sub_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM alert_ledger" + (" WHERE sub_id = %s" if sub_id else "")
        return self._all(sql + " ORDER BY claimed_at, item_id", (sub_id,) if sub_id else ())

    # -- pending alerts: the batching window ---------------------------------------------------

    def enqueue_alert(self, key: AlertKey, channel: str, address: str, data: dict[str, Any],
                      queued_at: str) -> bool:
        """Claim ``key`` and park the alert in one transaction; False when it was already sent
        or is already parked."""
        return self.enqueue_alerts([PendingAlert(key, channel, address, data, queued_at)]) == 1

    def enqueue_alerts(self, entries: Sequence[PendingAlert]) -> int:
        """Claim and park a bus batch's alerts in one transaction of three statements.

        The ledger rows are read ``FOR UPDATE`` in key order: a concurrent ``complete_alerts``
        of the same key is waited for and then seen as sent, so a completed alert is never
        parked again; the fixed order keeps two alerters from deadlocking each other.
        """
        # Arrays go as binary parameters (%b): psycopg's text-format array dumper escapes every
        # element with a regular expression, 1 s for 64 parked items with their texts.
        by_key = {e.key: e for e in entries}  # one entry per key; the first queued_at wins
        keys = sorted(by_key)
        if not keys:
            return 0
        columns = [list(col) for col in zip(*keys, strict=True)]
        now = utcnow_iso()

        def work(conn: psycopg.Connection[Row]) -> int:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO alert_ledger(sub_id, item_id, version, kind, claimed_at) "
                    "SELECT k.*, %s FROM unnest(%b::text[], %b::text[], %b::int[], %b::text[]) "
                    "AS k(sub_id, item_id, version, kind) ORDER BY 1, 2, 3, 4 "
                    "ON CONFLICT DO NOTHING", (now, *columns))
                rows = conn.execute(
                    "SELECT l.sub_id, l.item_id, l.version, l.kind, l.sent_at FROM alert_ledger l "
                    "JOIN unnest(%b::text[], %b::text[], %b::int[], %b::text[]) "
                    "AS k(sub_id, item_id, version, kind) USING (sub_id, item_id, version, kind) "
                    "ORDER BY 1, 2, 3, 4 FOR UPDATE OF l", columns).fetchall()
                unsent = [by_key[(r["sub_id"], r["item_id"], r["version"], r["kind"])]
                          for r in rows if r["sent_at"] is None]
                if not unsent:
                    return 0
                cur = conn.execute(
                    "INSERT INTO pending_alerts(sub_id, item_id, version, kind, channel, address, "
                    "data, queued_at) SELECT * FROM unnest(%b::text[], %b::text[], %b::int[], "
                    "%b::text[], %b::text[], %b::text[], %b::text[], %b::text[]) "
                    "ORDER BY 1, 2, 3, 4 ON CONFLICT DO NOTHING",
                    ([e.key[0] for e in unsent], [e.key[1] for e in unsent],
                     [e.key[2] for e in unsent], [e.key[3] for e in unsent],
                     [e.channel for e in unsent], [e.address for e in unsent],
                     [json.dumps(e.data, ensure_ascii=False, default=str) for e in unsent],
                     [e.queued_at for e in unsent]))
                return cur.rowcount
        return self._call(work)

    def due_alert_addresses(self, queued_before: str, now: str) -> list[tuple[str, str]]:
        rows = self._all(
            "SELECT channel, address FROM pending_alerts GROUP BY channel, address "
            "HAVING MIN(queued_at) <= %s AND COALESCE(MAX(not_before), '') <= %s "
            "ORDER BY MIN(queued_at), channel, address", (queued_before, now))
        return [(r["channel"], r["address"]) for r in rows]

    def pending_alerts(self, channel: str | None = None,
                       address: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM pending_alerts", []
        if channel is not None:
            sql += " WHERE channel = %s AND address = %s"
            params = [channel, address]
        rows = self._all(sql + " ORDER BY queued_at, item_id", params)
        return [{**r, "data": json.loads(r["data"])} for r in rows]

    def complete_alerts(self, keys: Sequence[AlertKey]) -> None:
        """Mark sent and forget the parked rows in one transaction. The ledger rows are locked
        first in key order (the order ``enqueue_alerts`` locks in, so the two never deadlock),
        then updated and deleted set-wise: four statements whatever the batch size."""
        self._settle(keys, "UPDATE alert_ledger l SET sent_at = %s FROM {keys} "
                           "WHERE (l.sub_id, l.item_id, l.version, l.kind) = "
                           "(k.sub_id, k.item_id, k.version, k.kind)", (utcnow_iso(),))

    def drop_alerts(self, keys: Sequence[AlertKey]) -> None:
        """Forget the parked rows and release the unsent claims (a permanent failure)."""
        self._settle(keys, "DELETE FROM alert_ledger l USING {keys} "
                           "WHERE (l.sub_id, l.item_id, l.version, l.kind) = "
                           "(k.sub_id, k.item_id, k.version, k.kind) AND l.sent_at IS NULL", ())

    def _settle(self, keys: Sequence[AlertKey], ledger_sql: str, ledger_params: tuple[Any, ...]) -> None:
        if not keys:
            return
        columns = [list(col) for col in zip(*sorted(set(keys)), strict=True)]
        unnest = ("unnest(%b::text[], %b::text[], %b::int[], %b::text[]) "
                  "AS k(sub_id, item_id, version, kind)")

        def work(conn: psycopg.Connection[Row]) -> None:
            with conn.transaction():
                conn.execute(f"SELECT 1 FROM alert_ledger l JOIN {unnest} "
                             "USING (sub_id, item_id, version, kind) ORDER BY l.sub_id, "
                             "l.item_id, l.version, l.kind FOR UPDATE OF l", columns)
                conn.execute(ledger_sql.format(keys=unnest), (*ledger_params, *columns))
                conn.execute(f"DELETE FROM pending_alerts p USING {unnest} "
                             "WHERE (p.sub_id, p.item_id, p.version, p.kind) = "
                             "(k.sub_id, k.item_id, k.version, k.kind)", columns)
        self._call(work)

    def defer_alerts(self, channel: str, address: str, not_before: str, error: str) -> None:
        self._run("UPDATE pending_alerts SET not_before = %s, attempts = attempts + 1, "
                  "last_error = %s WHERE channel = %s AND address = %s",
                  (not_before, error[:500], channel, address))

    @contextmanager
    def recipient_lock(self, channel: str, address: str) -> Iterator[bool]:
        """Yield True while this caller alone may flush (channel, address), else False.

        Threads of this process: a set of held keys (advisory locks are re-entrant within one
        session, so they cannot tell two threads apart). Other processes: a session-level
        advisory lock on the lock connection, released by PostgreSQL if this process dies.
        """
        key = (channel, address)
        acquired = self._acquire(key)
        try:
            yield acquired
        finally:
            if acquired:
                self._release(key)

    def _lock_call(self, sql: str, lock_id: int) -> bool:
        with self._lock_mutex:
            try:
                if self._lock_conn is None or self._lock_conn.closed:
                    self._lock_conn = _connect(self._conninfo)
                row = self._lock_conn.execute(sql, (lock_id,)).fetchone()
            except psycopg.OperationalError as exc:
                # The session is gone and so are its locks: nothing is held any more.
                self._lock_conn = None
                self._held.clear()
                raise StoreUnavailable(f"postgres {self.url}: {exc}") from exc
            return bool(row and row["ok"])

    def _acquire(self, key: tuple[str, str]) -> bool:
        with self._lock_mutex:
            if key in self._held:
                return False
            self._held.add(key)
        try:
            ok = self._lock_call("SELECT pg_try_advisory_lock(%s) AS ok", _lock_id(*key))
        except BaseException:
            with self._lock_mutex:
                self._held.discard(key)
            raise
        if not ok:
            with self._lock_mutex:
                self._held.discard(key)
        return ok

    def _release(self, key: tuple[str, str]) -> None:
        try:
            self._lock_call("SELECT pg_advisory_unlock(%s) AS ok", _lock_id(*key))
        except StoreUnavailable as exc:
            log.warning("releasing the lock on %s: %s (the session and its locks are gone)",
                        key[0], exc)
        finally:
            with self._lock_mutex:
                self._held.discard(key)

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

    def close(self) -> None:
        with self._lock:
            self._discard()
        with self._lock_mutex:
            if self._lock_conn is not None:
                try:
                    self._lock_conn.close()
                except psycopg.Error:
                    pass
                self._lock_conn = None
            self._held.clear()


def _connect(conninfo: str) -> psycopg.Connection[Row]:
    try:
        return psycopg.connect(conninfo, autocommit=True, row_factory=dict_row,
                               connect_timeout=10, application_name="euradar")
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"postgres {redact(conninfo)}: {exc}".strip()) from exc


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
