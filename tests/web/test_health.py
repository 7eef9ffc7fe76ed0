"""/healthz, /readyz and /metrics of the web app: liveness always, readiness with reasons,
Prometheus text with the counters and the scrape-time gauges."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from euradar.web.app import create_app


@pytest.fixture
def app_client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


def test_healthz_and_readyz_when_everything_answers(app_client, runtime):
    assert app_client.get("/healthz").json() == {"alive": True}
    ready = app_client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    body = ready.json()
    assert body["ready"] is True and body["problems"] == []
    assert body["dependencies"] == {"bus": "ok", "index": "ok", "store": "ok", "notifier": "ok"}


def test_readyz_says_which_dependency_is_down(app_client, runtime, tmp_path):
    runtime.store.close()  # the store cannot be read any more
    runtime.health._cache.clear()
    down = app_client.get("/readyz")
    assert down.status_code == 503
    assert any(p.startswith("store: ") for p in down.json()["problems"])


def test_readyz_fails_while_a_role_waits_to_be_restarted(app_client, runtime):
    from euradar.core.supervisor import TaskState

    runtime.supervisor.states["indexer"] = TaskState("indexer", status="waiting",
                                                     last_error="IndexError: boom")
    body = app_client.get("/readyz")
    assert body.status_code == 503
    assert body.json()["roles"]["indexer"]["problem"].startswith("waiting")
    runtime.supervisor.states["indexer"].status = "running"
    assert app_client.get("/readyz").status_code == 200


def test_metrics_are_prometheus_text(app_client, runtime):
    text = app_client.get("/metrics")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    body = text.text
    for name in ("euradar_items_processed_total", "euradar_dead_letters_total",
                 "euradar_restarts_total", "euradar_consumer_lag", "euradar_dependency_up",
                 "process_resident_memory_bytes"):
        assert f"# TYPE {name.removesuffix('_total')}" in body, name
    assert 'euradar_dependency_up{dependency="index"} 1.0' in body
