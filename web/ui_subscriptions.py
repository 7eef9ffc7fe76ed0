"""The subscription pages: a list, and an editor with a preview of what a profile would match.

The editor is one HTML form. Its "Preview" button works without JavaScript (the server renders
the matches); with JavaScript, ``static/preview.js`` calls ``POST /api/subscriptions/preview``
as the user types. Saving and deleting need the API token: typed into the form once, then kept
in an HttpOnly, SameSite=Strict cookie (never readable by scripts, never sent cross-site).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from euradar.core.errors import ConfigError
from euradar.core.models import KINDS
from euradar.core.subscriptions import FREQUENCIES, LANGS, Subscription
from euradar.web import queries
from euradar.web.api import subscription_ics_response
from euradar.web.auth import TOKEN_COOKIE, check_token, same_origin
from euradar.web.i18n import taxonomy_labels, translator
from euradar.web.templating import render
from euradar.web.ui import page_context, ui_lang

router = APIRouter(include_in_schema=False)
PREVIEW_SHOWN = 20
_Number = TypeVar("_Number", int, float)


def _lang_suffix(lang: str, sep: str = "?") -> str:
    return f"{sep}lang=fi" if lang == "fi" else ""


def form_choices() -> dict[str, Any]:
    labels = taxonomy_labels()
    return {"themes": sorted(labels["themes"]) or [f"T{i}" for i in range(1, 9)],
            "eligibility": list(labels["eligibility"]), "kinds": KINDS,
            "frequencies": FREQUENCIES, "langs": LANGS}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(form: FormData, name: str, cast: Callable[[str], _Number], errors: list[str]) -> _Number | None:
    raw = str(form.get(name) or "").strip().replace("\u202f", "").replace(" ", "")
    if not raw:
        return None
    try:
        return cast(raw.replace(",", ".") if cast is float else raw)
    except ValueError:
        errors.append(f"{name}: {raw!r} is not a number")
        return None


def subscription_data(form: FormData, errors: list[str]) -> dict[str, Any]:
    """The form's fields as a subscription dict (the same shape the API takes)."""
    return {
        "name": str(form.get("name") or "").strip(),
        "email": str(form.get("email") or "").strip() or None,
        "organisation": str(form.get("organisation") or "").strip() or None,
        "lang": str(form.get("alert_lang") or "en"),
        "themes": [str(v) for v in form.getlist("themes")],
        "keywords": str(form.get("keywords") or "").strip(),
        "kinds": [str(v) for v in form.getlist("kinds")],
        "programmes": _split(str(form.get("programmes") or "")),
        "eligibility": [str(v) for v in form.getlist("eligibility")],
        "min_budget": _number(form, "min_budget", float, errors),
        "deadline_horizon_days": _number(form, "deadline_horizon_days", int, errors),
        "frequency": str(form.get("frequency") or "immediate"),
        "active": form.get("active") == "on",
    }


def _editor(request: Request, lang: str, sub: dict[str, Any], *, status_code: int = 200,
            **extra: Any) -> Response:
    context = {"sub": sub, "choices": form_choices(), "errors": [], "preview": None,
               "preview_days": 30, "has_cookie": TOKEN_COOKIE in request.cookies, **extra}
    return render("subscription_edit.html", lang, status_code=status_code,
                  **page_context(request, lang, **context))


@router.get("/subscriptions")
def subscriptions_page(request: Request) -> HTMLResponse:
    lang = ui_lang(request)
    subs: list[Subscription] = queries.runtime_of(request).store.list_subscriptions()
    return render("subscriptions.html", lang, **page_context(
        request, lang, subs=subs, deleted=request.query_params.get("deleted") == "1"))


@router.get("/subscriptions/new")
def new_subscription_page(request: Request) -> Response:
    lang = ui_lang(request)
    # Alerts default to the language the person is using the UI in.
    blank = Subscription(id="", name="", email=None, lang=lang).to_dict()
    return _editor(request, lang, blank)


@router.get("/subscriptions/{sub_id}/edit")
def edit_subscription_page(request: Request, sub_id: str) -> Response:
    lang = ui_lang(request)
    sub: Subscription | None = queries.runtime_of(request).store.get_subscription(sub_id)
    if sub is None:
        return render("not_found.html", lang, status_code=404,
                      **page_context(request, lang, item_id=sub_id))
    return _editor(request, lang, sub.to_dict(), saved=request.query_params.get("saved") == "1")


@router.get("/subscriptions/{sub_id}/calendar.ics")
def subscription_feed(request: Request, sub_id: str) -> Response:
    """The address alert mails link to (``euradar.alerts.calendar`` names it)."""
    return subscription_ics_response(queries.runtime_of(request), sub_id)


@router.post("/subscriptions/save")
async def save_subscription_form(request: Request) -> Response:
    """One endpoint for the form's three buttons: preview (read-only), save and delete."""
    lang = ui_lang(request)
    form = await request.form()
    action = str(form.get("action") or "save")
    sub_id = str(form.get("id") or "").strip() or None
    errors: list[str] = []
    data = subscription_data(form, errors)
    shown = {**Subscription(id=sub_id or "", name="", email=None).to_dict(), **data}
    runtime = queries.runtime_of(request)
    days = _number(form, "preview_days", int, errors) or 30

    if action in ("save", "delete"):
        denied = _check_form_token(request, form)
        if denied is not None:
            status, message = denied
            return _editor(request, lang, shown, status_code=status,
                           errors=[translator(lang)(message)])
    if action == "delete" and sub_id:
        runtime.store.delete_subscription(sub_id)
        return RedirectResponse("/subscriptions?deleted=1" + _lang_suffix(lang, "&"), 303)
    try:
        sub = queries.subscription_from(data, sub_id) if not errors else None
    except ConfigError as exc:
        errors.append(str(exc))
        sub = None
    if sub is None:
        return _editor(request, lang, shown, status_code=422, errors=errors, preview_days=days)
    if action == "preview":
        matches = queries.preview_matches(runtime, sub, days)
        return _editor(request, lang, shown, preview={"total": len(matches), "days": days,
                       "matches": matches[:PREVIEW_SHOWN]}, preview_days=days)
    runtime.store.save_subscription(sub)
    response = RedirectResponse(
        f"/subscriptions/{quote(sub.id)}/edit?saved=1" + _lang_suffix(lang, "&"), 303)
    typed = str(form.get("token") or "")
    if typed:
        response.set_cookie(TOKEN_COOKIE, typed, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", max_age=30 * 86400)
    return response


def _check_form_token(request: Request, form: FormData) -> tuple[int, str] | None:
    """None when the form may write, else (HTTP status, message key) for the page."""
    if not same_origin(request):
        return 403, "cross_site_form"
    presented = str(form.get("token") or "") or request.cookies.get(TOKEN_COOKIE)
    try:
        check_token(queries.runtime_of(request).settings.api_token, presented)
    except HTTPException as exc:
        if exc.status_code == 403:
            return 403, "writes_disabled"
        return 401, "token_wrong" if presented else "token_missing"
    return None
