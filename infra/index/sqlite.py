"""SqliteIndex: SQLite FTS5 ranked by BM25, the embedded stand-in for Elasticsearch.

Text is normalized in Python (:func:`euradar.nlp.normalize.index_tokens` for items,
:func:`euradar.nlp.normalize.query_word_forms` for each query word) before it reaches FTS5, so
this index and Elasticsearch search the same normalized tokens.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from euradar.core.errors import IndexUnavailable
from euradar.core.models import Item
from euradar.core.ports import FACET_FIELDS, Hit, Query, SearchPage
from euradar.infra.index.highlight import highlight
from euradar.infra.index.sql_query import fts_match, order_by, query_forms, to_sql
from euradar.infra.sqlite_util import connect, path_from_url
from euradar.nlp.normalize import index_tokens

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT, status TEXT, lang TEXT,
    programme TEXT, source TEXT, first_seen TEXT
);
CREATE TABLE IF NOT EXISTS item_tags (id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS item_tags_id ON item_tags(id);
CREATE INDEX IF NOT EXISTS item_tags_fv ON item_tags(field, value);
CREATE INDEX IF NOT EXISTS item_tags_id_fv ON item_tags(id, field, value);
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(id UNINDEXED, title, body);
"""
_COLUMN_FACETS = ("kind", "status", "lang", "programme", "source")
_TAG_FACETS = {"themes": "theme", "eligibility": "eligibility"}
# BM25 column weights: a word in the title says more about the item than one in the body.
_BM25 = "bm25(items_fts, 0.0, 3.0, 1.0)"


def word_normalizer(lang: str | None) -> Callable[[str], str]:
    """One word normalised as the index normalised the item's text (its language)."""
    def normalize(word: str) -> str:
        return " ".join(index_tokens(word, lang))
    return normalize


def search_fields(item: Item) -> tuple[str, str]:
    """The normalized title and body both indexes store for full-text search."""
    body = " ".join([item.text, " ".join(item.call_ids), item.programme or ""])
    return " ".join(index_tokens(item.title, item.lang)), " ".join(index_tokens(body, item.lang))


class SqliteIndex:
    def __init__(self, url: str = "memory://"):
        self.url = url
        self._lock = threading.RLock()
        try:
            self._conn = connect(path_from_url(url))
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"cannot open index {url}: {exc}") from exc
        self.ensure()

    def ensure(self) -> None:
        with self._lock:
            self._conn.executescript(_SCHEMA)

    def upsert(self, items: Sequence[Item]) -> int:
        rows = [(item, *search_fields(item)) for item in items]  # normalize outside the lock
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                for item, title, body in rows:
                    self._write(item, title, body)
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:  # BEGIN itself may have failed (locked)
                    self._conn.execute("ROLLBACK")
                raise IndexUnavailable(f"upsert failed: {exc}") from exc
        return len(rows)

    def _write(self, item: Item, title: str, body: str) -> None:
        c = self._conn
        # The FTS row shares the item's rowid: deleting by rowid is a lookup, by the unindexed
        # id column it would scan the whole FTS table (indexing slowed down as the index grew).
        old = c.execute("SELECT rowid FROM items WHERE id = ?", (item.id,)).fetchone()
        if old is not None:
            c.execute("DELETE FROM items_fts WHERE rowid = ?", (old[0],))
        c.execute("DELETE FROM item_tags WHERE id = ?", (item.id,))
        c.execute(
            "INSERT INTO items(id, doc, kind, status, lang, programme, source, first_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc,"
            " kind = excluded.kind, status = excluded.status, lang = excluded.lang,"
            " programme = excluded.programme, source = excluded.source,"
            " first_seen = excluded.first_seen",
            (item.id, json.dumps(item.to_dict(), ensure_ascii=False), item.kind, item.status,
             item.lang, item.programme, item.source, item.first_seen),
        )
        rowid = c.execute("SELECT rowid FROM items WHERE id = ?", (item.id,)).fetchone()[0]
        c.execute("INSERT INTO items_fts(rowid, id, title, body) VALUES (?, ?, ?, ?)",
                  (rowid, item.id, title, body))
        tags = [("theme", t) for t in item.theme_ids] + [("eligibility", e) for e in item.eligibility]
        tags += [("deadline", d[:10]) for d in item.deadlines]
        c.executemany("INSERT INTO item_tags(id, field, value) VALUES (?, ?, ?)",
                      [(item.id, f, v) for f, v in tags])

    def get(self, item_id: str) -> Item | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM items WHERE id = ?", (item_id,)).fetchone()
        return Item.from_dict(json.loads(row["doc"])) if row else None

    def ping(self) -> None:
        """Raise IndexUnavailable unless the index can be read."""
        with self._lock:
            try:
                self._conn.execute("SELECT 1 FROM items LIMIT 1").fetchall()
            except sqlite3.Error as exc:
                raise IndexUnavailable(f"index {self.url}: {exc}") from exc

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def search(self, query: Query) -> SearchPage:
        where, params = to_sql(query)
        forms = query_forms(query.text)
        match = fts_match(forms)
        if match:
            base = ("FROM items_fts CROSS JOIN items i ON i.rowid = items_fts.rowid "
                    "WHERE items_fts MATCH ?")  # CROSS JOIN: FTS drives the loop
            params = [match, *params]
            score = f"-{_BM25}"
        else:
            base, score = "FROM items i WHERE 1 = 1", "0.0"
        if where:
            base += " AND " + " AND ".join(where)
        today = datetime.now(UTC).date()
        order = order_by(query, bool(match), today)
        size, page = max(1, min(query.size, 500)), max(1, query.page)
        with self._lock:
            try:
                # The matching set once, in a temp table: the count and every facet read it
                # instead of running the full-text match again each.
                self._conn.execute("DROP TABLE IF EXISTS temp.hits")
                self._conn.execute("CREATE TEMP TABLE hits (rid INTEGER PRIMARY KEY, id TEXT)")
                self._conn.execute(f"INSERT INTO temp.hits SELECT i.rowid, i.id {base}", params)
                total = self._conn.execute("SELECT COUNT(*) FROM temp.hits").fetchone()[0]
                rows = self._conn.execute(
                    f"SELECT i.doc AS doc, {score} AS score {base} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, size, (page - 1) * size],
                ).fetchall()
                facets = self._facets() if query.facets else {}
                self._conn.execute("DROP TABLE temp.hits")
            except sqlite3.Error as exc:
                raise IndexUnavailable(f"search failed: {exc}") from exc
        wanted = {form for word in forms for form in word}
        hits = []
        for row in rows:
            item = Item.from_dict(json.loads(row["doc"]))
            marks = highlight(item.title + "\n" + item.text, wanted, word_normalizer(item.lang))
            hits.append(Hit(item=item, score=float(row["score"]), highlights=marks))
        return SearchPage(total=int(total), hits=hits, facets=facets, page=page, size=size)

    def _facets(self) -> dict[str, dict[str, int]]:
        """Counts per value over the matching set in ``temp.hits``. CROSS JOIN keeps the
        matching set as the outer loop, so each hit is one index lookup (the planner otherwise
        may scan the small temp table once per tag row)."""
        facets: dict[str, dict[str, int]] = {}
        for column in _COLUMN_FACETS:
            rows = self._conn.execute(
                f"SELECT i.{column} AS v, COUNT(*) AS n FROM temp.hits h CROSS JOIN items i "
                f"ON i.rowid = h.rid WHERE i.{column} IS NOT NULL GROUP BY i.{column} "
                "ORDER BY n DESC, v").fetchall()
            facets[column] = {r["v"]: r["n"] for r in rows}
        for name, tag in _TAG_FACETS.items():
            rows = self._conn.execute(
                "SELECT t.value AS v, COUNT(*) AS n FROM temp.hits h CROSS JOIN item_tags t "
                "ON t.id = h.id AND t.field = ? GROUP BY t.value ORDER BY n DESC, v",
                [tag]).fetchall()
            facets[name] = {r["v"]: r["n"] for r in rows}
        assert set(facets) == set(FACET_FIELDS)
        return facets

    def close(self) -> None:
        with self._lock:
            self._conn.close()
