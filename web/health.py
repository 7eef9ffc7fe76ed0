"""``/healthz`` (liveness), ``/readyz`` (readiness, 503 with the reasons) and ``/metrics``
(Prometheus text) of the process serving the web app; see :mod:`euradar.health`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from euradar.runtime import Runtime

router = APIRouter(include_in_schema=False)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"alive": True})


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    # Probes block (a TCP connect to a stopped Elasticsearch): keep them off the event loop.
    ready, report = await run_in_threadpool(_runtime(request).health.readiness)
    return JSONResponse(report, status_code=200 if ready else 503,
                        headers={"Cache-Control": "no-store"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(_runtime(request).health.metrics_text)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
