"""A fresh PostgreSQL database per test, on the cluster named by ``EURADAR_TEST_POSTGRES_URL``
(``bash infra/postgres.sh start``; ``bash test.sh`` starts one and exports the URL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextmanager
def fresh_database(url: str, label: str = "t") -> Iterator[str]:
    """Create a database with a unique name, yield its URL, drop it (and its sessions) after."""
    import psycopg

    name = f"euradar_{label}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def probe(url: str) -> str | None:
    """None when the server answers, else the reason."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure is reported, not raised
        return f"{type(exc).__name__}: {exc}"
    return None
