"""The JSON API under ``/api`` (the OpenAPI spec at ``/openapi.json`` documents it): search,
items, sources and exports, open to read. Subscriptions live in :mod:`euradar.web.api_subscriptions`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi import Query as QueryParam
from fastapi.responses import Response

from euradar.alerts.calendar import deadline_events, ics_calendar
from euradar.alerts.wording import labels, source_label
from euradar.runtime import Runtime
from euradar.web import queries
from euradar.web.csvexport import DIALECTS, to_csv
from euradar.web.params import SearchParams
from euradar.web.schemas import (
    HitOut,
    ItemDetailOut,
    ItemOut,
    Provenance,
    SearchOut,
    SourceOut,
    SourcesOut,
    VersionOut,
    WayOutOut,
)
from euradar.web.search_help import search_help

router = APIRouter(prefix="/api", tags=["api"])
Search = Annotated[SearchParams, QueryParam()]
ItemId = Annotated[str, Path(min_length=1, max_length=300, description="e.g. ft:HORIZON-CL6-...")]
Lang = Literal["en", "fi", "sv"]
# OpenAPI "responses" of the routes: status code -> response object.
_Responses = dict[int | str, dict[str, Any]]
_ERRORS: _Responses = {422: {"description": "Invalid parameters; `detail` says which and why"},
           503: {"description": "The index is unavailable; retry later"}}


def _runtime(request: Request) -> Runtime:
    return queries.runtime_of(request)


@router.get("/search", response_model=SearchOut, responses=_ERRORS)
def search(request: Request, params: Search) -> SearchOut:
    """Full-text search with filters, facets (value -> count), highlights, sorting and paging."""
    runtime = _runtime(request)
    page = queries.run_search(runtime, params)
    today = queries.today_utc()
    help_ = search_help(runtime.index, params).as_dict("/api/search") if not page.total else {}
    return SearchOut(
        total=page.total, page=page.page, size=page.size, pages=queries.page_count(page),
        facets=page.facets,
        hits=[HitOut(item=ItemOut.of(h.item), score=h.score, highlights=h.highlights,
                     next_deadline=h.item.next_deadline(today)) for h in page.hits],
        index_empty=bool(help_.get("index_empty")), load_hint=help_.get("load_hint"),
        ways_out=[WayOutOut.model_validate(w) for w in help_.get("ways_out", [])])


@router.get("/items/{item_id:path}", response_model=ItemDetailOut,
            responses={404: {"description": "No such item"}, **_ERRORS})
def get_item(request: Request, item_id: ItemId) -> ItemDetailOut:
    """One item with its provenance and version history (what changed in each version)."""
    detail = queries.item_detail(_runtime(request), item_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"no item with id {item_id!r}")
    return ItemDetailOut(item=ItemOut.of(detail.item),
                         provenance=Provenance.model_validate(detail.provenance),
                         history=[VersionOut.model_validate(v) for v in detail.history])


@router.get("/sources", response_model=SourcesOut)
def sources(request: Request) -> SourcesOut:
    """Every configured source with its health (ok, failing, empty, never_run, disabled)."""
    rows, problem = queries.sources_overview(_runtime(request))
    return SourcesOut(sources=[SourceOut.model_validate(
        {**row, "display_name": source_label(row["name"], "en")}) for row in rows],
        config_error=problem)


def _stamped(name: str, ext: str) -> str:
    return f"{name}-{datetime.now(UTC):%Y%m%d-%H%M}.{ext}"


CsvDialect = Literal["excel", "excel-fi"]


@router.get("/export.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {}}, "description": "id, kind, status, title, programme, "
          "deadline, budget, themes, url, first_seen (headers in the chosen language)"},
    **_ERRORS})
def export_csv(request: Request, params: Search,
               dialect: Annotated[CsvDialect | None, QueryParam(
                   description="excel: comma-separated; excel-fi: semicolons, as Finnish and "
                   "Swedish spreadsheets expect. Default: excel-fi for lang=fi|sv.")] = None,
               lang: Annotated[Lang, QueryParam(description="Language of the headers")] = "en",
               ) -> Response:
    """Every item of a search (all pages, up to 5000) as CSV with a BOM, safe to open in a
    spreadsheet."""
    chosen = dialect or ("excel-fi" if lang in ("fi", "sv") else "excel")
    body = to_csv(queries.export_items(_runtime(request), params), dialect=DIALECTS[chosen],
                  lang=lang)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_stamped("euradar", "csv")}"'})


@router.get("/calendar.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}, **_ERRORS})
def export_calendar(request: Request, params: Search,
                    past: Annotated[bool, QueryParam(description=(
                        "also deadlines that have passed (default: from today on)"))] = False,
                    lang: Annotated[Lang, QueryParam(description="Language of the events")] = "en",
                    ) -> Response:
    """The deadlines of every item of a search as an iCalendar (RFC 5545) file: the upcoming
    ones by default, every one with ``past=true``; timed events in Europe/Brussels with their
    VTIMEZONE, all-day events where no time is known."""
    today = queries.today_utc()
    if not past and not (params.deadline_from and params.deadline_from >= today):
        params = params.model_copy(update={"deadline_from": today})
    items = queries.export_items(_runtime(request), params)
    name = str(labels(lang)["ics_calendar_for"]).format(
        name=params.q or labels(lang)["ics_calendar_name"])
    body = ics_calendar(deadline_events(items, since=date.min if past else today), name=name,
                        lang=lang)
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_stamped("euradar", "ics")}"'})
