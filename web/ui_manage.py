"""Signing in, the personal manage link and one-click unsubscribe.

* ``/login``: operators type the API token once; it is kept in an HttpOnly, SameSite=Strict
  cookie. ``/logout`` forgets both credentials.
* ``/manage?k=...``: the link at the end of every mail. A genuine, unexpired key shows the
  subscriptions of its address and is kept in a cookie for the editor and its live preview.
* ``/unsubscribe?k=...``: GET shows a confirmation button (link scanners in mail systems open
  every link; they must not unsubscribe anyone); POST pauses the subscriptions named in the key.
  Mail clients POST ``List-Unsubscribe=One-Click`` there from the RFC 8058 header, from their
  own servers, so this POST takes no cookie and no same-origin check: the signed key is the
  authority. Pausing (not deleting) keeps the settings, so "undo" restores them.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from euradar.alerts.links import MANAGE, UNSUBSCRIBE, LinkClaims, LinkError
from euradar.core.subscriptions import Subscription
from euradar.web import queries
from euradar.web.auth import MANAGE_COOKIE, TOKEN_COOKIE, Access, same_origin, token_ok
from euradar.web.i18n import translator
from euradar.web.templating import lang_query, render
from euradar.web.ui import page_context, ui_lang
from euradar.web.ui_subscriptions import login_page

router = APIRouter(include_in_schema=False)


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", max_age=max_age,
                        secure=request.url.scheme == "https")


@router.get("/login")
def login_form(request: Request) -> Response:
    return login_page(request, ui_lang(request), status_code=200)


@router.post("/login")
async def login(request: Request) -> Response:
    lang = ui_lang(request)
    form = await request.form()
    token = str(form.get("token") or "")
    if not same_origin(request):
        return login_page(request, lang, status_code=403, error="cross_site_form")
    if not token_ok(request, token):
        configured = queries.runtime_of(request).settings.api_token
        return login_page(request, lang, status_code=401 if configured else 403,
                          error="token_wrong" if configured else "writes_disabled")
    response = RedirectResponse("/subscriptions" + lang_query(lang), 303)
    _cookie(response, request, TOKEN_COOKIE, token, 30 * 86400)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/" + lang_query(ui_lang(request)), 303)
    response.delete_cookie(TOKEN_COOKIE)
    response.delete_cookie(MANAGE_COOKIE)
    return response


def _link_problem(request: Request, lang: str, exc: LinkError) -> Response:
    t = translator(lang)
    return render("message.html", lang, status_code=410 if exc.expired else 403,
                  **page_context(request, lang, title=t("manage_title"),
                                 message=t("link_expired" if exc.expired else "link_invalid")))


@router.get("/manage")
def manage(request: Request) -> Response:
    """The subscriptions of the link's address; the key becomes a cookie for the editor."""
    lang = ui_lang(request)
    runtime = queries.runtime_of(request)
    key = request.query_params.get("k") or request.cookies.get(MANAGE_COOKIE)
    try:
        claims = runtime.links.verify(key, MANAGE)
    except LinkError as exc:
        return _link_problem(request, lang, exc)
    access = Access(email=claims.email, claims=claims)
    subs = access.visible(runtime.store.list_subscriptions())
    response = render("subscriptions.html", lang, **page_context(
        request, lang, subs=subs, access=access, deleted=False,
        calendar_url=runtime.links.calendar_url))
    if request.query_params.get("k") and key:
        _cookie(response, request, MANAGE_COOKIE, key, max(60, claims.expires - int(time.time())))
    return response


def _unsubscribe_claims(request: Request) -> LinkClaims:
    return queries.runtime_of(request).links.verify(request.query_params.get("k"), UNSUBSCRIBE)


def _named(request: Request, claims: LinkClaims) -> list[Subscription]:
    store = queries.runtime_of(request).store
    subs = [store.get_subscription(i) for i in claims.sub_ids]
    return [s for s in subs if s is not None and s.email and s.email.lower() == claims.email]


@router.get("/unsubscribe")
def unsubscribe_page(request: Request) -> Response:
    lang = ui_lang(request)
    try:
        claims = _unsubscribe_claims(request)
    except LinkError as exc:
        return _link_problem(request, lang, exc)
    return render("unsubscribe.html", lang, **page_context(
        request, lang, email=claims.email, subs=_named(request, claims), done=None,
        key=request.query_params.get("k")))


@router.post("/unsubscribe")
async def unsubscribe(request: Request) -> Response:
    """RFC 8058 one-click (body ``List-Unsubscribe=One-Click``) or the page's button; the
    page's "undo" button posts ``action=resubscribe``."""
    lang = ui_lang(request)
    try:
        claims = _unsubscribe_claims(request)
    except LinkError as exc:
        return _link_problem(request, lang, exc)
    form = await request.form()
    active = form.get("action") == "resubscribe"
    store = queries.runtime_of(request).store
    subs = _named(request, claims)
    for sub in subs:
        if sub.active != active:
            store.save_subscription(sub.updated({"active": active}))
    if form.get("List-Unsubscribe") == "One-Click":
        return Response("unsubscribed\n", media_type="text/plain")
    return render("unsubscribe.html", lang, **page_context(
        request, lang, email=claims.email, subs=_named(request, claims),
        done="resubscribed" if active else "unsubscribed", key=request.query_params.get("k")))
