"""The alert side of :class:`~euradar.infra.store.postgres.PostgresStore`: the ledger of
sent alerts, the parked alerts of the batching window, and the per-recipient lock.

Concurrency, which is why this backend exists (several alerters on one ledger):

* ``enqueue_alerts`` claims and parks in one transaction, reading the ledger rows ``FOR UPDATE``
  in key order: an alert being completed by another alerter at that moment is waited for and
  seen as sent, and two alerters never deadlock.
* ``recipient_lock`` is a session-level advisory lock on a connection of its own. PostgreSQL
  releases it when that session ends, so an alerter killed mid-batch leaves nothing locked.
* ``complete_alerts`` marks the ledger and deletes the parked rows in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from euradar.core.errors import StoreUnavailable
from euradar.core.models import utcnow_iso
from euradar.core.ports import PendingAlert
from euradar.infra.store.postgres_base import PostgresConnection, Row, connect

log = logging.getLogger(__name__)
AlertKey = tuple[str, str, int, str]
_KEY = "sub_id = %s AND item_id = %s AND version = %s AND kind = %s"


def _lock_id(channel: str, address: str) -> int:
    digest = hashlib.blake2b(f"{channel}\0{address}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresAlertLedger(PostgresConnection):
    """Alert ledger, pending alerts and recipient locks on the store's connections."""

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
                    self._lock_conn = connect(self._conninfo)
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
