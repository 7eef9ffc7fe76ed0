"""Shared SQLite connection setup for the embedded backends."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def path_from_url(url: str) -> str:
    """``sqlite:////abs/path.db`` or ``sqlite:///rel.db`` -> filesystem path; ``memory://`` -> ':memory:'."""
    if url.startswith("memory://") or url in ("sqlite://", "sqlite:///:memory:"):
        return ":memory:"
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a sqlite URL: {url!r}")
    return url[len("sqlite:///"):] if url.startswith("sqlite:////") else url[len("sqlite:///"):]


def connect(path: str) -> sqlite3.Connection:
    """Open ``path`` in WAL mode so a reader never blocks the writer (crawler and consumers
    are separate processes on one database in embedded mode)."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    if path != ":memory:":
        retry_locked(lambda: conn.execute("PRAGMA journal_mode=WAL"))
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def retry_locked(step: Callable[[], T], seconds: float = 30.0) -> T:
    """Run ``step``, again while SQLite says the database is locked. Switching a new database
    to WAL takes an exclusive lock and, when two processes open it at the same moment, one
    gets "database is locked" at once rather than waiting out the busy timeout (two alerters
    starting together on a fresh index did)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
