"""The unchanged store contract on real PostgreSQL, plus what only a server database has:
migrations applied once by concurrent starters, a refused out-of-date schema, reconnection.

Run: ``bash infra/postgres.sh start`` then
``EURADAR_TEST_POSTGRES_URL=$(bash infra/postgres.sh url) pytest tests/contract/test_postgres_store.py``.
Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import threading

import pytest

from tests.contract.store_contract import StoreContract
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.services


@pytest.fixture
def pg_db(postgres_url):
    with fresh_database(postgres_url, "store") as url:
        yield url


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store_url(self, pg_db):
        return pg_db

    @pytest.fixture
    def store(self, store_url):
        from euradar.infra.store.postgres import PostgresStore

        s = PostgresStore(store_url)
        yield s
        s.close()

    @pytest.fixture
    def store_twin_factory(self, store, store_url):
        from euradar.infra.store.postgres import PostgresStore

        opened = []

        def twin():
            opened.append(PostgresStore(store_url))
            return opened[-1]

        yield twin
        for s in opened:
            s.close()


def test_registry_opens_postgres_by_scheme(pg_db):
    from euradar.core.registry import open_store
    from euradar.infra.store.postgres import PostgresStore

    for url in (pg_db, pg_db.replace("postgresql://", "postgres://", 1)):
        store = open_store(url)
        try:
            assert isinstance(store, PostgresStore)
            assert "***" in store.url or "@" not in store.url  # no password in its name
        finally:
            store.close()


def test_concurrent_starters_apply_each_migration_once(pg_db):
    from euradar.infra.store.postgres import PostgresStore

    stores, errors = [], []

    def start():
        try:
            stores.append(PostgresStore(pg_db))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        rows = stores[0]._all("SELECT version, name FROM schema_migrations ORDER BY version")
        report = PostgresStore.migrate(pg_db, apply=False)
        assert [r["version"] for r in rows] == list(range(1, report.latest + 1))
    finally:
        for s in stores:
            s.close()


def test_migrate_false_refuses_an_out_of_date_schema_and_migrate_fixes_it(pg_db):
    from euradar.core.errors import ConfigError
    from euradar.infra.store.postgres import PostgresStore

    with pytest.raises(ConfigError, match="euradar migrate"):
        PostgresStore(pg_db + "?migrate=false")
    report = PostgresStore.migrate(pg_db, apply=False)
    assert report.before == 0 and report.pending and report.applied == []
    report = PostgresStore.migrate(pg_db)
    assert report.after == report.latest and report.applied and report.pending == []
    PostgresStore(pg_db + "?migrate=false").close()


def test_an_edited_migration_is_refused(pg_db):
    from euradar.core.errors import ConfigError
    from euradar.infra.store.postgres import PostgresStore

    PostgresStore(pg_db).close()
    store = PostgresStore(pg_db)
    try:
        store._run("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    finally:
        store.close()
    with pytest.raises(ConfigError, match="edited after it was applied"):
        PostgresStore(pg_db)


def test_a_dropped_connection_is_reopened(pg_db, postgres_url):
    import psycopg

    from euradar.core.subscriptions import Subscription
    from euradar.infra.store.postgres import PostgresStore

    store = PostgresStore(pg_db)
    try:
        store.ping()
        store.save_subscription(Subscription.from_dict({"id": "s1", "email": "a@x.fi"}))
        pid = store._one("SELECT pg_backend_pid() AS pid")["pid"]
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert store.get_subscription("s1").email == "a@x.fi"  # reconnected transparently
        assert store._one("SELECT pg_backend_pid() AS pid")["pid"] != pid
    finally:
        store.close()


def test_an_unreachable_server_is_a_transient_error():
    from euradar.core.errors import StoreUnavailable
    from euradar.infra.store.postgres import PostgresStore
    from tests.support.smtp import free_port

    with pytest.raises(StoreUnavailable) as info:
        PostgresStore(f"postgresql://euradar:secret@127.0.0.1:{free_port()}/euradar?connect_timeout=2")
    assert "secret" not in str(info.value)


def test_cli_migrate_on_postgres(pg_db, monkeypatch, capsys, tmp_path):
    import json

    from euradar.cli.main import main

    monkeypatch.setenv("EURADAR_STORE", pg_db)
    assert main(["--data-dir", str(tmp_path), "migrate", "--status"]) == 0
    assert "postgres store at schema version 0 of" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "migrate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dialect"] == "postgres" and report["applied"] and report["after"] == report["latest"]
    assert main(["--data-dir", str(tmp_path), "subscribe", "--email", "eu@kemi.fi", "--theme", "T3"]) == 0
    assert main(["--data-dir", str(tmp_path), "subscriptions", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("["):])[0]["email"] == "eu@kemi.fi"
