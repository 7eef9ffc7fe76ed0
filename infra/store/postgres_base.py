"""The connection side of :class:`~euradar.infra.store.postgres.PostgresStore`.

One connection for statements (serialised by a lock: the roles and the web server of one
process share it) and one for advisory locks. A dropped connection is reopened once per call;
if that fails too, :class:`StoreUnavailable` (transient: the consumer backs off and retries
without committing). Every write is idempotent, so the retry is safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# An ImportError here is turned into "pip install euradar[postgres]" by euradar.core.registry.
import psycopg
from psycopg.rows import dict_row

from euradar.core.errors import ConfigError, StoreUnavailable

log = logging.getLogger(__name__)
Row = dict[str, Any]
T = TypeVar("T")


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


class PostgresConnection:
    """The statement and lock connections of one store, with reconnect-once."""

    def __init__(self, url: str):
        self.url = redact(url)
        self._conninfo, self._auto_migrate = parse_url(url)
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Row] | None = None
        self._lock_conn: psycopg.Connection[Row] | None = None
        self._lock_mutex = threading.Lock()
        self._held: set[tuple[str, str]] = set()

    # -- connections ---------------------------------------------------------------------------

    def _call(self, work: Callable[[psycopg.Connection[Row]], T]) -> T:
        """Run ``work`` on the statement connection; reconnect once if it was dropped."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = connect(self._conninfo)
                try:
                    return work(self._conn)
                except psycopg.OperationalError as exc:
                    self._discard()
                    if attempt == 2:
                        raise StoreUnavailable(f"postgres {self.url}: {exc}") from exc
                    log.warning("postgres connection lost (%s); reconnecting", exc)
            raise AssertionError("unreachable")

    def _discard(self) -> None:
        _close_quietly(self._conn)
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

    def close(self) -> None:
        with self._lock:
            self._discard()
        with self._lock_mutex:
            _close_quietly(self._lock_conn)
            self._lock_conn = None
            self._held.clear()


def connect(conninfo: str) -> psycopg.Connection[Row]:
    try:
        return psycopg.connect(conninfo, autocommit=True, row_factory=dict_row,
                               connect_timeout=10, application_name="euradar")
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"postgres {redact(conninfo)}: {exc}".strip()) from exc


def _close_quietly(conn: psycopg.Connection[Any] | None) -> None:
    """Close a connection we are giving up on; one that is already broken may fail to close."""
    if conn is not None:
        try:
            conn.close()
        except psycopg.Error:
            pass
