"""Drill (c) on Kafka + Elasticsearch: Elasticsearch stopped for 60 s under a running
``euradar run`` (every role, the scheduler and the web server in one process). /readyz turns
503 within 30 s and back to 200 after; the process stays up; nothing is lost: every published
item is indexed and alerted exactly once.

Stops and starts Elasticsearch with infra/services.sh and the environment it was started with
(e.g. EURADAR_ES_PORT), like tests/services/test_indexer_es_outage.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.always_on import make_pair, raw_event, raw_item
from tests.e2e.test_always_on import REPO, safe, subscribe
from tests.services.support import services_sh, wait_until
from tests.services.test_indexer_es_outage import _managed_es_port

pytestmark = [pytest.mark.services, pytest.mark.timeout(900)]
N_BEFORE, N_DURING, OUTAGE_SECONDS = 100, 60, 60


@pytest.fixture
def pair(request, tmp_path):
    yield from make_pair(request, tmp_path, "kafka-es")


def readyz(port: int) -> int:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code
    except httpx.HTTPError:
        return -1


def test_elasticsearch_down_60s_under_euradar_run(request, pair, es_url):
    port = _managed_es_port(request)
    if urlparse(es_url).port != port:
        pytest.fail(f"EURADAR_TEST_ES_URL={es_url} is not the Elasticsearch infra/services.sh "
                    f"manages (port {port}); set EURADAR_ES_PORT accordingly", pytrace=False)
    rt = pair.runtime()
    subscribe(rt)
    web_port = int(pair.env["EURADAR_WEB_PORT"])
    items = [(f"ao:{pair.run}:{n}", raw_event(raw_item(pair.run, n)))
             for n in range(N_BEFORE + N_DURING)]
    pair.publish(rt, items[:N_BEFORE])
    log = open(pair.tmp / "run.log", "wb")
    env = {**os.environ, **pair.env, "PYTHONPATH": REPO, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "euradar", "run"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    es_stopped = False

    def output() -> str:
        return (pair.tmp / "run.log").read_text(errors="replace")[-4000:]

    try:
        assert wait_until(lambda: safe(rt.index.count) == N_BEFORE and readyz(web_port) == 200,
                          timeout=300), output()
        stopped = services_sh("stop", "elasticsearch")
        es_stopped = True
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        t_down = time.monotonic()
        pair.publish(rt, items[N_BEFORE:])
        assert wait_until(lambda: readyz(web_port) == 503, timeout=30, interval=0.5), output()
        not_ready_after = time.monotonic() - t_down
        body = httpx.get(f"http://127.0.0.1:{web_port}/readyz", timeout=10).json()
        assert any(p.startswith("index: ") for p in body["problems"]), body
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - t_down)))
        assert proc.poll() is None, f"euradar run exited while Elasticsearch was down\n{output()}"

        started = services_sh("start", "elasticsearch", timeout=600)
        assert started.returncode == 0, started.stdout + started.stderr
        es_stopped = False
        t_up = time.monotonic()
        total = N_BEFORE + N_DURING
        assert wait_until(lambda: safe(rt.index.count) == total and readyz(web_port) == 200
                          and sum(pair.outbox_items().values()) == total, 300, 1.0), \
            (safe(rt.index.count), output())
        caught_up_in = time.monotonic() - t_up
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, output()
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
        if es_stopped:  # never leave Elasticsearch down
            services_sh("start", "elasticsearch", timeout=600)
    dead = pair.dead(rt)
    alerts = pair.outbox_items()
    print(f"\ndrill (c): published {total}, indexed {rt.index.count()}, dead-lettered "
          f"{len(dead)}, alerted {sum(alerts.values())} (distinct {len(alerts)}); /readyz 503 "
          f"{not_ready_after:.1f}s after the stop; caught up {caught_up_in:.1f}s after the start")
    assert total == rt.index.count() + len(dead) and dead == []
    assert sorted(alerts) == list(range(total)) and set(alerts.values()) == {1}
    rt.close()
