"""Fixtures for the web tests: a Runtime on in-memory backends, seeded, and a TestClient.

``backend_index`` is the seam for more index backends: it yields EmbeddedIndex always and
ElasticsearchIndex too when EURADAR_TEST_ES_URL is set (imported lazily, so the embedded
suite needs no Elasticsearch client). Add a backend by adding a param and a branch.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import pytest

from euradar.core.changes import diff_items
from euradar.core.settings import Settings
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.index.embedded import EmbeddedIndex
from euradar.infra.notify.email import OutboxNotifier
from euradar.infra.store.sqlite import SqliteStore
from euradar.runtime import Runtime
from tests.web.items import web_items

TOKEN = "test-token-0123456789"
INDEX_BACKENDS = ["sqlite"] + (["elasticsearch"] if os.environ.get("EURADAR_TEST_ES_URL") else [])


@pytest.fixture(params=INDEX_BACKENDS)
def backend_index(request):
    if request.param == "sqlite":
        index = EmbeddedIndex("memory://")
    else:
        from euradar.infra.index.elasticsearch import ElasticsearchIndex

        url = os.environ["EURADAR_TEST_ES_URL"]
        sep = "&" if "?" in url else "?"
        # An alias prefix per test, so tests never see each other's items.
        index = ElasticsearchIndex(f"{url}{sep}prefix=euradar-webtest-{uuid.uuid4().hex[:8]}")
    index.ensure()
    yield index
    if request.param == "elasticsearch":
        index.client.indices.delete(index=index.index_name, ignore_unavailable=True)
    index.close()


def seed(index, store) -> None:
    items = web_items()
    index.upsert(items)
    # The CIRCBIO call is at version 2: its deadline moved, so the history says what changed.
    circ = items[0]
    first = dataclasses.replace(circ, version=1, deadlines=["2026-01-15"], content_hash="b" * 64)
    store.record_item(first, [])
    store.record_item(circ, diff_items(first, circ))
    for item in items[1:]:
        store.record_item(item, [])


def make_runtime(index, tmp_path: Path, token: str | None = TOKEN, port: int = 0) -> Runtime:
    sources = Path(__file__).resolve().parents[2] / "crawlers" / "sources.toml"
    settings = Settings(data_dir=tmp_path, api_token=token, web_port=port, sources_file=sources)
    return Runtime(settings=settings, bus=MemoryBus(), index=index,
                   store=SqliteStore("memory://"),
                   notifier=OutboxNotifier(f"outbox://{tmp_path}/outbox", "a@b"))


@pytest.fixture
def runtime(backend_index, tmp_path):
    rt = make_runtime(backend_index, tmp_path)
    seed(rt.index, rt.store)
    yield rt
    rt.store.close()


@pytest.fixture
def client(runtime):
    from fastapi.testclient import TestClient

    from euradar.web.app import create_app

    with TestClient(create_app(runtime)) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}
