"""Elasticsearch stopped for 30 s under a running indexer on Kafka: it backs off, resumes, and
the index ends with exactly the expected documents (all items, latest versions, nothing else).

Needs Elasticsearch started by ``infra/services.sh`` (the test stops and starts it with the same
script and environment, e.g. ``EURADAR_ES_PORT``), at the URL in ``EURADAR_TEST_ES_URL``.
"""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import urlparse

import pytest

from euradar.core.ports import Query
from euradar.core.topics import ITEMS_TAGGED
from tests.conftest import services_required
from tests.services.support import CliProcess, event_bytes, services_sh, tagged_item, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(600)]

N_BEFORE = 100  # indexed before the outage
N_DURING = 50  # new items published while Elasticsearch is down
N_UPDATED = 20  # items 0..19 get version 2 during the outage
OUTAGE_SECONDS = 30


def _managed_es_port(request) -> int:
    status = services_sh("status", "elasticsearch", timeout=30)
    found = re.search(r"elasticsearch: running \(pid \d+\) on 127\.0\.0\.1:(\d+)", status.stdout)
    if not found:
        msg = ("this test stops and restarts Elasticsearch with infra/services.sh, but it reports: "
               f"{status.stdout.strip() or status.stderr.strip()}")
        if services_required(request.config):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return int(found.group(1))


def test_indexer_survives_elasticsearch_outage(request, kafka_bootstrap, es_url, tmp_path):
    from euradar.infra.bus.kafka import KafkaBus
    from euradar.infra.index.elasticsearch import ElasticsearchIndex

    port = _managed_es_port(request)
    if urlparse(es_url).port != port:
        pytest.fail(f"EURADAR_TEST_ES_URL={es_url} is not the Elasticsearch infra/services.sh "
                    f"manages (port {port}); set EURADAR_ES_PORT accordingly", pytrace=False)

    run = uuid.uuid4().hex[:8]
    bus_url = f"kafka://{kafka_bootstrap}?topic_prefix=svc{run}."
    index_url = f"{es_url}?prefix=test-svc-{run}"
    bus = KafkaBus(bus_url)
    index = ElasticsearchIndex(index_url)
    env = {"EURADAR_BUS": bus_url, "EURADAR_INDEX": index_url,
           "EURADAR_STORE": f"sqlite:///{tmp_path}/store.db",
           "EURADAR_NOTIFIER": f"outbox:///{tmp_path}/outbox"}

    def publish(items):
        for item in items:
            bus.publish(ITEMS_TAGGED, item.id, event_bytes(item, "new" if item.version == 1
                                                           else "changed"))
        bus.flush()

    def safe_count() -> int:
        try:
            return index.count()
        except Exception:
            return -1

    indexer = None
    es_stopped = False
    try:
        publish([tagged_item(run, n) for n in range(N_BEFORE)])
        indexer = CliProcess("indexer", tmp_path, env, "indexer")
        assert wait_until(lambda: safe_count() == N_BEFORE, timeout=120), indexer.output()[-3000:]

        stopped = services_sh("stop", "elasticsearch")
        es_stopped = True
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        t_down = time.monotonic()
        publish([tagged_item(run, n) for n in range(N_BEFORE, N_BEFORE + N_DURING)])
        publish([tagged_item(run, n, version=2) for n in range(N_UPDATED)])
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - t_down)))
        assert indexer.alive(), f"indexer died while Elasticsearch was down:\n{indexer.output()}"

        started = services_sh("start", "elasticsearch")
        assert started.returncode == 0, started.stdout + started.stderr
        es_stopped = False

        total = N_BEFORE + N_DURING

        def converged() -> bool:
            if safe_count() != total:
                return False
            return all((index.get(f"svc:{run}:{n}") or tagged_item(run, n)).version == 2
                       for n in range(N_UPDATED))

        assert wait_until(converged, timeout=180, interval=1.0), \
            f"index has {safe_count()} docs, want {total}:\n{indexer.output()[-3000:]}"
        assert indexer.alive(), indexer.output()[-3000:]
        log = indexer.output()
        assert "retrying" in log and "without committing" in log, log[-3000:]  # it backed off

        page = index.search(Query(sort="first_seen", size=500, facets=False))
        ids = {h.item.id for h in page.hits}
        assert page.total == total and ids == {f"svc:{run}:{n}" for n in range(total)}
        for n in range(N_UPDATED):
            assert index.get(f"svc:{run}:{n}").title.endswith("version 2")
        for n in range(N_UPDATED, total):
            assert index.get(f"svc:{run}:{n}").version == 1
        assert indexer.stop() == 0, indexer.output()[-3000:]
    finally:
        if indexer is not None:
            indexer.stop()
        if es_stopped:  # never leave the shared Elasticsearch down
            services_sh("start", "elasticsearch")
        try:
            index.drop()
        finally:
            index.close()
            bus.delete_topics([ITEMS_TAGGED, "euradar.dead"])
            bus.close()
