"""ElasticsearchIndex: the distributed Index on Elasticsearch 9.x (official ``elasticsearch`` client).

URL: ``http(s)://host:9200[?param=value&...]``. Query parameters (all optional):

=============  ================  ===========================================================
``prefix``     ``euradar-items``  alias name; the index behind it is ``<prefix>-v2``. Tests use
                                  a unique prefix, two installations can share a cluster.
``refresh``    ``wait_for``       bulk refresh policy: ``wait_for`` (a search right after
                                  :meth:`upsert` sees the documents), ``true`` (force a refresh
                                  per bulk: lower latency, more load), ``false``
``retries``    4                  attempts after the first for a failed bulk (429, 5xx,
                                  connection errors), with exponential backoff from 0.5 s
``timeout``    10                 request timeout in seconds
``replicas``   0                  ``number_of_replicas`` when the index is created
``shards``     1                  ``number_of_shards`` when the index is created
=============  ================  ===========================================================

The mapping is ``infra/index/mappings/items-v2.json``. Text is analysed in Python
(:func:`euradar.core.search_doc.search_doc` with :func:`euradar.nlp.normalize.index_tokens`),
exactly as for the embedded index, so Elasticsearch only splits on spaces; highlights are made
in Python by :func:`euradar.infra.index.highlight.highlight` for parity with the embedded
backend. Nothing here needs scripts or plugins. Writes and reads go through the alias: an
installation still on ``<prefix>-v1`` (before the query language) is copied into ``-v2`` from
the items kept in ``_source`` by :meth:`ElasticsearchIndex.ensure`, the alias swapped and
``-v1`` deleted (logged). When the text analysis has changed since the index was written (its
fingerprint is kept in the mapping's ``_meta``), ``ensure`` re-indexes the items from
``_source`` in place, as the embedded index rebuilds itself.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse, urlunparse

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from euradar.core.errors import ConfigError, IndexUnavailable, InvalidItem, RefusedItems
from euradar.core.models import Item
from euradar.core.ports import Hit, Query, SearchPage
from euradar.core.query_syntax import parse_query
from euradar.core.redact import redact_service_url
from euradar.infra.index.analysis import analyse, analysis_fingerprint, highlight_test
from euradar.infra.index.es_query import facet_counts, page_window, to_document, to_es
from euradar.infra.index.highlight import highlight

log = logging.getLogger(__name__)

SCHEMA_VERSION = "v2"
# The mapping's _meta key holding the analysis fingerprint the documents were made with.
ANALYSIS_META = "euradar_analysis"
MAPPING_FILE = Path(__file__).parent / "mappings" / f"items-{SCHEMA_VERSION}.json"
_RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
_REFRESH = {"wait_for": "wait_for", "true": True, "false": False}


def parse_es_url(url: str) -> dict[str, Any]:
    """``http://host:9200?prefix=x`` -> settings dict (pure; unit-tested)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"not an Elasticsearch URL: {url!r} (http://host:9200)")
    q = {k: v[-1] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
    known = {"prefix", "refresh", "retries", "timeout", "replicas", "shards"}
    unknown = sorted(set(q) - known)
    if unknown:
        raise ConfigError(f"Elasticsearch URL: unknown parameter(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")
    prefix = q.get("prefix") or "euradar-items"
    if prefix != prefix.lower() or any(c in prefix for c in ' "*\\<|,>/?#:') or \
            prefix.startswith(("-", "_", "+")):
        raise ConfigError(f"Elasticsearch URL: prefix {prefix!r} is not a valid index name "
                          "(lowercase, no spaces or \\/*?\"<>|,#:, not starting with -_+)")
    refresh = q.get("refresh", "wait_for").lower()
    if refresh not in _REFRESH:
        raise ConfigError("Elasticsearch URL: refresh must be wait_for, true or false")

    def _num(name: str, default: float, cast: Callable[[str], float] = int) -> Any:
        raw = q.get(name)
        if raw in (None, ""):
            return default
        try:
            value = cast(raw)
        except ValueError as exc:
            raise ConfigError(f"Elasticsearch URL: {name} must be a number, got {raw!r}") from exc
        if value < 0:
            raise ConfigError(f"Elasticsearch URL: {name} must be >= 0")
        return value

    host = urlunparse((parsed.scheme, parsed.netloc, parsed.path.rstrip("/"), "", "", ""))
    return {
        "host": host,
        "alias": prefix,
        "index": f"{prefix}-{SCHEMA_VERSION}",
        "refresh": _REFRESH[refresh],
        "retries": _num("retries", 4),
        "timeout": _num("timeout", 10.0, float),
        "replicas": _num("replicas", 0),
        "shards": max(1, _num("shards", 1)),
    }


class RefusedDocuments(RefusedItems):
    """Elasticsearch rejected documents for a reason a retry cannot fix (e.g. a mapping error).
    The other documents of the bulk were written; the indexer dead-letters the refused ones
    with the reason, so nothing is silently lost and the pipeline does not stall."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, ApiError):
        return exc.meta.status in _RETRYABLE_STATUS
    # elastic_transport ConnectionError / ConnectionTimeout / SerializationError ...
    return isinstance(exc, (TransportError, ConnectionError, TimeoutError, OSError))


class ElasticsearchIndex:
    def __init__(self, url: str, client: Elasticsearch | None = None):
        self.url = url
        cfg = parse_es_url(url)
        self.host: str = cfg["host"]
        self.alias: str = cfg["alias"]
        self.index_name: str = cfg["index"]
        self.refresh = cfg["refresh"]
        self.retries: int = cfg["retries"]
        self.timeout: float = cfg["timeout"]
        self.replicas: int = cfg["replicas"]
        self.shards: int = cfg["shards"]
        # The client's own retries are off: upsert() retries with backoff and a clear error.
        self.client = client or Elasticsearch(self.host, request_timeout=self.timeout,
                                              max_retries=0, retry_on_timeout=False)
        self._ensured = False
        self._lock = threading.Lock()
        self.backoff_base = 0.5

    # -- schema --------------------------------------------------------------------------------

    def index_body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
        body["settings"] = {**body.get("settings", {}), "number_of_shards": self.shards,
                            "number_of_replicas": self.replicas}
        body["aliases"] = {self.alias: {"is_write_index": True}}
        body["mappings"]["_meta"] = {**body["mappings"].get("_meta", {}), ANALYSIS_META: analysis_fingerprint()}
        return body

    def ensure(self) -> None:
        """Create ``<prefix>-v2`` with its mapping and the alias if missing, or move an older
        index behind the alias to it; idempotent."""
        try:
            if self.client.indices.exists_alias(name=self.alias):
                behind = sorted(self.client.indices.get_alias(name=self.alias))
                if self.index_name not in behind:
                    self._migrate(behind)
                else:
                    self._reanalyse_if_stale()
            else:
                if self.client.indices.exists(index=self.index_name):
                    self.client.indices.put_alias(index=self.index_name, name=self.alias)
                else:
                    self._create(with_alias=True)
                self.client.cluster.health(index=self.index_name, wait_for_status="yellow",
                                           timeout=f"{int(self.timeout)}s")
        except ApiError as exc:
            if exc.meta.status in _RETRYABLE_STATUS:
                raise IndexUnavailable(f"elasticsearch ensure failed: {exc}") from exc
            raise ConfigError(f"elasticsearch: cannot create index {self.index_name}: {exc}") from exc
        except Exception as exc:
            raise IndexUnavailable(f"elasticsearch {self.host} unreachable: {exc}") from exc
        self._ensured = True

    def _create(self, with_alias: bool) -> None:
        body = self.index_body()
        if not with_alias:
            body.pop("aliases")
        try:
            self.client.indices.create(index=self.index_name, **body)
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def _migrate(self, old: list[str]) -> None:
        """Copy every item of the older index(es) behind the alias into this schema version,
        re-analysed from the item kept in ``_source``, then swap the alias and delete them.
        Run it while nothing else writes (an indexer writing meanwhile lands in the old index
        and is lost with it): the first start of the new version does it before consuming."""
        log.warning("elasticsearch: moving %s to %s (new schema)", ", ".join(old), self.index_name)
        self._create(with_alias=False)
        self.client.cluster.health(index=self.index_name, wait_for_status="yellow",
                                   timeout=f"{int(self.timeout)}s")

        copied, errors = helpers.bulk(self.client, self._reanalysed(",".join(old)), refresh=True, chunk_size=500,
                                      raise_on_error=False, max_retries=self.retries)
        if errors:
            raise IndexUnavailable(f"elasticsearch: copying into {self.index_name} failed for "
                                   f"{len(errors) if isinstance(errors, list) else errors} "
                                   "document(s); the old index is kept")
        self.client.indices.update_aliases(actions=[
            *({"remove": {"index": name, "alias": self.alias}} for name in old),
            {"add": {"index": self.index_name, "alias": self.alias, "is_write_index": True}}])
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        log.warning("elasticsearch: %d item(s) now in %s; deleted %s", copied, self.index_name,
                    ", ".join(old))

    def _reanalysed(self, source: str, guarded: bool = False) -> Iterator[dict[str, Any]]:
        """Bulk actions writing every item kept in ``_source`` of ``source`` into this index,
        analysed today. ``guarded``: each write only if the document is still the one read
        (its sequence number), so a newer write meanwhile is not overwritten."""
        for hit in helpers.scan(self.client, index=source, _source=["doc"], seq_no_primary_term=guarded,
                                query={"query": {"match_all": {}}}):
            try:
                item = Item.from_dict(hit["_source"]["doc"])
            except (InvalidItem, KeyError, TypeError) as exc:
                log.warning("elasticsearch: not re-indexing %s: %s", hit.get("_id"), exc)
                continue
            action = {"_op_type": "index", "_index": self.index_name, "_id": item.id,
                      "_source": to_document(item, analyse(item))}
            if guarded:
                action.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
            yield action

    def _reanalyse_if_stale(self) -> None:
        """Re-index every item from its ``_source`` when the text analysis changed since the
        index was written (the fingerprint in the mapping's ``_meta`` differs): the tokens are
        made in Python, so a better lemmatiser would otherwise leave old items findable only by
        the old forms. In place, guarded by each document's sequence number: an item an indexer
        rewrites meanwhile is already analysed the new way and is left as it is (409, ignored).
        """
        meta = self.client.indices.get_mapping(index=self.index_name)[self.index_name]["mappings"].get("_meta", {})
        fingerprint = analysis_fingerprint()
        if meta.get(ANALYSIS_META) == fingerprint:
            return
        log.warning("elasticsearch: the text analysis changed; re-indexing %s from the stored items",
                    self.index_name)

        done = 0
        for ok, result in helpers.streaming_bulk(self.client, self._reanalysed(self.index_name, guarded=True),
                                                 chunk_size=500, raise_on_error=False, max_retries=self.retries):
            status = next(iter(result.values())).get("status", 0)
            if not ok and status != 409:
                raise IndexUnavailable(f"elasticsearch: re-indexing {self.index_name} failed: {result}")
            done += ok
        self.client.indices.refresh(index=self.index_name)
        self.client.indices.put_mapping(index=self.index_name, meta={**meta, ANALYSIS_META: fingerprint})
        log.warning("elasticsearch: %d item(s) of %s re-analysed", done, self.index_name)

    def _ensure_once(self) -> None:
        if not self._ensured:
            with self._lock:
                if not self._ensured:
                    self.ensure()

    # -- writes --------------------------------------------------------------------------------

    def upsert(self, items: Sequence[Item]) -> int:
        if not items:
            return 0
        docs = [(item.id, to_document(item, analyse(item))) for item in items]
        actions = [{"_op_type": "index", "_index": self.alias, "_id": item_id, "_source": doc}
                   for item_id, doc in docs]
        attempt = 0
        while True:
            try:
                self._ensure_once()
                return self._bulk(actions)
            except RefusedDocuments:
                raise
            except IndexUnavailable as exc:
                if attempt >= self.retries:
                    raise IndexUnavailable(
                        f"elasticsearch bulk of {len(actions)} item(s) failed after "
                        f"{attempt + 1} attempt(s): {exc}") from exc
                delay = self.backoff_base * (2 ** attempt)
                attempt += 1
                log.warning("elasticsearch: %s; retry %d/%d in %.1fs", exc, attempt,
                            self.retries, delay)
                time.sleep(delay)

    def _bulk(self, actions: list[dict[str, Any]]) -> int:
        """One bulk request; raises IndexUnavailable for anything a retry may fix. Writing the
        same ``_id`` again replaces the document, so re-sending the whole batch is safe."""
        try:
            ok, found = helpers.bulk(self.client, actions, refresh=self.refresh,
                                     raise_on_error=False, raise_on_exception=True,
                                     max_retries=0, chunk_size=500)
        except Exception as exc:
            if _retryable(exc):
                raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
            raise
        # With raise_on_error=False, bulk returns the list of failed actions (never a count).
        errors: list[dict[str, Any]] = found if isinstance(found, list) else []
        if errors:
            statuses = [next(iter(e.values())).get("status", 0) for e in errors]
            first = next(iter(errors[0].values()))
            detail = f"{len(errors)} of {len(actions)} item(s) refused; first: " \
                     f"{first.get('_id')}: {first.get('error')}"
            if any(s in _RETRYABLE_STATUS for s in statuses):
                # Re-send the whole bulk (idempotent by _id) until only permanent refusals remain.
                raise IndexUnavailable(detail)
            # A mapping error will not go away by retrying; it is a bug in to_document/mapping.
            refused = {str(next(iter(e.values())).get("_id")): str(next(iter(e.values())).get("error"))
                       for e in errors}
            raise RefusedDocuments(f"elasticsearch refused documents (not retryable): {detail}",
                                   refused)
        return ok

    # -- reads ---------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            self._ensure_once()
            return fn(*args, **kwargs)
        except NotFoundError:
            raise
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"elasticsearch {what} failed: {type(exc).__name__}: {exc}") \
                from exc

    def get(self, item_id: str) -> Item | None:
        try:
            res = self._call("get", self.client.get, index=self.alias, id=item_id,
                             source_includes=["doc"])
        except NotFoundError:
            return None
        return Item.from_dict(res["_source"]["doc"])

    def ping(self) -> None:
        """Raise IndexUnavailable unless the cluster answers within a few seconds (no retries:
        a health probe must answer fast)."""
        try:
            self.client.options(request_timeout=min(self.timeout, 5.0)).cluster.health()
        except Exception as exc:
            raise IndexUnavailable(f"elasticsearch {redact_service_url(self.host)}: "
                                   f"{type(exc).__name__}") from exc

    def count(self) -> int:
        return int(self._call("count", self.client.count, index=self.alias)["count"])

    def search(self, query: Query) -> SearchPage:
        """Raises :class:`~euradar.core.query_syntax.QuerySyntaxError` for a bad query
        (before anything is sent to Elasticsearch)."""
        body = to_es(query)
        node = parse_query(query.text)
        res = self._call("search", self.client.search, index=self.alias, body=body)
        page, size = page_window(query)
        hits = []
        for h in res["hits"]["hits"]:
            item = Item.from_dict(h["_source"]["doc"])
            marks = highlight(item.title + "\n" + item.text, highlight_test(node, item.lang))
            hits.append(Hit(item=item, score=float(h.get("_score") or 0.0), highlights=marks))
        facets = facet_counts(res.get("aggregations", {})) if query.facets else {}
        total = res["hits"]["total"]["value"]
        return SearchPage(total=int(total), hits=hits, facets=facets, page=page, size=size)

    # -- admin ---------------------------------------------------------------------------------

    def drop(self) -> None:
        """Delete the index behind the alias (tests, or a full rebuild from the bus)."""
        try:
            self.client.indices.delete(index=self.index_name, ignore_unavailable=True)
        except Exception as exc:
            raise IndexUnavailable(f"elasticsearch delete {self.index_name} failed: {exc}") from exc
        self._ensured = False

    def close(self) -> None:
        self.client.close()
