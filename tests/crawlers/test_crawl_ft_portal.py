"""The F&T search API spider, run for real (Scrapy in a subprocess) against the local server."""

from __future__ import annotations

import json
import re
from datetime import date

from euradar.crawlers.run import crawl_source
from tests.crawlers.conftest import (
    DETAILS_PATH,
    FIXTURES,
    FT_SEARCH_PATH,
    TODAY,
    check_expected,
    serve_file,
    serve_pages,
)
from tests.mockserver.server import Reply

AARHUS = "ftp_api/sedia_search_page_apiv2.151_aarhusai.json"
SCOPE = "ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json"
SYNTHETIC = FIXTURES / "synthetic_ft_search_copies_details_broken.json"


def _ft(env, server, **options):
    return env.source("ft_grants", server.url(FT_SEARCH_PATH + "?apiKey=SEDIA&text=***"), **options)


def _multipart_parts(body: bytes) -> dict[str, object]:
    parts = {}
    for name, payload in re.findall(rb'name="(\w+)"; filename="[^"]*"\r\nContent-Type: application/json'
                                    rb'\r\n\r\n(.*?)\r\n--', body, re.S):
        parts[name.decode()] = json.loads(payload)
    return parts


def test_crawl_maps_real_capture_and_sends_multipart_query(env, server, corpus):
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: corpus / AARHUS}))
    report = crawl_source(_ft(env, server), env.settings, env.bus, env.store, today=TODAY)

    assert report.ok, report.error
    # 9 results, one identical duplicate row -> 8 items; nothing lost to the truncated budgets
    assert (report.items_seen, report.new, report.dead) == (8, 8, 0)
    check_expected("ft_grants_aarhusai", [e.item for e in env.events()])
    posts = server.seen("POST", FT_SEARCH_PATH)
    assert len(posts) == 1 and posts[0].query["pageSize"] == ["100"] and posts[0].query["pageNumber"] == ["1"]
    assert posts[0].headers["content-type"].startswith("multipart/form-data; boundary=")
    assert posts[0].headers["user-agent"] == env.settings.user_agent
    parts = _multipart_parts(posts[0].body)
    assert parts["query"] == {"bool": {"must": [{"terms": {"type": ["1", "2", "8"]}},
                                                {"terms": {"status": ["31094501", "31094502"]}}]}}
    assert parts["languages"] == ["en"] and parts["sort"]["field"] == "startDate"
    items = {e.item.id: e.item for e in env.events()}
    soil = items["ft:HORIZON-MISS-2027-05-SOIL-01-two-stage"]
    assert soil.budget is None and "budgetOverview" in soil.extra["parse_warnings"][0]
    assert soil.programme == "HORIZON" and soil.call_ids == ["HORIZON-MISS-2027-05-two-stage"]
    assert "&#" not in soil.text and "<p" not in soil.text and soil.text.startswith("Expected Outcome")
    governance = items["ft:HORIZON-CL6-2026-04-GOVERNANCE-01"]
    assert governance.budget == 60000000.0 and governance.currency == "EUR"
    # stale SEDIA_PRD_CENTRICITY row: status Forthcoming, deadline 2024 -> closed, portal URL
    stale = items["ft:HORIZON-CL2-2024-TRANSFORMATIONS-01-08"]
    assert stale.extra["source_status"] == "forthcoming" and stale.status == "closed"
    assert "/topic-details/HORIZON-CL2-2024-TRANSFORMATIONS-01-08" in stale.url
    state = env.store.source_state("ft_grants")
    assert state.last_success and state.last_item_count == 8 and state.events == 8
    assert state.requests == report.requests >= 2


def test_recrawl_publishes_nothing_and_a_moved_deadline_one_change(env, server, corpus, tmp_path):
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: corpus / AARHUS}))
    source = _ft(env, server)
    crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    first = len(env.events())

    again = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert again.ok and again.events == 0 and again.unchanged == 8
    assert len(env.events()) == first

    # The same capture with one deadline moved by two weeks (edited here, on purpose).
    data = json.loads((corpus / AARHUS).read_text(encoding="utf-8"))
    for result in data["results"]:
        if result["metadata"]["identifier"] == ["HORIZON-CL5-2027-03-D5-05"]:
            assert result["metadata"]["deadlineDate"] == ["2027-04-14T00:00:00.000+0000"]
            result["metadata"]["deadlineDate"] = ["2027-04-28T00:00:00.000+0000"]
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(data), encoding="utf-8")
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: moved}))
    changed = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 7)
    event = env.events()[-1]
    assert event.type == "changed" and event.item.id == "ft:HORIZON-CL5-2027-03-D5-05"
    assert event.item.version == 2
    assert [c.text for c in event.changes] == ["deadline 14.04.2027 -> 28.04.2027"]


def test_pagination_follows_total_results_and_warns_on_missing(env, server, corpus):
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: corpus / SCOPE, 2: corpus / AARHUS}))
    report = crawl_source(_ft(env, server, page_size=20), env.settings, env.bus, env.store, today=TODAY)

    assert report.ok, report.error
    pages = [r.query["pageNumber"][0] for r in server.seen("POST", FT_SEARCH_PATH)]
    assert pages == ["1", "2"]  # totalResults 31 at 20 per page
    assert report.new == 25 + 8
    assert not any("totalResults" in w for w in report.warnings)  # 34 rows >= 31
    ids = {e.item.id for e in env.events()}
    assert "ft:HORIZON-EIC-2026-ACCELERATOR-01" in ids and "ft:HORIZON-INFRA-2024-EOSC-01-03" in ids


def test_language_copies_details_and_broken_record(env, server, corpus):
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: SYNTHETIC}))
    server.alias(DETAILS_PATH + "horizon-cl6-2026-01-circbio-07.json",
                 corpus / "ftp_api/topicDetails_HORIZON-CL6-2026-01-CIRCBIO-07.json")
    server.alias(DETAILS_PATH + "smp-cosme-2024-cluster-01.json",
                 corpus / "ftp_api/topicDetails_SMP-COSME-2024-CLUSTER-01.json")
    source = _ft(env, server)
    report = crawl_source(source, env.settings, env.bus, env.store, today=date(2025, 1, 15))

    assert report.ok, report.error
    assert (report.new, report.dead) == (2, 1)
    items = {e.item.id: e.item for e in env.events()}
    circ = items["ft:HORIZON-CL6-2026-01-CIRCBIO-07"]
    assert circ.lang == "en" and circ.title.startswith("Advancing the European bio-based")
    assert circ.budget == 12000000.0 and circ.status == "forthcoming"
    assert circ.text.startswith("Expected Outcome:") and "\ufeff" not in circ.extra["conditions"]
    assert circ.extra["details"] is True
    smp = items["ft:SMP-COSME-2024-CLUSTER-01"]
    assert smp.budget == 42000000.0 and smp.programme == "SMP" and smp.deadlines == ["2025-02-05"]
    dead = env.dead()
    assert len(dead) == 1 and dead[0]["reason"] == "record has no identifier"
    assert dead[0]["source"] == "ft_grants" and dead[0]["original"]

    # Unchanged records are not fetched again: only the search request (robots.txt is cached).
    before = len(server.seen("GET"))
    again = crawl_source(source, env.settings, env.bus, env.store, today=date(2025, 1, 15))
    assert again.ok and again.events == 0
    assert [r.path for r in server.seen("GET")[before:]] == []


def test_missing_topic_details_do_not_fail_the_crawl(env, server, corpus):
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: corpus / SCOPE}))
    report = crawl_source(_ft(env, server), env.settings, env.bus, env.store, today=TODAY)

    assert report.ok, report.error
    detail_gets = [r.path for r in server.seen("GET") if r.path.startswith(DETAILS_PATH)]
    # only the 2 current (non-closed) topics are enriched; the local server 404s both
    assert sorted(detail_gets) == [DETAILS_PATH + "horizon-eic-2026-accelerator-01.json",
                                   DETAILS_PATH + "horizon-eic-2026-pathfinderchallenges-01-01.json"]
    assert report.new == 25
    # 25 of the 31 records were kept in the capture: the cross-check must say so
    assert "collected 25 records but totalResults says 31" in report.warnings[0]
    check_expected("ft_grants_scope_eic", [e.item for e in env.events()])


def test_truncated_envelope_html_error_page_and_dead_host(env, server, corpus, tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_bytes((corpus / AARHUS).read_bytes()[:5000])  # a capture cut mid-stream
    server.route("POST", FT_SEARCH_PATH, serve_file(cut))
    source = _ft(env, server)
    truncated = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert not truncated.ok and "not a search API response" in truncated.error

    server.route("POST", FT_SEARCH_PATH, lambda req: Reply(
        200, b"<!DOCTYPE html><html><title>Maintenance</title><body>Back soon</body></html>",
        {"Content-Type": "text/html"}))
    html_page = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert not html_page.ok and "HTML page instead of JSON" in html_page.error

    dead = env.source("ft_grants", "http://127.0.0.1:9/search-api/prod/rest/search?apiKey=SEDIA&text=***",
                      crawl_delay=0, retries=0)
    refused = crawl_source(dead, env.settings, env.bus, env.store, today=TODAY)
    assert not refused.ok
    assert refused.error.startswith("ft_grants: cannot reach http://127.0.0.1:9/search-api/prod/rest/search")
    assert "refused" in refused.error
    state = env.store.source_state("ft_grants")
    assert state.consecutive_failures == 3 and state.error_count == 3 and state.last_success is None
    assert state.last_error == refused.error
    alerts = env.operator()
    assert [a["kind"] for a in alerts] == ["failing"] and alerts[0]["source"] == "ft_grants"
    assert env.events() == []


def test_listing_past_the_size_cap_is_abandoned_with_a_clear_error(env, server, corpus):
    server.route("POST", FT_SEARCH_PATH, serve_pages({1: corpus / AARHUS}))
    size = (corpus / AARHUS).stat().st_size
    report = crawl_source(_ft(env, server, max_bytes=size // 4), env.settings, env.bus,
                          env.store, today=TODAY)
    assert not report.ok and "size cap" in report.error and "options.max_bytes" in report.error
    assert report.new == 0 and env.events() == []
