"""The JSON API under ``/api`` (the OpenAPI spec at ``/openapi.json`` documents it).

Reads are open; writes (POST/PUT/DELETE of subscriptions) need the API token. The preview is a
POST only because it takes a subscription as its body: it writes nothing, so it is open like a
search and the UI's live preview can call it without holding the token in JavaScript.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi import Query as QueryParam
from fastapi.responses import Response

from euradar.alerts.calendar import deadline_events, ics_calendar, subscription_ics
from euradar.core.errors import ConfigError
from euradar.core.subscriptions import Subscription
from euradar.runtime import Runtime
from euradar.web import queries
from euradar.web.auth import require_write_token
from euradar.web.csvexport import to_csv
from euradar.web.params import SearchParams
from euradar.web.schemas import (
    HitOut,
    ItemDetailOut,
    ItemOut,
    PreviewMatch,
    PreviewOut,
    Provenance,
    SearchOut,
    SourceOut,
    SourcesOut,
    SubscriptionIn,
    SubscriptionOut,
    VersionOut,
    WayOutOut,
)
from euradar.web.search_help import search_help

router = APIRouter(prefix="/api", tags=["api"])
Search = Annotated[SearchParams, QueryParam()]
ItemId = Annotated[str, Path(min_length=1, max_length=300, description="e.g. ft:HORIZON-CL6-...")]
SubId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
WRITE = [Depends(require_write_token)]
# OpenAPI "responses" of the routes: status code -> response object.
_Responses = dict[int | str, dict[str, Any]]
_ERRORS: _Responses = {422: {"description": "Invalid parameters; `detail` says which and why"},
           503: {"description": "The index is unavailable; retry later"}}
_BODY_ERRORS: _Responses = {400: {"description": "The body is not valid JSON"}}
_WRITE_ERRORS: _Responses = {**_BODY_ERRORS, 401: {"description": "Missing or wrong API token"},
                 403: {"description": "Writes are disabled: EURADAR_API_TOKEN is not set"}}


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


def _validated(body: SubscriptionIn, sub_id: str | None = None) -> Subscription:
    try:
        return queries.subscription_from(body.model_dump(), sub_id)
    except ConfigError as exc:
        field = getattr(exc, "field", None)
        raise HTTPException(status_code=422, detail=[{
            "loc": ["body", field] if field else ["body"], "msg": str(exc),
            "type": "subscription_invalid"}]) from exc


@router.get("/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(request: Request) -> list[dict[str, Any]]:
    subs: list[Subscription] = _runtime(request).store.list_subscriptions()
    return [s.to_dict() for s in subs]


@router.post("/subscriptions", response_model=SubscriptionOut, status_code=201,
             dependencies=WRITE, responses={**_WRITE_ERRORS, 409: {"description": "Id taken"},
                                            **_ERRORS})
def create_subscription(request: Request, body: SubscriptionIn) -> dict[str, Any]:
    sub = _validated(body)
    store = _runtime(request).store
    if body.id and store.get_subscription(sub.id) is not None:
        raise HTTPException(status_code=409, detail=f"subscription {sub.id!r} exists; use PUT")
    saved: Subscription = store.save_subscription(sub)
    return saved.to_dict()


@router.post("/subscriptions/preview", response_model=PreviewOut,
             responses={**_BODY_ERRORS, **_ERRORS})
def preview_subscription(request: Request, body: SubscriptionIn,
                         days: Annotated[int, QueryParam(ge=1, le=queries.MAX_PREVIEW_DAYS)] = 30,
                         limit: Annotated[int, QueryParam(ge=0, le=200)] = 50) -> PreviewOut:
    """What this subscription would have matched among items first seen in the last ``days``
    days (newest first, at most ``limit`` shown; ``total`` counts all). Saves nothing."""
    matches = queries.preview_matches(_runtime(request), _validated(body), days)
    return PreviewOut(days=days, total=len(matches), matches=[
        PreviewMatch(item=ItemOut.of(item), reasons=reasons) for item, reasons in matches[:limit]])


@router.get("/subscriptions/{sub_id}", response_model=SubscriptionOut,
            responses={404: {"description": "No such subscription"}})
def get_subscription(request: Request, sub_id: SubId) -> dict[str, Any]:
    sub: Subscription | None = _runtime(request).store.get_subscription(sub_id)
    if sub is None:
        raise HTTPException(status_code=404, detail=f"no subscription {sub_id!r}")
    return sub.to_dict()


@router.put("/subscriptions/{sub_id}", response_model=SubscriptionOut, dependencies=WRITE,
            responses={**_WRITE_ERRORS, **_ERRORS})
def put_subscription(request: Request, sub_id: SubId, body: SubscriptionIn) -> dict[str, Any]:
    """Create or replace the subscription ``sub_id`` (the body's id, if any, is ignored)."""
    saved: Subscription = _runtime(request).store.save_subscription(_validated(body, sub_id))
    return saved.to_dict()


@router.delete("/subscriptions/{sub_id}", status_code=204, dependencies=WRITE,
               responses={**_WRITE_ERRORS, 404: {"description": "No such subscription"}})
def delete_subscription(request: Request, sub_id: SubId) -> Response:
    if not _runtime(request).store.delete_subscription(sub_id):
        raise HTTPException(status_code=404, detail=f"no subscription {sub_id!r}")
    return Response(status_code=204)


@router.get("/subscriptions/{sub_id}/calendar.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "None"}})
def subscription_calendar(request: Request, sub_id: SubId) -> Response:
    """The live deadline feed of one subscription (subscribe to it in a calendar app)."""
    return subscription_ics_response(_runtime(request), sub_id)


def subscription_ics_response(runtime: Runtime, sub_id: str) -> Response:
    sub: Subscription | None = runtime.store.get_subscription(sub_id)
    if sub is None:
        raise HTTPException(status_code=404, detail=f"no subscription {sub_id!r}")
    return Response(subscription_ics(sub, runtime.index), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{sub.id}.ics"'})


@router.get("/sources", response_model=SourcesOut)
def sources(request: Request) -> SourcesOut:
    """Every configured source with its health (ok, failing, empty, never_run, disabled)."""
    rows, problem = queries.sources_overview(_runtime(request))
    return SourcesOut(sources=[SourceOut.model_validate(row) for row in rows], config_error=problem)


def _stamped(name: str, ext: str) -> str:
    return f"{name}-{datetime.now(UTC):%Y%m%d-%H%M}.{ext}"


@router.get("/export.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {}}, "description": "id, kind, status, title, programme, "
          "deadline, budget, themes, url, first_seen"}, **_ERRORS})
def export_csv(request: Request, params: Search) -> Response:
    """Every item of a search (all pages, up to 5000) as CSV, safe to open in a spreadsheet."""
    body = to_csv(queries.export_items(_runtime(request), params))
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_stamped("euradar", "csv")}"'})


@router.get("/calendar.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}, **_ERRORS})
def export_calendar(request: Request, params: Search,
                    past: Annotated[bool, QueryParam(description=(
                        "also deadlines that have passed (default: from today on)"))] = False,
                    ) -> Response:
    """The deadlines of every item of a search as an iCalendar (RFC 5545) file: the upcoming
    ones by default, every one with ``past=true``."""
    today = queries.today_utc()
    if not past and not (params.deadline_from and params.deadline_from >= today):
        params = params.model_copy(update={"deadline_from": today})
    items = queries.export_items(_runtime(request), params)
    body = ics_calendar(deadline_events(items, since=date.min if past else today),
                        name="euradar: " + (params.q or "search"))
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_stamped("euradar", "ics")}"'})
