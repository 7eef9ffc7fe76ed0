"""What only the embedded index has to get right: opening data directories of the FTS5 version,
rebuilding its Tantivy side from the stored documents, several processes on one index, and
facets with more values than its bit masks hold."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from euradar.core.ports import Query
from euradar.infra.index import embedded
from euradar.infra.index.embedded import MARKER, EmbeddedIndex
from tests.contract.sample_items import sample_items

# The tables of the FTS5 index this one replaced (commit 17fb32a, infra/index/sqlite.py).
LEGACY_SCHEMA = """
CREATE TABLE items (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT, status TEXT, lang TEXT,
    programme TEXT, source TEXT, first_seen TEXT
);
CREATE TABLE item_tags (id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);
CREATE VIRTUAL TABLE items_fts USING fts5(id UNINDEXED, title, body);
"""


def _ids(page) -> set[str]:
    return {h.item.id for h in page.hits}


def test_a_data_directory_of_the_fts5_version_opens_and_is_searchable(tmp_path, caplog):
    db = tmp_path / "index.db"
    conn = sqlite3.connect(db)
    conn.executescript(LEGACY_SCHEMA)
    for item in sample_items():
        conn.execute("INSERT INTO items(id, doc, kind, status) VALUES (?, ?, ?, ?)",
                     (item.id, json.dumps(item.to_dict()), item.kind, item.status))
        conn.execute("INSERT INTO items_fts(id, title, body) VALUES (?, ?, ?)",
                     (item.id, item.title, item.text))
    conn.commit()
    conn.close()

    index = EmbeddedIndex(f"sqlite:///{db}")
    assert index.count() == 5
    assert _ids(index.search(Query(text="hydrogen OR textile"))) == {
        "url:presscorner-1", "ft:HORIZON-CL6-2026-01-CIRCBIO-07"}
    assert "dropped the old FTS5 table items_fts" in caplog.text
    assert "building the search index from 5 stored item(s)" in caplog.text
    names = {r[0] for r in index._conn.execute("SELECT name FROM sqlite_master")}
    assert "items_fts" not in names and "item_tags" not in names
    index.close()
    caplog.clear()
    EmbeddedIndex(f"sqlite:///{db}").close()  # the second open finds everything in place
    assert "building" not in caplog.text


def test_the_search_side_is_rebuilt_when_the_analysis_changes_or_it_is_lost(tmp_path, caplog):
    url = f"sqlite:///{tmp_path}/index.db"
    index = EmbeddedIndex(url)
    index.upsert(sample_items())
    index.close()
    marker = tmp_path / "index.db.tantivy" / MARKER
    data = json.loads(marker.read_text())
    marker.write_text(json.dumps({**data, "analysis": "older-normaliser"}))
    index = EmbeddedIndex(url)
    assert "the text analysis or the index layout changed" in caplog.text
    assert index.search(Query(text="recycled")).total == 1
    index.close()

    import shutil

    shutil.rmtree(tmp_path / "index.db.tantivy")
    index = EmbeddedIndex(url)
    assert index.search(Query()).total == 5
    index.close()


def test_a_search_side_out_of_step_with_the_store_is_rebuilt(tmp_path, caplog):
    url = f"sqlite:///{tmp_path}/index.db"
    index = EmbeddedIndex(url)
    index.upsert(sample_items()[:2])
    # as if the process died after the SQLite commit and before the Tantivy one
    item = sample_items()[2]
    index._conn.execute("INSERT INTO items(id, doc) VALUES (?, ?)",
                        (item.id, json.dumps(item.to_dict())))
    index.close()
    index = EmbeddedIndex(url)
    assert "it holds 2 items, the store 3" in caplog.text
    assert _ids(index.search(Query(text="hydrogen"))) == {"url:presscorner-1"}
    index.close()


def test_two_processes_share_one_index(tmp_path):
    """A second process writes while this one holds the index open, then this one sees it."""
    url = f"sqlite:///{tmp_path}/index.db"
    index = EmbeddedIndex(url)
    index.upsert(sample_items()[:1])
    script = textwrap.dedent(f"""
        from euradar.infra.index.embedded import EmbeddedIndex
        from tests.contract.sample_items import sample_items
        other = EmbeddedIndex({url!r})
        other.upsert(sample_items()[1:])
        other.close()
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=str(_repo_root()),
                   timeout=120)
    index._index.reload()
    assert index.search(Query()).total == 5
    index.upsert(sample_items()[:1])  # and this process can still write
    assert index.count() == 5
    index.close()


def test_a_busy_writer_is_waited_for_then_reported(tmp_path, monkeypatch):
    index = EmbeddedIndex(f"sqlite:///{tmp_path}/index.db")
    holder = index._index.writer(embedded.WRITER_HEAP, 1)  # as another process would
    monkeypatch.setattr(embedded, "WRITER_WAIT_SECONDS", 0.3)
    from euradar.core.errors import IndexUnavailable

    with pytest.raises(IndexUnavailable, match="busy"):
        index.upsert(sample_items()[:1])
    holder.wait_merging_threads()  # released: the retry of the same batch goes through
    index.upsert(sample_items()[:1])
    assert index.search(Query(text="textile")).total == 1
    index.close()


def test_facets_stay_exact_past_the_bits_of_a_mask():
    index = EmbeddedIndex("memory://")
    base = sample_items()[0]
    items = [dataclasses.replace(base, id=f"x:{n}", eligibility=[f"group_{n}", "smes"])
             for n in range(70)]
    index.upsert(items)
    facets = index.search(Query()).facets["eligibility"]
    assert facets["smes"] == 70 and facets["group_69"] == 1 and len(facets) == 71
    assert index.search(Query(eligibility=("group_69",))).total == 1
    assert index.search(Query(text="eligibility:group_68")).total == 1


def test_deadline_sort_uses_the_next_cut_off_of_items_with_many():
    index = EmbeddedIndex("memory://")
    base = sample_items()[0]
    year = date.today().year
    past = [f"{y}-01-01" for y in range(year - 14, year)]          # 14 cut-offs behind us
    ahead = [f"{year + 2}-01-01", f"{year + 40}-12-31"]
    items = [dataclasses.replace(base, id="many", deadlines=past + ahead),
             dataclasses.replace(base, id="one", deadlines=[f"{year + 30}-06-01"]),
             dataclasses.replace(base, id="over", deadlines=past),
             dataclasses.replace(base, id="none", deadlines=[])]
    index.upsert(items)
    ids = [h.item.id for h in index.search(Query(sort="deadline")).hits]
    assert ids[:2] == ["many", "one"] and set(ids[2:]) == {"over", "none"}


def _repo_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]
