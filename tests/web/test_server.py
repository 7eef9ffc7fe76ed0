"""The uvicorn runner: a background server on 127.0.0.1 that starts, answers and stops."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import make_runtime


def test_background_server_binds_loopback_answers_and_stops(backend_index, tmp_path):
    from euradar.web.server import start_background

    runtime = make_runtime(backend_index, tmp_path, port=0)
    assert runtime.settings.web_host == "127.0.0.1"  # the default, never 0.0.0.0
    handle = start_background(runtime)
    try:
        assert handle.host == "127.0.0.1" and handle.port > 0
        r = httpx.get(handle.url + "/api/search", timeout=5)
        assert r.status_code == 200 and r.json()["total"] == 0
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    finally:
        handle.stop()
    assert not handle.thread.is_alive()


def test_a_busy_port_is_a_clear_error(backend_index, tmp_path):
    from euradar.web.server import start_background

    first = start_background(make_runtime(backend_index, tmp_path, port=0))
    try:
        with pytest.raises(RuntimeError, match="did not start"):
            start_background(make_runtime(backend_index, tmp_path, port=first.port))
    finally:
        first.stop()
