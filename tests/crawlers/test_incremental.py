"""Incremental polling of the F&T and TED search APIs, run for real (Scrapy in a subprocess)
against the local server answering with the records of the real captures, paged per request
(tests/mockserver/apis.py)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta

from euradar.core.ports import SourceState
from euradar.crawlers.incremental import choose_mode, normalize_stamp
from euradar.crawlers.run import crawl_source
from euradar.crawlers.spiders.ted import sorted_query
from tests.crawlers.conftest import DETAILS_PATH, FT_SEARCH_PATH, TED_PATH
from tests.mockserver.apis import SediaIndex, TedIndex, multipart_parts
from tests.mockserver.server import Reply

SCOPE = "ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json"
AARHUS = "ftp_api/sedia_search_page_apiv2.151_aarhusai.json"
TED_FILES = ("ted/ted_v3_search_response_SE_2026-07-01_tender-scan.json",
             "ted/ted_v3_notices_SE-cities_first3of1495_2026-10-08_trf.json",
             "ted/ted_v3_search_response_first1of822_2026-09-09_fb_test.json")
TODAY = date(2026, 9, 20)


def new_topic(index: SediaIndex, identifier: str, title: str, stamp: str) -> dict:
    """A copy of the captured PATHFINDERCHALLENGES-01-01 record made into another topic (an edit
    made here, on purpose: no capture shows a topic appearing)."""
    template = next(r for r in index.records
                    if r["metadata"]["identifier"] == ["HORIZON-EIC-2026-PATHFINDERCHALLENGES-01-01"])
    record = copy.deepcopy(template)
    md = record["metadata"]
    md["identifier"], md["title"], md["esDA_IngestDate"] = [identifier], [title], [stamp]
    md["url"] = [f"https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/{identifier}"]
    record["summary"] = record["content"] = title
    return record


def _ft(env, server, index):
    server.route("POST", FT_SEARCH_PATH, index)
    return env.source("ft_grants", server.url(FT_SEARCH_PATH + "?apiKey=SEDIA&text=***"))


def test_idle_poll_is_one_small_request_and_new_topics_come_first(env, server, corpus):
    index = SediaIndex(corpus / SCOPE, corpus / AARHUS)
    source = _ft(env, server, index)
    first = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert first.ok, first.error
    assert first.mode == "full" and first.new == 33  # 34 records, one identical duplicate
    assert index.requests == [{"page": 1, "size": 100, "sort": {"field": "startDate", "order": "DESC"}, "records": 34,
                               "range": []}]
    state = env.store.source_state("ft_grants")
    assert state.cursor == normalize_stamp("2026-09-11T09:24:55.229+0200") and state.last_full_crawl
    details_first = len([r for r in server.seen("GET") if r.path.startswith(DETAILS_PATH)])

    idle = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert idle.ok and idle.mode == "incremental" and idle.events == 0 and idle.not_modified == 1
    # one request, for what changed since the newest stamp seen: nothing
    assert index.requests[1:] == [{"page": 1, "size": 10, "sort": {"field": "esDA_IngestDate", "order": "DESC"},
                                   "records": 0, "range": [{"esDA_IngestDate": {"gt": "2026-09-11T07:24:55.229+0000"}}]}]
    assert idle.requests == 1  # robots.txt is kept for a day
    assert len([r for r in server.seen("GET") if r.path.startswith(DETAILS_PATH)]) == details_first
    assert env.store.source_state("ft_grants").consecutive_empty == 0 and env.operator() == []

    # A new topic appears in the index: the next poll finds it on its first page and stops there.
    index.add(new_topic(index, "HORIZON-CL6-2027-01-ARCTIC-99", "Arctic winter testing of hydrogen vehicles",
                        "2026-09-19T10:00:00.000+0200"))
    found = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert found.ok and found.mode == "incremental" and (found.new, found.changed) == (1, 0)
    assert len(index.requests) == 3 and index.requests[2]["page"] == 1
    event = env.events()[-1]
    assert event.item.id == "ft:HORIZON-CL6-2027-01-ARCTIC-99" and event.item.title.startswith("Arctic winter")
    details = [r.path for r in server.seen("GET") if r.path.startswith(DETAILS_PATH)]
    assert details[details_first:] == [DETAILS_PATH + "horizon-cl6-2027-01-arctic-99.json"]  # only the new one
    assert env.store.source_state("ft_grants").cursor == normalize_stamp("2026-09-19T10:00:00.000+0200")


def test_changed_topic_is_published_once_with_what_changed(env, server, corpus):
    index = SediaIndex(corpus / SCOPE)
    source = _ft(env, server, index)
    crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    moved = copy.deepcopy(next(r for r in index.records
                               if r["metadata"]["identifier"] == ["HORIZON-EIC-2026-ACCELERATOR-01"]))
    assert moved["metadata"]["deadlineDate"][-1].startswith("2026-12-17")
    moved["metadata"]["deadlineDate"] = moved["metadata"]["deadlineDate"][:-1] + ["2027-01-14T00:00:00.000+0000"]
    moved["metadata"]["esDA_IngestDate"] = ["2026-09-18T08:00:00.000+0200"]
    index.replace("HORIZON-EIC-2026-ACCELERATOR-01", moved)

    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert report.ok and report.mode == "incremental" and (report.new, report.changed) == (0, 1)
    event = env.events()[-1]
    assert event.item.id == "ft:HORIZON-EIC-2026-ACCELERATOR-01" and event.item.version == 2
    assert any(c.field == "deadline" and c.text == "deadline 17.12.2026 -> 14.01.2027" for c in event.changes)
    again = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert again.ok and again.events == 0 and again.not_modified == 1


def test_unchanged_topic_details_answer_304_and_keep_what_they_gave(env, server, corpus, tmp_path):
    index = SediaIndex(corpus / SCOPE)
    record = new_topic(index, "HORIZON-CL6-2026-01-CIRCBIO-07", "Advancing the European bio-based innovation",
                       "2026-09-12T10:00:00.000+0200")
    index.add(record)
    server.alias(DETAILS_PATH + "horizon-cl6-2026-01-circbio-07.json",
                 corpus / "ftp_api/topicDetails_HORIZON-CL6-2026-01-CIRCBIO-07.json")
    source = _ft(env, server, index)
    crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    first = env.store.last_item("ft:HORIZON-CL6-2026-01-CIRCBIO-07")
    assert first.extra["details"] is True and first.budget == 12000000.0
    # The search record is re-ingested with a new title; the detail file is unchanged.
    retitled = copy.deepcopy(record)
    retitled["metadata"]["title"] = ["Advancing bio-based innovation (corrected title)"]
    retitled["metadata"]["esDA_IngestDate"] = ["2026-09-19T12:00:00.000+0200"]
    index.replace("HORIZON-CL6-2026-01-CIRCBIO-07", retitled)

    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert report.ok and report.changed == 1
    detail = server.seen("GET", DETAILS_PATH + "horizon-cl6-2026-01-circbio-07.json")
    assert len(detail) == 2 and "if-none-match" in detail[1].headers  # answered 304
    item = env.store.last_item("ft:HORIZON-CL6-2026-01-CIRCBIO-07")
    assert item.title == "Advancing bio-based innovation (corrected title)"
    assert item.budget == first.budget and item.extra["conditions"] == first.extra["conditions"]
    assert [c.field for c in env.events()[-1].changes] == ["title"]


def test_failed_crawl_and_daily_full_crawl_fall_back_to_full(env, server, corpus):
    index = SediaIndex(corpus / SCOPE)
    source = _ft(env, server, index)
    crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    server.route("POST", FT_SEARCH_PATH, lambda req: Reply(503, b"busy", {"Content-Type": "text/plain"}))
    broken = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert not broken.ok and broken.mode == "incremental"
    server.route("POST", FT_SEARCH_PATH, index)
    after_failure = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert after_failure.ok and after_failure.mode == "full" and after_failure.events == 0
    assert index.requests[-1]["size"] == 100

    state = env.store.source_state("ft_grants")
    state.last_full_crawl = (datetime.now(UTC) - timedelta(days=1, minutes=1)).isoformat()
    env.store.save_source_state(state)
    daily = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert daily.ok and daily.mode == "full"
    assert crawl_source(source, env.settings, env.bus, env.store, today=TODAY).mode == "incremental"


def test_ted_newest_first_and_idle_poll(env, server, corpus):
    index = TedIndex(*(corpus / f for f in TED_FILES))
    server.route("POST", TED_PATH, index)
    source = env.source("ted_fi", server.url(TED_PATH))
    first = crawl_source(source, env.settings, env.bus, env.store, today=date(2026, 7, 2))
    assert first.ok and first.mode == "full" and first.new == 9
    assert index.requests[0]["query"].endswith(" SORT BY publication-date DESC") and index.requests[0]["limit"] == 100

    idle = crawl_source(source, env.settings, env.bus, env.store, today=date(2026, 7, 2))
    assert idle.ok and idle.mode == "incremental" and idle.events == 0 and idle.not_modified == 1
    assert [(r["offset"], r["limit"]) for r in index.requests[1:]] == [(0, 3)]

    notice = copy.deepcopy(index.notices[0])
    notice["publication-number"], notice["publication-date"] = "999001-2026", "2026-10-09+02:00"
    index.add(notice)
    found = crawl_source(source, env.settings, env.bus, env.store, today=date(2026, 7, 2))
    assert found.ok and found.new == 1 and env.events()[-1].item.id == "ted:999001-2026"
    # page 1 had the new notice, page 2 had nothing new: stop there
    assert [(r["offset"], r["limit"]) for r in index.requests[2:]] == [(0, 3), (3, 3)]


def test_choose_mode_and_helpers():
    from euradar.crawlers.sources import validate_source

    ft = validate_source("ft_grants", {"kind": "call", "route": "spider", "spider": "ft_portal",
                                       "url": "https://api.example.eu/search", "options": {"full_every": "12h"}})
    now = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
    assert choose_mode(ft, SourceState(name="ft_grants"), now).reason == "no cursor yet (first crawl)"
    fresh = SourceState(name="ft_grants", cursor="2026-09-19T00:00:00+00:00", last_full_crawl="2026-09-20T06:00:00+00:00")
    assert choose_mode(ft, fresh, now).incremental
    stale = SourceState(name="ft_grants", cursor="x", last_full_crawl="2026-09-19T23:00:00+00:00")
    assert not choose_mode(ft, stale, now).incremental and "every 12h" in choose_mode(ft, stale, now).reason
    failing = SourceState(name="ft_grants", cursor="x", last_full_crawl="2026-09-20T11:00:00+00:00",
                          consecutive_failures=1)
    assert choose_mode(ft, failing, now).reason == "the last crawl failed"
    assert normalize_stamp(["2026-09-11T09:24:55.229+0200"]) == "2026-09-11T07:24:55.229000+00:00"
    assert normalize_stamp("2026-07-01+02:00") == "2026-07-01" and normalize_stamp("soon") is None
    assert sorted_query("PD>=today(-30)") == "PD>=today(-30) SORT BY publication-date DESC"
    assert sorted_query("X SORT BY publication-number ASC") == "X SORT BY publication-number ASC"
    body = b'--b\r\nContent-Disposition: form-data; name="sort"; filename="blob"\r\nContent-Type: application/json\r\n\r\n{"field": "x"}\r\n--b--\r\n'
    assert multipart_parts(body) == {"sort": {"field": "x"}} and json.dumps({}) == "{}"
