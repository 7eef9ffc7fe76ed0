"""The F&T search API and the TED search API as the local server answers them: the *records*
are the real captures of ``shared/corpus`` (unchanged), the *paging* follows the requests.

A captured file is one page of one query. Incremental polling asks for other pages (small,
sorted newest first), so these handlers hold the union of the captured records as an index
and answer any request the way the real API pages it:

* SEDIA (``POST .../rest/search?pageSize=N&pageNumber=P`` with multipart parts ``query``,
  ``languages``, ``sort``): records sorted by ``sort.field`` (first value; records without
  the field last, as Elasticsearch sorts missing values), sliced by page; the envelope of the
  first capture with ``totalResults``, ``pageNumber``, ``pageSize`` and ``sort`` set as the
  real API echoes them (``"sort": "[identifier:ASC]"`` in the 2026-09-16 capture).
  ``range`` clauses of the bool query are applied as Elasticsearch applies them (records
  without the field do not match); ``terms`` clauses are not (every record is of the queried
  type and status already). Verified by the captures: ``pageSize``/``pageNumber`` (query
  string), ``totalResults``, the echoed ``sort``. Not verified (no capture of such a request):
  that ``esDA_IngestDate`` is sortable and filterable by ``range`` (third-party code filters
  ``deadlineDate`` and ``startDate`` with ``range``).
* TED (``POST /v3/notices/search`` JSON body): ``limit`` with ``iterationNextToken``
  (ITERATION mode) or ``page`` (page-number mode, the API's default), ``SORT BY
  publication-date DESC`` in the query; envelope ``notices``,
  ``totalNoticeCount``, ``iterationNextToken``, ``timedOut`` as captured. The token here is an
  offset; the real one is opaque.

``add`` puts a record in the index while the server runs (a new call appearing between two
polls); ``requests``/``bytes_sent`` count what the crawler cost the source.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from tests.mockserver.server import Reply, Seen


def multipart_parts(body: bytes) -> dict[str, Any]:
    """The JSON parts of a multipart body as the F&T spider sends it."""
    parts = {}
    for name, payload in re.findall(rb'name="(\w+)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', body, re.S):
        parts[name.decode()] = json.loads(payload)
    return parts


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _stamp(value: Any) -> str | None:
    """A comparable UTC form of the API's dates ('2026-09-11T09:24:55.229+0200')."""
    from euradar.crawlers.incremental import normalize_stamp

    return normalize_stamp(_first(value))


def _matches(record: dict[str, Any], clause: dict[str, Any]) -> bool:
    for field, bounds in (clause.get("range") or {}).items():
        value = _stamp(record.get("metadata", {}).get(field))
        if value is None:
            return False
        for op, bound in bounds.items():
            limit = _stamp(bound)
            if limit is None or not {"gt": value > limit, "gte": value >= limit,
                                     "lt": value < limit, "lte": value <= limit}[op]:
                return False
    return True


class SediaIndex:
    """Records of captured SEDIA envelopes, answered page by page."""

    def __init__(self, *files: Path):
        envelopes = [json.loads(Path(f).read_text(encoding="utf-8")) for f in files]
        self.envelope = {k: v for k, v in envelopes[0].items() if k != "results"}
        self.records: list[dict[str, Any]] = [r for e in envelopes for r in e["results"]]
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.bytes_sent = 0

    def add(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.records.append(record)

    def replace(self, identifier: str, record: dict[str, Any]) -> None:
        with self.lock:
            self.records = [r for r in self.records
                            if _first(r["metadata"].get("identifier")) != identifier] + [record]

    def __call__(self, request: Seen) -> Reply:
        parts = multipart_parts(request.body)
        size = int(request.query.get("pageSize", ["50"])[0])
        page = int(request.query.get("pageNumber", ["1"])[0])
        sort = parts.get("sort") or {}
        field, order = sort.get("field"), str(sort.get("order", "ASC")).upper()
        with self.lock:
            records = list(self.records)
        must = ((parts.get("query") or {}).get("bool") or {}).get("must") or []
        records = [r for r in records if all(_matches(r, c) for c in must if "range" in c)]
        if field:
            present = [r for r in records if _first(r.get("metadata", {}).get(field)) not in (None, "")]
            missing = [r for r in records if r not in present]
            present.sort(key=lambda r: str(_first(r["metadata"][field])), reverse=order == "DESC")
            records = present + missing
        chunk = records[(page - 1) * size: page * size]
        envelope = {**self.envelope, "totalResults": len(records), "pageNumber": page, "pageSize": size,
                    "sort": f"[{field}:{order}]" if field else "relevance", "results": chunk}
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        with self.lock:
            self.requests.append({"page": page, "size": size, "sort": sort, "records": len(chunk),
                              "range": [c["range"] for c in must if "range" in c]})
            self.bytes_sent += len(body)
        return Reply(200, body, {"Content-Type": "application/json"})


class TedIndex:
    """Notices of captured TED responses, answered page by page (ITERATION mode)."""

    def __init__(self, *files: Path):
        self.notices: list[dict[str, Any]] = []
        for f in files:
            self.notices += json.loads(Path(f).read_text(encoding="utf-8"))["notices"]
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.bytes_sent = 0

    def add(self, notice: dict[str, Any]) -> None:
        with self.lock:
            self.notices.append(notice)

    def __call__(self, request: Seen) -> Reply:
        query = json.loads(request.body)
        limit = int(query.get("limit", 10))
        if query.get("paginationMode") == "ITERATION":
            offset = int(query.get("iterationNextToken") or 0)
        else:
            offset = (int(query.get("page", 1)) - 1) * limit
        with self.lock:
            notices = list(self.notices)
        if re.search(r"SORT BY publication-date DESC", query.get("query", ""), re.I):
            notices.sort(key=lambda n: (str(n.get("publication-date") or n.get("PD") or ""),
                                        str(n.get("publication-number") or n.get("ND") or "")), reverse=True)
        chunk = notices[offset: offset + limit]
        more = offset + limit < len(notices)
        token = str(offset + limit) if more and query.get("paginationMode") == "ITERATION" else None
        body = json.dumps({"notices": chunk, "totalNoticeCount": len(notices), "iterationNextToken": token,
                           "timedOut": False}, ensure_ascii=False).encode("utf-8")
        with self.lock:
            self.requests.append({"offset": offset, "limit": limit, "query": query.get("query"),
                                  "notices": len(chunk)})
            self.bytes_sent += len(body)
        return Reply(200, body, {"Content-Type": "application/json"})
