"""``euradar migrate``: the store's schema version, what is pending, applying it."""

from __future__ import annotations

import json
import sqlite3

from euradar.cli.main import main


def test_migrate_status_then_apply_on_a_new_sqlite_store(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("EURADAR_STORE", raising=False)
    assert main(["--data-dir", str(tmp_path), "migrate", "--status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["before"] == 0 and status["pending"] == ["0001_initial"] and status["applied"] == []
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 0
    out = capsys.readouterr().out
    assert "applied 0001_initial" in out and "up to date" in out
    conn = sqlite3.connect(tmp_path / "store.db")
    assert conn.execute("SELECT version, name FROM schema_migrations").fetchall() == [(1, "initial")]
    assert main(["--data-dir", str(tmp_path), "migrate", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["applied"] == [] and again["after"] == again["latest"] == 1


def test_a_store_made_before_versioned_migrations_is_adopted(tmp_path, monkeypatch, capsys):
    """An existing store (tables, no schema_migrations) keeps its data and becomes version 1."""
    monkeypatch.delenv("EURADAR_STORE", raising=False)
    conn = sqlite3.connect(tmp_path / "store.db")
    conn.execute("CREATE TABLE subscriptions (id TEXT PRIMARY KEY, data TEXT NOT NULL, updated TEXT)")
    conn.execute("INSERT INTO subscriptions VALUES (?, ?, NULL)",
                 ("s1", json.dumps({"id": "s1", "email": "a@x.fi"})))
    conn.commit()
    conn.close()
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "subscriptions", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == ["s1"]
