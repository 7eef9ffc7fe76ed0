"""Foundation end to end: both crawl routes against the recorded corpus on a local HTTP server,
then tagger, indexer and alerter on real backends, a real SMTP server receiving the alerts.

Runs on the embedded default always, and on Kafka + Elasticsearch when the services are up
(``bash test.sh`` starts them; in CI they are required).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from euradar.alerts.status import closed_when_first_seen
from euradar.core.ports import Query
from euradar.core.settings import Settings
from euradar.core.subscriptions import Subscription
from euradar.core.topics import ITEMS_RAW
from euradar.runtime import Runtime
from tests.crawlers.conftest import CORPUS, FT_SEARCH_PATH, serve_pages
from tests.mockserver.server import CorpusServer
from tests.support.services import service_urls
from tests.support.smtp import SmtpServer, body_text

FT_CAPTURE = "ftp_api/sedia_search_page_apiv2.151_aarhusai.json"
FEED_CAPTURE = "feeds/ec_presscorner_rss_en_2026-07-27.xml"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def corpus_server():
    if not (CORPUS / "README.md").is_file():
        pytest.skip(f"corpus not found at {CORPUS} (set EURADAR_SHARED_DIR)")
    with CorpusServer(CORPUS) as srv:
        srv.route("POST", FT_SEARCH_PATH, serve_pages({1: CORPUS / FT_CAPTURE}))
        srv.alias("/rss/presscorner.xml", CORPUS / FEED_CAPTURE)
        yield srv


def _backends():
    yield pytest.param("embedded", id="embedded")
    yield pytest.param("services", id="kafka+elasticsearch", marks=pytest.mark.services)


@pytest.fixture(params=list(_backends()))
def settings(request, tmp_path, smtp, corpus_server) -> Settings:
    overrides = {"ft_grants": corpus_server.url(FT_SEARCH_PATH + "?apiKey=SEDIA&text=***"),
                 "ec_presscorner": corpus_server.url("/rss/presscorner.xml")}
    base = Settings(data_dir=tmp_path, notifier_url=smtp.url, smtp_allow_plaintext=True,
                    source_overrides=overrides,
                    alert_batch_seconds=0, http_timeout=5.0)
    if request.param == "services":
        kafka, es = service_urls()
        run = uuid.uuid4().hex[:8]
        base = dataclasses.replace(base, bus_url=f"kafka://{kafka}?topic_prefix=e2e{run}.",
                                   index_url=f"{es}?prefix=e2e{run}")
    return base.resolved()


def _crawl_and_drain(rt: Runtime) -> list:
    reports = rt.crawl(["ft_grants", "ec_presscorner"])
    assert all(r.ok for r in reports), [r.error for r in reports]
    rt.drain()
    return reports


def test_items_from_both_routes_are_indexed_found_and_alerted_once(settings, smtp):
    rt = Runtime.open(settings)
    try:
        rt.store.save_subscription(Subscription.from_dict(
            {"id": "rovaniemi", "email": "eu@rovaniemi.fi", "lang": "fi", "kinds": ["call", "news"]}))
        first = _crawl_and_drain(rt)
        by_source = {r.source: r for r in first}
        assert by_source["ft_grants"].new == 8 and by_source["ec_presscorner"].new == 20

        # found by text, on either route
        page = rt.index.search(Query(text="soil"))
        assert any(h.item.source == "ft_grants" for h in page.hits)
        everything = rt.index.search(Query(size=100))
        assert everything.total == 28
        assert {h.item.source for h in everything.hits} == {"ft_grants", "ec_presscorner"}
        # found by theme: every tagged theme filters to exactly the items that carry it
        tagged = {t for h in everything.hits for t in h.item.theme_ids}
        assert tagged, "the tagger assigned no theme to 28 real EU items"
        for theme in tagged:
            hits = rt.index.search(Query(themes=(theme,), size=100)).hits
            assert hits and all(theme in h.item.theme_ids for h in hits)
            evidence = hits[0].item.themes[[t["id"] for t in hits[0].item.themes].index(theme)]
            assert evidence["evidence"], "a theme without evidence cannot be explained"

        # every new item is alerted exactly once, except calls already closed when first seen
        mails = smtp.wait_for(1)
        texts = [body_text(m) for m in mails]
        today = datetime.now(UTC).date()
        for hit in everything.hits:
            title = " ".join(hit.item.title.split())
            shown = sum(" ".join(t.split()).count(title) for t in texts)
            if closed_when_first_seen(hit.item, today):
                assert shown == 0, f"closed when first seen, yet alerted: {title}"
            else:
                assert shown >= 1, title
        sent_before = len(smtp.messages)
        raw_before = _topic_size(rt, ITEMS_RAW)

        # a second run over the same data publishes nothing and sends nothing
        second = _crawl_and_drain(rt)
        assert sum(r.new + r.changed for r in second) == 0
        assert _topic_size(rt, ITEMS_RAW) == raw_before
        assert len(smtp.messages) == sent_before
        assert rt.index.count() == 28
    finally:
        rt.close()


def _topic_size(rt: Runtime, topic: str) -> int:
    return rt.bus.topic_size(topic)
