"""The TED v3 spider against the local server (real captured search responses)."""

from __future__ import annotations

import json
from datetime import date

from euradar.crawlers import ted_parse
from euradar.crawlers.run import crawl_source
from tests.crawlers.conftest import TED_PATH, TODAY, check_expected, serve_file
from tests.mockserver.server import Reply

SCAN = "ted/ted_v3_search_response_SE_2026-07-01_tender-scan.json"
TRF = "ted/ted_v3_notices_SE-cities_first3of1495_2026-10-08_trf.json"
POLISH = "ted/ted_v3_search_response_first1of822_2026-09-09_fb_test.json"


def test_ted_crawl_maps_notices_and_recrawl_is_silent(env, server, corpus):
    server.route("POST", TED_PATH, serve_file(corpus / SCAN))
    source = env.source("ted_fi", server.url(TED_PATH))
    report = crawl_source(source, env.settings, env.bus, env.store, today=date(2026, 7, 15))

    assert report.ok, report.error
    assert report.new == 5 and "read 5 notices but totalNoticeCount says 115" in report.warnings
    check_expected("ted_fi_tender_scan", [e.item for e in env.events()])
    body = json.loads(server.seen("POST", TED_PATH)[0].body)
    assert "FI1D7" in body["query"] and body["paginationMode"] == "ITERATION"
    assert "notice-title" in body["fields"] and body["limit"] == 100
    items = {e.item.id: e.item for e in env.events()}
    lot = items["ted:450106-2026"]
    assert (lot.budget, lot.currency, lot.deadlines, lot.status) == (18000000.0, "SEK", ["2026-08-27"], "open")
    assert lot.url == "https://ted.europa.eu/en/notice/-/detail/450106-2026"
    # "&amp;" inside the JSON data is decoded
    assert "Falu Energi &" in items["ted:449657-2026"].extra["buyer"]
    assert "&amp;" not in items["ted:449657-2026"].extra["buyer"]

    again = crawl_source(source, env.settings, env.bus, env.store, today=date(2026, 7, 15))
    assert again.ok and again.events == 0 and len(env.events()) == 5


def test_title_language_field_aliases_and_deadline_time(corpus):
    scan = ted_parse.notices(json.loads((corpus / SCAN).read_text(encoding="utf-8")))
    # Swedish buyer: the Swedish title is the original one, preferred over machine-made prefixes
    assert ted_parse.notice_to_item(scan[0], "t", today=TODAY).lang == "sv"
    trf = ted_parse.notices(json.loads((corpus / TRF).read_text(encoding="utf-8")))
    item = ted_parse.notice_to_item(trf[1], "t", today=date(2026, 8, 1))  # TI/PD/ND field names
    assert item.id == "ted:476004-2026" and item.title == "Sverige – Juridiska tjänster – Visselblåsarfunktion"
    assert item.deadlines == ["2026-08-25T23:59:00+02:00"] and item.published == "2026-07-10"
    assert item.documents == ["https://www.kommersannons.se/malmo/Notice/NoticeDispatch.aspx?NoticeId=63077"]
    polish = ted_parse.notices(json.loads((corpus / POLISH).read_text(encoding="utf-8")))[0]
    item = ted_parse.notice_to_item(polish, "t", today=TODAY)
    # official language Polish is not read by our users: Finnish title first
    assert item.lang == "fi" and item.title.startswith("Puola – ")
    assert item.status == "closed" and item.deadlines == ["2026-09-18"]


def test_ted_html_answer_is_an_error(env, server):
    server.reply("POST", TED_PATH, 200, "<html><body>Service unavailable</body></html>", "text/html")
    report = crawl_source(env.source("ted_fi", server.url(TED_PATH)), env.settings, env.bus,
                          env.store, today=TODAY)
    assert not report.ok and "HTML page instead of JSON" in report.error
    assert env.store.source_state("ted_fi").consecutive_failures == 1


def test_spider_retries_a_busy_api_with_backoff(env, server, corpus):
    answers = iter([Reply(503, b"busy", {}), Reply(503, b"busy", {})])
    server.route("POST", TED_PATH, lambda req: next(answers, None) or serve_file(corpus / SCAN)(req))
    source = env.source("ted_fi", server.url(TED_PATH), retries=2, retry_backoff=0.2)
    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert report.ok, report.error
    assert report.new == 5 and len(server.seen("POST", TED_PATH)) == 3
    posts = server.seen("POST", TED_PATH)
    gaps = [b.at - a.at for a, b in zip(posts, posts[1:], strict=False)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4  # waited base * 2**attempt before each retry
