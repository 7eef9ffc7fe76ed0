"""The subscription pages: a list, and an editor with a preview of what a profile would match.

Subscriber data is private (:mod:`euradar.web.auth`): operators sign in with the API token, a
recipient opens the personal manage link from any mail and sees only their own subscriptions.
Without either, these pages answer 401 with the sign-in form.

The editor is one HTML form holding every field of a subscription, so saving keeps what was
set (geography, webhook, reminders ... included); a value the form's choices do not list (an
eligibility group typed in a YAML file) is shown ticked and kept. Its "Preview" button works
without JavaScript (the server renders the matches); with JavaScript, ``static/preview.js``
calls ``POST /api/subscriptions/preview`` as the user types, authorised by the same cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from euradar.alerts.preview import preview_subscription
from euradar.alerts.wording import reason_lines
from euradar.core.errors import ConfigError
from euradar.core.models import KINDS
from euradar.core.subscriptions import FREQUENCIES, LANGS, Subscription, SubscriptionError
from euradar.web import queries
from euradar.web.api_subscriptions import subscription_ics_response
from euradar.web.auth import TOKEN_COOKIE, Access, access_of, same_origin, token_ok
from euradar.web.i18n import taxonomy_labels, translator
from euradar.web.templating import lang_query, render
from euradar.web.ui import page_context, ui_lang

router = APIRouter(include_in_schema=False)
PREVIEW_SHOWN = 20
_Number = TypeVar("_Number", int, float)
# Which label names a field in error messages.
FIELD_LABELS = {"name": "name", "email": "email", "organisation": "organisation",
                "lang": "alert_lang", "themes": "themes", "keywords": "keywords",
                "kinds": "kinds", "programmes": "programmes", "eligibility": "eligibility",
                "geography": "geography_field", "min_budget": "min_budget",
                "deadline_horizon_days": "deadline_horizon", "frequency": "frequency",
                "webhook_url": "webhook_url", "reminders": "reminders_field",
                "active": "active", "id": "name"}


def form_choices(sub: dict[str, Any]) -> dict[str, Any]:
    """The editor's choices, plus any value the subscription holds that they lack."""
    labels = taxonomy_labels()
    themes = sorted(labels["themes"]) or [f"T{i}" for i in range(1, 9)]
    eligibility = list(labels["eligibility"])
    return {"themes": themes + [t for t in sub.get("themes") or [] if t not in themes],
            "eligibility": eligibility + [e for e in sub.get("eligibility") or []
                                          if e not in eligibility],
            "kinds": KINDS, "frequencies": FREQUENCIES, "langs": LANGS}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(form: FormData, name: str, cast: Callable[[str], _Number],
            errors: list[str], t: Callable[..., str]) -> _Number | None:
    raw = str(form.get(name) or "").strip().replace("\u202f", "").replace(" ", "")
    if not raw:
        return None
    try:
        return cast(raw.replace(",", ".") if cast is float else raw)
    except ValueError:
        errors.append(t("invalid_number", field=t(FIELD_LABELS.get(name, name)), value=raw))
        return None


def _days(form: FormData, errors: list[str], t: Callable[..., str]) -> list[int]:
    raw = str(form.get("reminders") or "")
    try:
        return [int(part) for part in _split(raw)]
    except ValueError:
        errors.append(t("invalid_days", field=t("reminders_field"), value=raw))
        return []


def subscription_data(form: FormData, errors: list[str], lang: str = "en") -> dict[str, Any]:
    """Every field of the form as a subscription dict (the shape the API takes)."""
    t = translator(lang)
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
        "geography": _split(str(form.get("geography") or "")),
        "min_budget": _number(form, "min_budget", float, errors, t),
        "deadline_horizon_days": _number(form, "deadline_horizon_days", int, errors, t),
        "frequency": str(form.get("frequency") or "immediate"),
        "webhook_url": str(form.get("webhook_url") or "").strip() or None,
        "reminders": _days(form, errors, t),
        "active": form.get("active") == "on",
    }


def fmt_budget(value: float | None) -> str:
    """The budget as typed back into the form, without losing cents or adding them."""
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else repr(float(value))


def _editor(request: Request, lang: str, sub: dict[str, Any], access: Access, *,
            status_code: int = 200, **extra: Any) -> Response:
    context = {"sub": sub, "choices": form_choices(sub), "errors": [], "preview": None,
               "preview_days": 30, "access": access, "budget_text": fmt_budget(
                   sub.get("min_budget")), **extra}
    return render("subscription_edit.html", lang, status_code=status_code,
                  **page_context(request, lang, **context))


def login_page(request: Request, lang: str, status_code: int = 401, **extra: Any) -> Response:
    return render("login.html", lang, status_code=status_code,
                  **page_context(request, lang, next=request.url.path, **extra))


@router.get("/subscriptions")
def subscriptions_page(request: Request) -> Response:
    lang = ui_lang(request)
    access = access_of(request)
    if not access.anyone:
        return login_page(request, lang)
    subs: list[Subscription] = queries.runtime_of(request).store.list_subscriptions()
    return render("subscriptions.html", lang, **page_context(
        request, lang, subs=access.visible(subs), access=access,
        calendar_url=queries.runtime_of(request).links.calendar_url,
        deleted=request.query_params.get("deleted") == "1"))


@router.get("/subscriptions/new")
def new_subscription_page(request: Request) -> Response:
    lang = ui_lang(request)
    access = access_of(request)
    if not access.anyone:
        return login_page(request, lang)
    # Alerts default to the language the person is using the UI in; a recipient's own address.
    blank = Subscription(id="", name="", email=access.email, lang=lang).to_dict()
    return _editor(request, lang, blank, access)


@router.get("/subscriptions/{sub_id}/edit")
def edit_subscription_page(request: Request, sub_id: str) -> Response:
    lang = ui_lang(request)
    access = access_of(request)
    if not access.anyone:
        return login_page(request, lang)
    sub: Subscription | None = queries.runtime_of(request).store.get_subscription(sub_id)
    if sub is None or not access.may_see(sub):
        return render("not_found.html", lang, status_code=404,
                      **page_context(request, lang, item_id=sub_id))
    return _editor(request, lang, sub.to_dict(), access,
                   saved=request.query_params.get("saved") == "1")


@router.get("/subscriptions/{sub_id}/calendar.ics")
def subscription_feed(request: Request, sub_id: str) -> Response:
    """The address alert mails link to (with its own signed key)."""
    return subscription_ics_response(request, sub_id)


def _field_error(exc: ConfigError, lang: str) -> str:
    t = translator(lang)
    field = exc.field if isinstance(exc, SubscriptionError) else None
    if field == "email":
        return f"{t('email')}: {t('webhook_help')}"
    return t("invalid_field", field=t(FIELD_LABELS.get(field or "", "error")))


@router.post("/subscriptions/save")
async def save_subscription_form(request: Request) -> Response:
    """One endpoint for the form's three buttons: preview (read-only), save and delete."""
    lang = ui_lang(request)
    t = translator(lang)
    form = await request.form()
    action = str(form.get("action") or "save")
    sub_id = str(form.get("id") or "").strip() or None
    typed = str(form.get("token") or "")
    access = access_of(request, typed or None)
    errors: list[str] = []
    data = subscription_data(form, errors, lang)
    shown = {**Subscription(id=sub_id or "", name="", email=None).to_dict(), **data}
    runtime = queries.runtime_of(request)
    days = _number(form, "preview_days", int, errors, t) or 30

    if not same_origin(request):
        return _editor(request, lang, shown, access, status_code=403, errors=[t("cross_site_form")])
    if not access.anyone:
        if not runtime.settings.api_token:
            return _editor(request, lang, shown, access, status_code=403,
                           errors=[t("writes_disabled")])
        return _editor(request, lang, shown, access, status_code=401,
                       errors=[t("token_wrong" if typed else "token_missing")])
    existing = runtime.store.get_subscription(sub_id) if sub_id else None
    if existing is not None and not access.may_see(existing):
        return _editor(request, lang, shown, access, status_code=404, errors=[t("not_yours")])
    if action == "delete" and existing is not None:
        runtime.store.delete_subscription(existing.id)
        return RedirectResponse("/subscriptions?deleted=1" + lang_query(lang, "&"), 303)
    try:
        sub = (existing.updated(data) if existing is not None
               else queries.subscription_from(data, sub_id)) if not errors else None
    except ConfigError as exc:
        errors.append(_field_error(exc, lang))
        sub = None
    if sub is not None and not access.may_see(sub):  # a recipient keeps to their own address
        errors.append(t("not_yours"))
        sub = None
    if sub is None:
        return _editor(request, lang, shown, access, status_code=422, errors=errors,
                       preview_days=days)
    if action == "preview":
        result = preview_subscription(sub, runtime.index, days)
        matches = [{"item": m.item, "reasons": reason_lines(m.reasons, lang), "closed": m.closed,
                    "alerted": m.alerted} for m in result.matches[:PREVIEW_SHOWN]]
        return _editor(request, lang, shown, access, preview={
            "total": len(result.matches), "alerted": len(result.alerted), "days": result.days,
            "truncated": result.truncated, "scanned": result.scanned, "matches": matches},
            preview_days=days)
    runtime.store.save_subscription(sub)
    response = RedirectResponse(
        f"/subscriptions/{quote(sub.id)}/edit?saved=1" + lang_query(lang, "&"), 303)
    if typed and token_ok(request, typed):
        response.set_cookie(TOKEN_COOKIE, typed, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", max_age=30 * 86400)
    return response
