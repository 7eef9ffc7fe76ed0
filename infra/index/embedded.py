"""EmbeddedIndex: the default index, one machine, no JVM: documents in SQLite, search by Tantivy.

``sqlite:///path/index.db`` keeps every item's latest version in SQLite (the ``items`` table,
the truth) and a Tantivy index beside it in ``index.db.tantivy/`` (derived, rebuilt from the
documents whenever it is missing, was built by another layout or another text analysis, or
holds another number of items). ``memory://`` keeps both in memory (tests).

Why Tantivy: SQLite FTS5 ranks by computing BM25 for every match and counts facets row by
row, which at 50,000 items took 600-900 ms for common words (bench/bench_search.py); Tantivy
ranks top-k with skipping and counts facets on columns (see :mod:`.embedded_schema`).

Upgrades: a data directory written by the FTS5 version opens as it is; its FTS5 tables are
dropped and the Tantivy index is built from the stored documents at first open (logged).
A crash between the SQLite and the Tantivy commit of a batch is repaired by redelivery: the
indexer commits its bus offsets only after :meth:`upsert` returned, and writes are idempotent.
"""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from euradar.core.errors import IndexUnavailable
from euradar.core.models import Item
from euradar.core.ports import Hit, Query, SearchPage
from euradar.core.query_syntax import parse_query
from euradar.core.query_tree import has_text
from euradar.infra.index import embedded_search
from euradar.infra.index.analysis import analyse, analysis_fingerprint, highlight_test
from euradar.infra.index.embedded_schema import (
    DEADLINE_SLOTS,
    LAYOUT,
    FacetCodes,
    build_schema,
    to_document,
)
from euradar.infra.index.highlight import highlight
from euradar.infra.index.tantivy_query import Translator
from euradar.infra.sqlite_util import connect, path_from_url, retry_locked

log = logging.getLogger(__name__)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT, status TEXT, lang TEXT,
    programme TEXT, source TEXT, first_seen TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{FacetCodes.TABLE};
"""
_LEGACY_TABLES = ("items_fts", "item_tags")  # the FTS5 layout before Tantivy
MAX_SIZE = 500
WRITER_HEAP = 64_000_000
WRITER_WAIT_SECONDS = 30.0
REBUILD_CHUNK = 2000
MARKER = "euradar-index.json"


def _item(data: dict[str, Any]) -> Item:
    """A stored document as an Item; documents we wrote have exactly the fields of Item, so
    the field filtering of Item.from_dict (a few microseconds per hit) is only a fallback."""
    try:
        return Item(**data)
    except TypeError:
        return Item.from_dict(data)


class EmbeddedIndex:
    def __init__(self, url: str = "memory://"):
        self.url = url
        self._lock = threading.RLock()
        path = path_from_url(url)
        try:
            self._conn = connect(path)
            retry_locked(lambda: self._conn.executescript(_SCHEMA))
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"cannot open index {url}: {exc}") from exc
        self._dir = None if path == ":memory:" else Path(path + ".tantivy")
        self._schema = build_schema()
        self._tr = Translator(self._schema)
        self._codes = FacetCodes(self._conn)
        self._index = self._open()

    # -- opening and rebuilding -------------------------------------------------------------

    def ensure(self) -> None:
        """Tables and the Tantivy index exist from the constructor on; nothing to do."""

    def _expected_marker(self) -> dict[str, str]:
        return {"layout": LAYOUT, "analysis": analysis_fingerprint(),
                "tantivy": str(getattr(tantivy, "__version__", ""))}

    def _open(self) -> tantivy.Index:
        if self._dir is None:
            return self._new_index(None)
        with self._file_lock():
            self._drop_legacy_tables()
            stored = self.count()
            reason = None
            marker = self._dir / MARKER
            if not marker.exists():
                reason = "no search index yet"
            elif json.loads(marker.read_text(encoding="utf-8")) != self._expected_marker():
                reason = "the text analysis or the index layout changed"
            else:
                try:
                    index = tantivy.Index(self._schema, path=str(self._dir), reuse=True)
                    index.config_reader("OnCommit")
                    held = index.searcher().num_docs
                except (ValueError, OSError) as exc:
                    reason = f"it could not be opened ({exc})"
                else:
                    if held == stored:
                        return index
                    reason = f"it holds {held} items, the store {stored}"
            return self._rebuild(reason, stored)

    def _new_index(self, directory: Path | None) -> tantivy.Index:
        if directory is None:
            index = tantivy.Index(self._schema)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self._schema, path=str(directory), reuse=False)
        index.config_reader("OnCommit")
        return index

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """One process at a time checks and rebuilds the Tantivy directory."""
        assert self._dir is not None
        self._dir.parent.mkdir(parents=True, exist_ok=True)
        with open(str(self._dir) + ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _drop_legacy_tables(self) -> None:
        with self._lock:
            for table in _LEGACY_TABLES:
                found = self._conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
                if found:
                    self._conn.execute(f"DROP TABLE {table}")
                    log.warning("index %s: dropped the old FTS5 table %s (search now uses "
                                "Tantivy, built from the stored documents)", self.url, table)

    def _rebuild(self, reason: str, stored: int) -> tantivy.Index:
        assert self._dir is not None
        log.log(logging.WARNING if stored else logging.DEBUG,
                "index %s: building the search index from %d stored item(s): %s",
                self.url, stored, reason)
        started = time.monotonic()
        building = Path(str(self._dir) + ".building")
        shutil.rmtree(building, ignore_errors=True)
        index = self._new_index(building)
        writer = index.writer(WRITER_HEAP, 1)
        for rows in self._stored_items():
            self._assign_codes([item for _, item in rows])
            for row, item in rows:
                writer.add_document(to_document(item, analyse(item), self._codes, row))
        writer.commit()
        writer.wait_merging_threads()
        (building / MARKER).write_text(json.dumps(self._expected_marker()), encoding="utf-8")
        old = Path(str(self._dir) + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self._dir.exists():
            self._dir.rename(old)
        building.rename(self._dir)
        shutil.rmtree(old, ignore_errors=True)
        log.log(logging.WARNING if stored else logging.DEBUG,
                "index %s: search index built in %.1f s", self.url, time.monotonic() - started)
        reopened = tantivy.Index(self._schema, path=str(self._dir), reuse=True)
        reopened.config_reader("OnCommit")
        return reopened

    def _stored_items(self) -> Iterator[list[tuple[int, Item]]]:
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT rowid, doc FROM items WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (last, REBUILD_CHUNK)).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            yield [(int(row[0]), Item.from_dict(json.loads(row[1]))) for row in rows]

    def _assign_codes(self, items: list[Item]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._codes.assign(items)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, items: Sequence[Item]) -> int:
        latest = list({item.id: item for item in items}.values())  # last version of an id wins
        prepared = [(item, analyse(item)) for item in latest]  # normalise outside the lock
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                rows = [self._write_row(item) for item in latest]
                self._codes.assign(latest)
                most = max((len(item.deadlines) for item in latest), default=0)  # slots used
                self._conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('max_deadlines', ?) ON CONFLICT(key) "
                    "DO UPDATE SET value = MAX(CAST(value AS INTEGER), excluded.value)", (most,))
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:  # BEGIN itself may have failed (locked)
                    self._conn.execute("ROLLBACK")
                self._codes.reload()
                raise IndexUnavailable(f"upsert failed: {exc}") from exc
            docs = [to_document(item, doc, self._codes, row)
                    for (item, doc), row in zip(prepared, rows, strict=True)]
            self._write_search([item.id for item in latest], docs)
        return len(items)

    def _write_row(self, item: Item) -> int:
        """Insert or update the item's document; returns its rowid (kept by an update)."""
        row = self._conn.execute(
            "INSERT INTO items(id, doc, kind, status, lang, programme, source, first_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc,"
            " kind = excluded.kind, status = excluded.status, lang = excluded.lang,"
            " programme = excluded.programme, source = excluded.source,"
            " first_seen = excluded.first_seen RETURNING rowid",
            (item.id, json.dumps(item.to_dict(), ensure_ascii=False), item.kind, item.status,
             item.lang, item.programme, item.source, item.first_seen)).fetchone()
        return int(row[0])

    def _write_search(self, ids: list[str], docs: list[tantivy.Document]) -> None:
        """Replace the documents of ``ids`` in one Tantivy commit. The writer is taken per
        batch (Tantivy allows one per index across processes) and waits for a busy one."""
        deadline = time.monotonic() + WRITER_WAIT_SECONDS
        while True:
            try:
                writer = self._index.writer(WRITER_HEAP, 1)
                break
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise IndexUnavailable(f"search index busy or unwritable: {exc}") from exc
                time.sleep(0.05)
        try:
            for item_id in ids:
                writer.delete_documents_by_term("id", item_id)
            for doc in docs:
                writer.add_document(doc)
            writer.commit()
            writer.wait_merging_threads()
        except (ValueError, OSError) as exc:
            raise IndexUnavailable(f"search index write failed: {exc}") from exc
        self._index.reload()

    # -- reads ------------------------------------------------------------------------------

    def get(self, item_id: str) -> Item | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM items WHERE id = ?", (item_id,)).fetchone()
        return Item.from_dict(json.loads(row["doc"])) if row else None

    def ping(self) -> None:
        """Raise IndexUnavailable unless both sides of the index can be read."""
        with self._lock:
            try:
                self._conn.execute("SELECT 1 FROM items LIMIT 1").fetchall()
                self._index.searcher()
            except (sqlite3.Error, ValueError, OSError) as exc:
                raise IndexUnavailable(f"index {self.url}: {exc}") from exc

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def _deadline_depth(self) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'max_deadlines'").fetchone()
        return min(int(row[0]) if row else 0, DEADLINE_SLOTS)

    def search(self, query: Query) -> SearchPage:
        """Raises :class:`~euradar.core.query_syntax.QuerySyntaxError` for a bad query."""
        node = parse_query(query.text)
        size, page = max(1, min(query.size, MAX_SIZE)), max(1, query.page)
        today = datetime.now(UTC).date()
        try:
            searcher = self._index.searcher()
            tr = self._tr.bound(searcher)
            base = tr.all_of(([tr.node(node)] if node is not None else []) + tr.filters(query))
            found = embedded_search.run(searcher, tr, self._codes, base, query,
                                        has_text(node), (page - 1) * size, size, today,
                                        self._deadline_depth())
            rows = searcher.fast_field_values("row", [addr for _, addr in found.hits]) \
                if found.hits else []
        except (ValueError, OSError) as exc:
            raise IndexUnavailable(f"search failed: {exc}") from exc
        docs = self._docs([int(r) for r in rows if r is not None])
        hits = []
        for (score, _), row in zip(found.hits, rows, strict=True):
            item = docs.get(int(row)) if row is not None else None
            if item is None:
                continue  # written to the search side but not (yet) to the store
            marks = highlight(item.title + "\n" + item.text, highlight_test(node, item.lang))
            hits.append(Hit(item=item, score=score, highlights=marks))
        return SearchPage(total=found.total, hits=hits, facets=found.facets, page=page, size=size)

    def _docs(self, rows: list[int]) -> dict[int, Item]:
        if not rows:
            return {}
        with self._lock:
            found = self._conn.execute(
                f"SELECT rowid, doc FROM items WHERE rowid IN ({', '.join('?' * len(rows))})",
                rows).fetchall()
        return {int(r[0]): _item(json.loads(r[1])) for r in found}

    def close(self) -> None:
        with self._lock:
            self._conn.close()
