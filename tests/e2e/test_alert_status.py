"""Mails worth reading, on the recorded corpus, through the real crawler, tagger, indexer,
alerter and a real SMTP server: a call or tender that was already closed when first seen (the
stale EIC 2023 rows, AGRIP 2021 in the F&T dump) is indexed and searchable but never alerted
and never listed as new in a digest; every entry says why in the recipient's language, naming
the evidence words found in that item; every mail carries the RFC 8058 unsubscribe headers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from euradar.alerts.digest import send_digests
from euradar.alerts.status import closed_when_first_seen, is_closed
from euradar.alerts.wording import theme_label
from euradar.core.ports import Query
from euradar.core.settings import Settings
from euradar.core.subscriptions import Subscription
from euradar.runtime import Runtime
from tests.crawlers.conftest import CORPUS, FT_SEARCH_PATH, serve_pages
from tests.mockserver.server import CorpusServer
from tests.support.smtp import SmtpServer, body_html, body_text

EIC_CAPTURE = "ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json"
DUMP_CAPTURE = "ftp_api/grantsTenders_sample_2026-09-08_funding_radar.json"
FEED_CAPTURE = "feeds/ec_presscorner_rss_en_2026-07-27.xml"
ALL_THEMES = [f"T{i}" for i in range(1, 9)]


def _flat(text: str) -> str:
    return " ".join(text.split())


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
        srv.route("POST", FT_SEARCH_PATH, serve_pages({1: CORPUS / EIC_CAPTURE}))
        srv.alias("/dump/grantsTenders.json", CORPUS / DUMP_CAPTURE)
        srv.alias("/rss/presscorner.xml", CORPUS / FEED_CAPTURE)
        yield srv


@pytest.fixture
def runtime(tmp_path, smtp, corpus_server):
    overrides = {"ft_grants": corpus_server.url(FT_SEARCH_PATH + "?apiKey=SEDIA&text=***"),
                 "ft_dump": corpus_server.url("/dump/grantsTenders.json"),
                 "ec_presscorner": corpus_server.url("/rss/presscorner.xml")}
    settings = Settings(data_dir=tmp_path, notifier_url=smtp.url, smtp_allow_plaintext=True,
                        source_overrides=overrides,
                        alert_batch_seconds=0, http_timeout=5.0,
                        public_url="http://127.0.0.1:8765").resolved()
    rt = Runtime.open(settings)
    yield rt
    rt.close()


def test_closed_when_first_seen_is_never_alerted_nor_new_and_reasons_are_localized(runtime, smtp):
    rt = runtime
    rt.store.save_subscription(Subscription.from_dict({
        "id": "kemi-now", "email": "eu@kemi.fi", "lang": "fi", "themes": ALL_THEMES}))
    rt.store.save_subscription(Subscription.from_dict({
        "id": "tornio-week", "email": "eu@tornio.fi", "lang": "sv", "themes": ALL_THEMES,
        "frequency": "weekly"}))
    reports = rt.crawl(["ft_grants", "ft_dump", "ec_presscorner"])
    assert all(r.ok for r in reports), [r.error for r in reports]
    rt.drain()

    today = datetime.now(UTC).date()
    indexed = [h.item for h in rt.index.search(Query(size=100)).hits]
    tagged = [i for i in indexed if i.themes]
    closed = [i for i in tagged if closed_when_first_seen(i, today)]
    alive = [i for i in tagged if not closed_when_first_seen(i, today) and not is_closed(i, today)]
    assert len(closed) >= 5, "the corpus holds stale EIC 2023 rows and AGRIP 2021"
    assert alive, "something in the corpus is still worth telling"
    assert {i.kind for i in closed} >= {"call"}

    # immediate alerts: one mail to the Finnish subscriber, without the closed calls
    mails = [m for m in smtp.wait_for(1) if m["To"] == "eu@kemi.fi"]
    assert len(mails) == 1
    text, html = _flat(body_text(mails[0])), _flat(body_html(mails[0]))
    for item in closed:
        assert _flat(item.title) not in text, f"closed when first seen, yet alerted: {item.title}"
    for item in alive:
        assert _flat(item.title) in text, item.title
    # each entry says why in Finnish: Finnish theme names and the evidence words of the item
    assert text.count("Miksi saat tämän") == len(alive)
    assert "Why you get this" not in text and "Open the call" not in text
    for item in alive:
        top = max(item.themes, key=lambda t: float(t["score"]))
        word = next(e["text"] for e in top["evidence"])
        assert f"{top['id']} {theme_label(top['id'], 'fi')}" in text
        assert "löytyneet sanat: " in text and _flat(word) in text, (item.title, word)
    assert mails[0]["List-Unsubscribe"].startswith("<http://127.0.0.1:8765/unsubscribe?k=")
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/manage?k=" in html and "Muokkaa tilauksiasi" in html

    # the weekly digest of the week about to be sent: new = forthcoming and open items only
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    sent = send_digests(rt.store, rt.index, rt.notifier, "weekly", monday, links=rt.links)
    assert [email for email, _ in sent] == ["eu@tornio.fi"]
    [digest] = [m for m in smtp.wait_for(2) if m["To"] == "eu@tornio.fi"]
    dtext = _flat(body_text(digest))
    for item in closed:
        assert _flat(item.title) not in dtext, f"closed, yet in the digest: {item.title}"
    still_open = [i for i in alive if not is_closed(i, monday)]
    for item in still_open:
        assert _flat(item.title) in dtext
    assert "funna ord: " in dtext and "Varför du får detta" in dtext
    assert "Why you get this" not in dtext
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
