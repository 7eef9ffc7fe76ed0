"""Write protection and security headers.

Reads are open (the server binds 127.0.0.1 by default); every write needs the token from
``Settings.api_token``. With no token configured, writes are refused outright: a radar that
anyone on the network could reconfigure to mail its subscribers is worse than a read-only one.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from euradar.web.queries import runtime_of

TOKEN_COOKIE = "euradar_token"
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
