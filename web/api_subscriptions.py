"""Subscriptions in the JSON API (``/api/subscriptions``).

Subscriber data is private: every route needs the API token, or a personal manage link
(``X-Manage-Key`` header, ``?k=``, or the cookie the link sets), which shows and changes only
the subscriptions of its own address; someone else's subscription answers 404, as if absent.
PUT replaces a subscription; PATCH changes only the fields sent. The preview needs the same
credentials and is bounded (90 days, 2,000 items scanned).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi import Query as QueryParam
from fastapi.responses import Response

from euradar.alerts.calendar import subscription_ics
from euradar.alerts.links import CALENDAR, LinkError
from euradar.alerts.preview import MAX_PREVIEW_DAYS, preview_subscription
from euradar.alerts.wording import reason_lines
from euradar.core.errors import ConfigError
from euradar.core.subscriptions import Subscription
from euradar.runtime import Runtime
from euradar.web import queries
from euradar.web.auth import Access, access_of, require_access, require_write_token
from euradar.web.schemas import (
    ItemOut,
    PreviewMatch,
    PreviewOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)

router = APIRouter(prefix="/api", tags=["subscriptions"])
SubId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
WRITE = [Depends(require_write_token)]
Reader = Annotated[Access, Depends(require_access)]
_Responses = dict[int | str, dict[str, Any]]
_READ: _Responses = {401: {"description": "Needs the API token or a personal manage link"}}
_BODY: _Responses = {400: {"description": "The body is not valid JSON"},
                     422: {"description": "Invalid fields; `detail` says which and why"}}
_WRITE: _Responses = {**_BODY, 401: {"description": "Missing or wrong API token"},
                      403: {"description": "Writes are disabled: EURADAR_API_TOKEN is not set"}}
_MISSING: _Responses = {404: {"description": "No such subscription (or not yours)"}}
_MOVED: _Responses = {403: {"description": "A manage link cannot move a subscription to "
                                           "another address"}}


def _runtime(request: Request) -> Runtime:
    return queries.runtime_of(request)


def _invalid(exc: ConfigError) -> HTTPException:
    field = getattr(exc, "field", None)
    return HTTPException(status_code=422, detail=[{
        "loc": ["body", field] if field else ["body"], "msg": str(exc),
        "type": "subscription_invalid"}])


def _validated(data: dict[str, Any], sub_id: str | None = None) -> Subscription:
    try:
        return queries.subscription_from(data, sub_id)
    except ConfigError as exc:
        raise _invalid(exc) from exc


def _own(request: Request, access: Access, sub_id: str) -> Subscription:
    sub: Subscription | None = _runtime(request).store.get_subscription(sub_id)
    if sub is None or not access.may_see(sub):
        raise HTTPException(status_code=404, detail=f"no subscription {sub_id!r}")
    return sub


@router.get("/subscriptions", response_model=list[SubscriptionOut], responses=_READ)
def list_subscriptions(request: Request, access: Reader) -> list[dict[str, Any]]:
    """Every subscription (API token), or the manage link's own."""
    subs: list[Subscription] = _runtime(request).store.list_subscriptions()
    return [s.to_dict() for s in access.visible(subs)]


@router.post("/subscriptions", response_model=SubscriptionOut, status_code=201,
             dependencies=WRITE, responses={**_WRITE, 409: {"description": "Id taken"}})
def create_subscription(request: Request, body: SubscriptionIn) -> dict[str, Any]:
    sub = _validated(body.model_dump())
    store = _runtime(request).store
    if body.id and store.get_subscription(sub.id) is not None:
        raise HTTPException(status_code=409, detail=f"subscription {sub.id!r} exists; use PUT")
    saved: Subscription = store.save_subscription(sub)
    return saved.to_dict()


@router.post("/subscriptions/preview", response_model=PreviewOut, responses={**_BODY, **_READ})
def preview(request: Request, body: SubscriptionIn, access: Reader,
            days: Annotated[int, QueryParam(ge=1, le=MAX_PREVIEW_DAYS)] = 30,
            limit: Annotated[int, QueryParam(ge=0, le=200)] = 50,
            lang: Annotated[Literal["en", "fi", "sv"] | None, QueryParam(
                description="Language of the reasons (default: the subscription's)")] = None,
            ) -> PreviewOut:
    """What this subscription would have matched among items first seen in the last ``days``
    days (newest first, at most ``limit`` shown; ``total`` counts all, ``alerted`` those that
    would have been mailed). Saves nothing; at most 2,000 items are scanned."""
    sub = _validated(body.model_dump())
    result = preview_subscription(sub, _runtime(request).index, days)
    wording = lang or sub.lang
    return PreviewOut(
        days=result.days, total=len(result.matches), alerted=len(result.alerted),
        scanned=result.scanned, truncated=result.truncated,
        matches=[PreviewMatch(item=ItemOut.of(m.item), reasons=reason_lines(m.reasons, wording),
                              why=m.reasons.to_dict(), status=m.item.status, closed=m.closed,
                              alerted=m.alerted) for m in result.matches[:limit]])


@router.get("/subscriptions/{sub_id}", response_model=SubscriptionOut,
            responses={**_READ, **_MISSING})
def get_subscription(request: Request, sub_id: SubId, access: Reader) -> dict[str, Any]:
    return _own(request, access, sub_id).to_dict()


@router.put("/subscriptions/{sub_id}", response_model=SubscriptionOut, dependencies=WRITE,
            responses=_WRITE)
def put_subscription(request: Request, sub_id: SubId, body: SubscriptionIn) -> dict[str, Any]:
    """Create or replace the subscription ``sub_id`` (fields left out take their defaults;
    use PATCH to change some fields only). The body's id, if any, is ignored."""
    saved: Subscription = _runtime(request).store.save_subscription(
        _validated(body.model_dump(), sub_id))
    return saved.to_dict()


@router.patch("/subscriptions/{sub_id}", response_model=SubscriptionOut,
              responses={**_BODY, **_READ, **_MISSING, **_MOVED})
def patch_subscription(request: Request, sub_id: SubId, body: SubscriptionPatch,
                       access: Reader) -> dict[str, Any]:
    """Change only the fields sent (``null`` resets one to its default); the rest is kept."""
    sub = _own(request, access, sub_id)
    try:
        changed = sub.updated(body.model_dump(exclude_unset=True))
    except ConfigError as exc:
        raise _invalid(exc) from exc
    if not access.may_see(changed):  # a manage link cannot hand a subscription to someone else
        raise HTTPException(status_code=403, detail="a manage link keeps subscriptions at its "
                            "own address; change the email with the API token")
    saved: Subscription = _runtime(request).store.save_subscription(changed)
    return saved.to_dict()


@router.delete("/subscriptions/{sub_id}", status_code=204,
               responses={**_READ, **_MISSING})
def delete_subscription(request: Request, sub_id: SubId, access: Reader) -> Response:
    _own(request, access, sub_id)
    _runtime(request).store.delete_subscription(sub_id)
    return Response(status_code=204)


@router.get("/subscriptions/{sub_id}/calendar.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}, **_MISSING})
def subscription_calendar(request: Request, sub_id: SubId) -> Response:
    """The live deadline feed of one subscription (subscribe to it in a calendar app with the
    calendar link from a mail, or with the API token)."""
    return subscription_ics_response(request, sub_id)


def subscription_ics_response(request: Request, sub_id: str) -> Response:
    """The feed for the API token, the owner's manage link, or the feed's own signed key."""
    runtime = _runtime(request)
    sub: Subscription | None = runtime.store.get_subscription(sub_id)
    allowed = sub is not None and access_of(request).may_see(sub)
    if sub is not None and not allowed:
        try:
            allowed = sub_id in runtime.links.verify(request.query_params.get("k"),
                                                     CALENDAR).sub_ids
        except LinkError:
            allowed = False
    if sub is None or not allowed:
        raise HTTPException(status_code=404, detail=f"no subscription {sub_id!r}")
    return Response(subscription_ics(sub, runtime.index), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{sub.id}.ics"'})
