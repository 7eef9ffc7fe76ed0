"""The dump route (F&T grantsTenders.json) against the local server serving the two real dump
captures; malformed variants (truncated body, HTML page) are derived here from the captures."""

from __future__ import annotations

import dataclasses

import pytest

from euradar.core.errors import ConfigError
from euradar.crawlers.run import crawl_source
from euradar.crawlers.sources import validate_source
from tests.crawlers.conftest import FIXTURES, TODAY, check_expected

DUMP_PATH = "/info/funding-tenders/opportunities/data/referenceData/grantsTenders.json"
RADAR = "ftp_api/grantsTenders_sample_2026-09-08_funding_radar.json"
GRANTFIN = "ftp_api/grantsTenders_sample_grantfin.json"
INTPA_PIN = "ft:ddaf2a26-841c-403d-9a5c-a40c6aa24e69-PIN"  # uuid + -PIN, as the search API


def _crawl(env, server):
    source = env.source("ft_dump", server.url(DUMP_PATH))
    return crawl_source(source, env.settings, env.bus, env.store, today=TODAY)


def test_dump_items_cutoffs_status_and_conditional_recrawl(env, server, corpus):
    server.alias(DUMP_PATH, corpus / RADAR)
    report = _crawl(env, server)

    assert report.ok, report.error
    assert (report.new, report.dead, report.requests, report.items_seen) == (7, 0, 1, 7)
    items = {e.item.id: e.item for e in env.events()}
    check_expected("ft_dump_funding_radar", items.values())
    edf = items["ft:EDF-EDIP-P-2026-2027-FNLC-SA-SEAP"]
    # Three cut-offs from epoch ms; the source says Forthcoming but opening 2026-09-02 is past.
    assert edf.deadlines == ["2026-10-13", "2027-02-16", "2027-09-28"]
    assert (edf.opening_date, edf.status, edf.extra["source_status"]) == ("2026-09-02", "open", "forthcoming")
    assert edf.programme == "EDF" and edf.call_ids == ["EDF-EDIP-P-2026-2027-FNLC-SA"]
    assert edf.url.endswith("/topic-details/EDF-EDIP-P-2026-2027-FNLC-SA-SEAP")
    assert edf.type_of_action == "EDF-LS EDF Lump Sum Grants" and edf.kind == "call"
    cancer = items["ft:HORIZON-MISS-2026-02-CANCER-05"]  # "Open" in the dump, deadline passed
    assert cancer.status == "closed" and cancer.extra["latest_infos"][0].startswith("If your lump sum")
    tender = items[INTPA_PIN]
    assert tender.kind == "tender" and tender.call_ids == ["INTPA/2023/EA-RP/0177-PIN"]
    assert tender.url.endswith("/tender-details/ddaf2a26-841c-403d-9a5c-a40c6aa24e69-PIN")
    assert tender.deadlines == ["2024-09-28T21:59:00+00:00"] and tender.status == "closed"
    assert tender.text.startswith("Support to increase the impact") and tender.extra["buyer"] == "DEVCO"

    again = _crawl(env, server)
    assert again.ok and (again.not_modified, again.events, again.bytes) == (1, 0, 0)
    assert server.seen("GET", DUMP_PATH)[-1].headers.get("if-none-match")
    state = env.store.source_state("ft_dump")
    assert state.last_item_count == 7 and state.consecutive_failures == 0


def test_second_capture_tenders_and_cross_capture_duplicate(env, server, corpus):
    server.alias(DUMP_PATH, corpus / GRANTFIN, validators=False)
    report = _crawl(env, server)
    assert report.ok and (report.new, report.dead) == (6, 0)
    items = {e.item.id: e.item for e in env.events()}
    check_expected("ft_dump_grantfin", items.values())
    assert sorted(i.kind for i in items.values()) == ["call", "call", "tender", "tender", "tender", "tender"]
    charter = items["ft:ERASMUS-EDU-2022-ECHE-CERT-FP"]
    assert len(charter.deadlines) == 5 and charter.status == "closed"  # last cut-off 2026-03-24
    # A restricted procedure: no -PIN suffix, no deadline, the dump's Open stands.
    near = items["ft:ce14c960-3e09-475c-b16d-99f43525fba3"]
    assert near.status == "open" and near.deadlines == [] and near.call_ids == ["NEAR/BEG/2023/EA-RP/0169"]

    # The other capture holds the same tender (different key order): one item, no new event.
    server.alias(DUMP_PATH, corpus / RADAR, validators=False)
    later = _crawl(env, server)
    assert later.ok and later.new == 6 and later.unchanged == 1
    assert [e.item.id for e in env.events()].count(INTPA_PIN) == 1


def test_truncated_dump_is_a_clear_error_with_health(env, server, corpus):
    body = (corpus / RADAR).read_bytes()
    server.reply("GET", DUMP_PATH, 200, body[: len(body) * 2 // 3])
    report = _crawl(env, server)

    assert not report.ok and "truncated" in report.error and DUMP_PATH in report.error
    assert report.new == 4  # the whole records before the cut are valid on their own
    state = env.store.source_state("ft_dump")
    assert state.error_count == 1 and "truncated" in state.last_error and state.last_success is None
    assert env.store.validators(server.url(DUMP_PATH)) == (None, None)  # next crawl re-downloads

    # Cut right after the array: every record decodes, but the envelope is not closed.
    server.reply("GET", DUMP_PATH, 200, body.rstrip()[:-1])
    assert "envelope" in _crawl(env, server).error


def test_html_page_and_http_error_are_source_errors(env, server):
    server.reply("GET", DUMP_PATH, 200, "<!DOCTYPE html><html><title>Maintenance</title></html>",
                 content_type="text/html")
    report = _crawl(env, server)
    assert not report.ok and "HTML page" in report.error and report.items_seen == 0
    server.reply("GET", DUMP_PATH, 503, "busy")
    report = _crawl(env, server)
    assert not report.ok and "HTTP 503" in report.error and report.requests == 2  # one retry
    assert env.store.source_state("ft_dump").consecutive_failures == 2


def test_broken_records_are_dead_lettered_and_the_rest_goes_on(env, server):
    server.alias(DUMP_PATH, FIXTURES / "synthetic_ft_dump_broken_records.json")
    report = _crawl(env, server)
    assert report.ok, report.error
    assert (report.new, report.dead, report.items_seen) == (1, 3, 4)
    assert [e.item.id for e in env.events()] == ["ft:DIGITAL-2026-AI-PILOTING-10-SCREENING"]
    reasons = [d["reason"] for d in env.dead()]
    assert reasons == ["identifier: dump record has no identifier",
                       "title: dump record SYNTHETIC-NO-TITLE-01 has no title",
                       "record: dump entry is a str, not an object"]
    assert [d["key"] for d in env.dead()] == ["ft_dump#1", "ft_dump#2", "ft_dump#3"]
    assert "Invented record without identifier" in env.dead()[0]["original"]


def test_dump_route_config_is_validated(env):
    source = env.source("ft_dump", "http://127.0.0.1:1/dump.json")
    assert (source.route, source.kind, source.schedule, source.enabled) == ("dump", "call", "1d", False)
    with pytest.raises(ConfigError, match="only allowed with route = 'spider'"):
        validate_source("ft_dump", {**dataclasses.asdict(source), "spider": "ft_portal"})
    with pytest.raises(ConfigError, match="route"):
        validate_source("x", {"kind": "call", "route": "dumps", "url": "https://example.org/d.json"})
