"""Who may see and change subscriptions, and the security headers.

Searching and reading items is open (the server binds 127.0.0.1 by default). Subscriber data
(addresses, names, organisations, webhook URLs that often carry a secret) and every write need
either the API token from ``Settings.api_token`` (operators: everything) or a personal manage
link from a mail (a recipient: only the subscriptions of their own address, no account
needed; see :mod:`euradar.alerts.links`). With no token configured, the token paths are
refused outright: a radar that anyone on the network could reconfigure to mail its
subscribers is worse than a read-only one.

Browsers keep either credential in an HttpOnly, SameSite=Strict cookie (never readable by
scripts, never sent by another site), so forms and the live preview work without JavaScript
ever holding a secret.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from euradar.alerts.links import MANAGE, LinkClaims, LinkError
from euradar.core.subscriptions import Subscription
from euradar.web.queries import runtime_of

TOKEN_COOKIE = "euradar_token"
MANAGE_COOKIE = "euradar_manage"
NO_TOKEN_CONFIGURED = ("writes are disabled: no API token is configured. Set EURADAR_API_TOKEN "
                       "and restart the server to allow changes.")

# auto_error=False: we give our own messages (401 vs 403) instead of FastAPI's generic ones.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <EURADAR_API_TOKEN>")
_header = APIKeyHeader(name="X-API-Token", auto_error=False,
                       description="The same token in an X-API-Token header")


def check_token(configured: str | None, presented: str | None) -> None:
    """Raise 403 when writes are disabled, 401 when the token is missing or wrong."""
    if not configured:
        raise HTTPException(status_code=403, detail=NO_TOKEN_CONFIGURED)
    if not presented:
        raise HTTPException(status_code=401, detail="this change needs the API token "
                            "(Authorization: Bearer <token> or X-API-Token header)",
                            headers={"WWW-Authenticate": "Bearer"})
    # Constant-time comparison so response timing does not leak the token byte by byte.
    if not hmac.compare_digest(presented.encode("utf-8"), configured.encode("utf-8")):
        raise HTTPException(status_code=401, detail="the API token is wrong",
                            headers={"WWW-Authenticate": "Bearer"})


def require_write_token(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_token: Annotated[str | None, Depends(_header)],
) -> None:
    """FastAPI dependency for every API write."""
    presented = bearer.credentials if bearer else header_token
    check_token(runtime_of(request).settings.api_token, presented)


@dataclass(frozen=True)
class Access:
    """What the caller of one request may see: everything (API token) or one address's
    subscriptions (manage link), or nothing."""

    admin: bool = False
    email: str | None = None
    claims: LinkClaims | None = None

    @property
    def anyone(self) -> bool:
        return self.admin or self.email is not None

    def may_see(self, sub: Subscription) -> bool:
        return self.admin or bool(self.email and sub.email and sub.email.lower() == self.email)

    def visible(self, subs: list[Subscription]) -> list[Subscription]:
        return [s for s in subs if self.may_see(s)]


def presented_token(request: Request, form_token: str | None = None) -> str | None:
    """The API token from the Authorization or X-API-Token header, a form field or the cookie."""
    auth = request.headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return (request.headers.get("x-api-token") or form_token or request.cookies.get(TOKEN_COOKIE)
            or None)


def token_ok(request: Request, presented: str | None) -> bool:
    configured = runtime_of(request).settings.api_token
    return bool(configured and presented and hmac.compare_digest(
        presented.encode("utf-8"), configured.encode("utf-8")))


def manage_key(request: Request) -> str | None:
    """A manage link's key: ``?k=`` (the link itself), the X-Manage-Key header or the cookie."""
    return (request.query_params.get("k") or request.headers.get("x-manage-key")
            or request.cookies.get(MANAGE_COOKIE) or None)


def access_of(request: Request, form_token: str | None = None) -> Access:
    if token_ok(request, presented_token(request, form_token)):
        return Access(admin=True)
    key = manage_key(request)
    if key:
        try:
            claims = runtime_of(request).links.verify(key, MANAGE)
        except LinkError:
            return Access()
        return Access(email=claims.email.lower(), claims=claims)
    return Access()


def require_access(request: Request) -> Access:
    """FastAPI dependency for reads of subscriber data: the API token or a manage link."""
    access = access_of(request)
    if not access.anyone:
        raise HTTPException(status_code=401, detail="subscriber data needs the API token "
                            "(Authorization: Bearer <token>) or a personal manage link",
                            headers={"WWW-Authenticate": "Bearer"})
    return access


def same_origin(request: Request) -> bool:
    """True unless the browser says the form came from another site. Together with the
    SameSite=Strict token cookie this stops cross-site form posts (CSRF)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders(BaseHTTPMiddleware):
    """Headers on every response. No inline script or style anywhere, so the CSP can be strict:
    an injected ``<script>`` in crawled text could not run even if escaping failed."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response
