"""Fixtures for crawler tests: the real corpus served by a local HTTP server, sources pointed at
it, and a bus/store in sqlite files (the spider route runs in a subprocess that must see them)."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from euradar.core.codec import loads_event
from euradar.core.registry import open_bus, open_store
from euradar.core.settings import DEFAULT_SOURCES, Settings
from euradar.core.topics import DEAD_LETTER, ITEMS_RAW, OPERATOR
from euradar.crawlers.sources import SourceConfig, load_sources
from tests.mockserver.server import CorpusServer, Reply, Seen, file_reply

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
EXPECTED = FIXTURES / "expected"
FT_SEARCH_PATH = "/search-api/prod/rest/search"
DETAILS_PATH = "/info/funding-tenders/opportunities/data/topicDetails/"
TED_PATH = "/v3/notices/search"


def shared_dir() -> Path:
    # CI clones the repo elsewhere but puts shared/ beside the checkout.
    return Path(os.environ.get("EURADAR_SHARED_DIR") or REPO.parent / "shared")


CORPUS = shared_dir() / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "README.md").is_file():
        pytest.skip(f"corpus not found at {CORPUS} (set EURADAR_SHARED_DIR)")
    return CORPUS


@pytest.fixture
def server(corpus: Path):
    with CorpusServer(corpus) as srv:
        yield srv


@pytest.fixture
def env(tmp_path: Path) -> CrawlEnv:
    return CrawlEnv(tmp_path)


def serve_pages(files: dict[int, Path]):
    """A POST handler answering the F&T search API by ``pageNumber`` from captured files."""
    def handler(request: Seen) -> Reply:
        page = int(request.query.get("pageNumber", ["1"])[0])
        if page not in files:
            return Reply(500, b'{"error": "unexpected page"}', {"Content-Type": "application/json"})
        return file_reply(files[page], request, validators=False)
    return handler


def serve_file(path: Path):
    return lambda request: file_reply(path, request, validators=False)


class CrawlEnv:
    """Settings, bus and store for one test, plus helpers to read what was published."""

    def __init__(self, tmp_path: Path):
        self.settings = Settings(data_dir=tmp_path, bus_url=f"sqlite:///{tmp_path}/bus.db",
                                 store_url=f"sqlite:///{tmp_path}/store.db", http_timeout=5.0,
                                 user_agent="euradar-test/0.1 (+contact: test@example.org)")
        self.bus = open_bus(self.settings.bus_url)
        self.store = open_store(self.settings.store_url)

    def source(self, name: str, url: str, **options: Any) -> SourceConfig:
        """The real config of ``name`` from sources.toml, pointed at ``url`` (the local server),
        without politeness delays so tests run fast."""
        source = {s.name: s for s in load_sources(DEFAULT_SOURCES, {name: url})}[name]
        merged = {"crawl_delay": 0, "retry_backoff": 0.05, "retries": 1, **source.options, **options}
        return dataclasses.replace(source, options=merged)

    def events(self) -> list:
        return [loads_event(m.value) for m in self.bus.read_topic(ITEMS_RAW, limit=100000)]

    def dead(self) -> list[dict]:
        return [json.loads(m.value) for m in self.bus.read_topic(DEAD_LETTER, limit=100000)]

    def operator(self) -> list[dict]:
        return [json.loads(m.value) for m in self.bus.read_topic(OPERATOR, limit=100000)]


def summarize(items) -> list[dict]:
    """The checked-in expectation form: what users see first, in a stable order. Items whose
    URL is on the local server (random port, so the url: id varies) are keyed by URL path."""
    def key(item) -> dict:
        parts = urlsplit(item.url)
        if parts.hostname == "127.0.0.1":
            return {"local_path": parts.path}
        return {"id": item.id}
    return sorted(({**key(i), "kind": i.kind, "title": i.title, "status": i.status,
                    "deadlines": i.deadlines, "lang": i.lang} for i in items),
                  key=lambda d: d.get("id") or d["local_path"])


def check_expected(name: str, items) -> None:
    """Compare with tests/fixtures/expected/<name>.json. Set EURADAR_WRITE_EXPECTED=1 to (re)write
    after reviewing the difference by hand."""
    path = EXPECTED / f"{name}.json"
    actual = summarize(items)
    if os.environ.get("EURADAR_WRITE_EXPECTED") == "1":
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected


TODAY = date(2026, 9, 20)  # fixed so the derived statuses of the captures do not drift
