"""``create_app(runtime)``: the FastAPI application serving the JSON API and the web UI.

The app holds no state of its own: everything comes from the runtime's index and store, so
the same app runs embedded (SQLite) or distributed (Elasticsearch) unchanged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from euradar import __version__
from euradar.core.errors import ConfigError, TransientError
from euradar.runtime import Runtime
from euradar.web import api, api_subscriptions, health, ui, ui_manage, ui_subscriptions
from euradar.web.auth import SecurityHeaders

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
# api_subscriptions' literal /api/subscriptions/preview before its {sub_id} routes;
# ui_subscriptions before ui, so its literal /subscriptions/... paths win.
ROUTERS = (health.router, api.router, api_subscriptions.router, ui_manage.router,
           ui_subscriptions.router, ui.router)


def create_app(runtime: Runtime) -> FastAPI:
    # No /docs or /redoc: both load scripts from a CDN, which the CSP (and no internet) forbid.
    app = FastAPI(title="euradar", version=__version__, docs_url=None, redoc_url=None,
                  description="EU funding calls, tenders and news for Lapland: search, items, "
                              "subscriptions, sources, CSV and iCalendar exports. Subscriber "
                              "data and writes need the API token (EURADAR_API_TOKEN) or a "
                              "personal manage link from a mail.")
    app.state.runtime = runtime
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(TransientError)
    async def backend_unavailable(request: Request, exc: TransientError) -> JSONResponse:
        # The index or store is down: say so and let the client retry; this is not a bug.
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": f"temporarily unavailable: {exc}"}, status_code=503,
                            headers={"Retry-After": "30"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette lists only the first matching route's methods; HTTP wants all of them.
            return JSONResponse({"detail": "Method Not Allowed"}, status_code=405,
                                headers={"Allow": ", ".join(allowed_methods(request))})
        return await http_exception_handler(request, exc)

    @app.exception_handler(ConfigError)
    async def invalid_input(request: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    return app


def allowed_methods(request: Request) -> list[str]:
    """The methods of the routes at this path (our routers carry their full paths). A literal
    path (``/api/subscriptions/preview``) outranks a template (``/api/subscriptions/{sub_id}``),
    as in the OpenAPI spec."""
    matching = [r for router in ROUTERS for r in router.routes
                if r.matches(request.scope)[0] != Match.NONE]
    literal = [r for r in matching if "{" not in getattr(r, "path", "{")]
    return sorted({m for r in (literal or matching) for m in (getattr(r, "methods", None) or ())})
