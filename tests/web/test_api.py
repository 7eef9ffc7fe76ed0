"""The JSON API over every index backend (see conftest.backend_index)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.web.conftest import AUTH, TOKEN


def _ids(response) -> list[str]:
    return [h["item"]["id"] for h in response.json()["hits"]]


def test_search_full_text_matches_finnish_inflections_and_highlights(client):
    r = client.get("/api/search", params={"q": "talvitestaus"})
    assert r.status_code == 200
    body = r.json()
    assert _ids(r) == ["url:lapinliitto-talvitestaus"]
    assert any("<mark>" in h for h in body["hits"][0]["highlights"])


def test_search_highlights_never_carry_crawled_markup(client):
    hits = client.get("/api/search", params={"q": "hydrogen"}).json()["hits"]
    hostile = next(h for h in hits if h["item"]["id"] == "url:hostile-1")
    joined = " ".join(hostile["highlights"])
    assert "<img" not in joined and "&lt;img" in joined and "<mark>hydrogen</mark>" in joined


def test_search_filters_are_or_within_a_field_and_across_fields(client):
    r = client.get("/api/search", params=[("kind", "call"), ("kind", "tender"),
                                          ("status", "open")])
    assert sorted(_ids(r)) == ["ft:HORIZON-CL6-2026-01-CIRCBIO-07", "ted:123456-2026"]
    r = client.get("/api/search", params={"theme": "T4", "language": "fi"})
    assert _ids(r) == ["url:lapinliitto-talvitestaus"]
    r = client.get("/api/search", params={"programme": "HORIZON", "eligibility": "smes"})
    assert _ids(r) == ["ft:HORIZON-CL6-2026-01-CIRCBIO-07"]
    r = client.get("/api/search", params={"source": "ted_fi"})
    assert _ids(r) == ["ted:123456-2026"]


def test_search_date_ranges(client):
    today = datetime.now(UTC).date()
    r = client.get("/api/search", params={"deadline_from": today.isoformat(),
                                          "deadline_to": (today + timedelta(days=20)).isoformat()})
    assert sorted(_ids(r)) == ["ft:HORIZON-CL6-2026-01-CIRCBIO-07", "ted:123456-2026"]
    two_days_ago = (today - timedelta(days=2)).isoformat()
    r = client.get("/api/search", params={"first_seen_from": two_days_ago})
    assert sorted(_ids(r)) == ["ted:123456-2026", "url:lapinliitto-talvitestaus"]


def test_search_facets_count_the_matching_items(client):
    facets = client.get("/api/search", params={"kind": "call"}).json()["facets"]
    assert facets["kind"] == {"call": 3}
    assert facets["status"] == {"open": 1, "forthcoming": 1, "closed": 1}
    assert facets["themes"]["T1"] == 1 and facets["programme"]["HORIZON"] == 2


def test_search_sort_and_paging(client):
    r = client.get("/api/search", params={"sort": "deadline", "size": 2})
    body = r.json()
    # Soonest upcoming deadline first: the tender (2 days), then CIRCBIO (12 days).
    assert _ids(r) == ["ted:123456-2026", "ft:HORIZON-CL6-2026-01-CIRCBIO-07"]
    assert body["total"] == 7 and body["pages"] == 4 and body["size"] == 2
    page2 = client.get("/api/search", params={"sort": "deadline", "size": 2, "page": 2})
    assert page2.json()["page"] == 2 and not set(_ids(page2)) & set(_ids(r))
    newest = client.get("/api/search", params={"sort": "first_seen", "size": 1})
    assert _ids(newest) == ["ted:123456-2026"]
    assert r.json()["hits"][0]["next_deadline"]


def test_search_validation_errors_are_422_naming_the_parameter(client):
    cases = [({"sort": "random"}, "sort"), ({"page": 0}, "page"), ({"size": 1000}, "size"),
             ({"deadline_from": "next week"}, "deadline_from"), ({"kind": "grant"}, "kind"),
             ({"theme": "energy"}, "theme"),
             ({"deadline_from": "2026-05-01", "deadline_to": "2026-01-01"}, "deadline_from")]
    for params, name in cases:
        r = client.get("/api/search", params=params)
        assert r.status_code == 422, params
        assert name in str(r.json()["detail"]), (params, r.json())


def test_item_with_history_and_provenance(client):
    r = client.get("/api/items/ft:HORIZON-CL6-2026-01-CIRCBIO-07")
    assert r.status_code == 200
    body = r.json()
    assert body["item"]["title"].startswith("Circular solutions")
    assert body["provenance"]["source"] == "ft_grants"
    assert body["provenance"]["content_hash"] == "a" * 64
    assert body["provenance"]["first_seen"] and body["provenance"]["fetched_at"]
    assert [v["version"] for v in body["history"]] == [1, 2]
    assert body["history"][1]["changes"][0]["field"] == "deadline"
    assert client.get("/api/items/ft:NOPE").status_code == 404


def test_write_endpoints_need_the_token(client):
    sub = {"name": "Rovaniemi", "email": "kehitys@rovaniemi.fi", "themes": ["T4"]}
    assert client.post("/api/subscriptions", json=sub).status_code == 401
    wrong = client.post("/api/subscriptions", json=sub, headers={"X-API-Token": "nope"})
    assert wrong.status_code == 401 and "wrong" in wrong.json()["detail"]
    assert client.post("/api/subscriptions", json=sub,
                       headers={"X-API-Token": TOKEN}).status_code == 201
    assert client.delete("/api/subscriptions/whatever").status_code == 401


def test_writes_are_refused_with_a_clear_message_when_no_token_is_configured(backend_index,
                                                                             tmp_path):
    from fastapi.testclient import TestClient

    from euradar.web.app import create_app
    from tests.web.conftest import make_runtime

    with TestClient(create_app(make_runtime(backend_index, tmp_path, token=None))) as c:
        r = c.post("/api/subscriptions", json={"email": "a@kunta.fi"}, headers=AUTH)
        assert r.status_code == 403 and "EURADAR_API_TOKEN" in r.json()["detail"]
        assert c.get("/api/search").status_code == 200  # reads stay open


def test_subscription_crud(client):
    body = {"name": "Sodankylä EU", "email": "eu@sodankyla.fi", "themes": ["T4", "T5"],
            "keywords": 'testaus OR "test track"', "kinds": ["call"], "frequency": "weekly"}
    created = client.post("/api/subscriptions", json=body, headers=AUTH)
    assert created.status_code == 201
    sub_id = created.json()["id"]
    assert client.get(f"/api/subscriptions/{sub_id}", headers=AUTH).json()["keywords"] == body["keywords"]
    assert [s["id"] for s in client.get("/api/subscriptions", headers=AUTH).json()] == [sub_id]
    updated = client.put(f"/api/subscriptions/{sub_id}", json={**body, "themes": ["T3"]},
                         headers=AUTH)
    assert updated.status_code == 200 and updated.json()["themes"] == ["T3"]
    again = client.post("/api/subscriptions", json={**body, "id": sub_id}, headers=AUTH)
    assert again.status_code == 409
    assert client.delete(f"/api/subscriptions/{sub_id}", headers=AUTH).status_code == 204
    assert client.get(f"/api/subscriptions/{sub_id}", headers=AUTH).status_code == 404
    assert client.delete(f"/api/subscriptions/{sub_id}", headers=AUTH).status_code == 404


def test_subscription_validation_is_422_naming_the_field(client):
    cases = [({"email": "not-an-email"}, "email"), ({"email": "a@b.fi", "themes": ["X"]}, "themes"),
             ({"email": "a@b.fi", "keywords": "(hydrogen"}, "keywords"),
             ({"email": "a@b.fi", "kinds": ["grant"]}, "kinds"), ({"name": "no address"}, "email"),
             ({"email": "a@b.fi", "colour": "red"}, "colour"),
             ({"email": "a@b.fi", "min_budget": -1}, "min_budget")]
    for body, field in cases:
        r = client.post("/api/subscriptions", json=body, headers=AUTH)
        assert r.status_code == 422, body
        assert field in str(r.json()["detail"]), (body, r.json())


def test_preview_shows_what_a_subscription_would_have_matched(client):
    r = client.post("/api/subscriptions/preview", params={"days": 30},
                    json={"email": "a@kunta.fi", "themes": ["T4"]}, headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and body["days"] == 30
    assert {m["item"]["id"] for m in body["matches"]} == {
        "url:lapinliitto-talvitestaus", "ft:HORIZON-CL5-2027-03-D5-05"}
    assert all(m["reasons"] for m in body["matches"])
    assert all(m["status"] in ("open", "forthcoming", None) for m in body["matches"])
    short = client.post("/api/subscriptions/preview", params={"days": 3},
                        json={"email": "a@kunta.fi", "themes": ["T4"]}, headers=AUTH)
    assert [m["item"]["id"] for m in short.json()["matches"]] == ["url:lapinliitto-talvitestaus"]
    assert client.get("/api/subscriptions", headers=AUTH).json() == []  # a preview saves nothing
    # bounded: never more than 90 days back, and not without credentials
    assert client.post("/api/subscriptions/preview", params={"days": 365},
                       json={"email": "a@kunta.fi"}, headers=AUTH).status_code == 422
    assert client.post("/api/subscriptions/preview", json={"email": "a@kunta.fi"}).status_code == 401


def test_subscription_calendar_feed(client):
    sub_id = client.post("/api/subscriptions", json={"email": "a@kunta.fi", "themes": ["T1"]},
                         headers=AUTH).json()["id"]
    assert client.get(f"/api/subscriptions/{sub_id}/calendar.ics").status_code == 404  # no key
    r = client.get(f"/api/subscriptions/{sub_id}/calendar.ics", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "Circular solutions" in r.text.replace("\r\n ", "")
    # the feed address a calendar app gets carries its own signed key
    feed = client.app.state.runtime.links.calendar_url(sub_id)
    keyed = client.get(feed.split("8765", 1)[-1])
    assert keyed.status_code == 200 and "BEGIN:VEVENT" in keyed.text
    other = client.post("/api/subscriptions", json={"email": "b@kunta.fi"}, headers=AUTH).json()["id"]
    assert client.get(f"/api/subscriptions/{other}/calendar.ics?k={feed.split('k=')[1]}").status_code == 404
    assert client.get("/subscriptions/nope/calendar.ics").status_code == 404


def test_sources_lists_configured_sources_with_health(client, runtime):
    from euradar.core.ports import SourceState

    runtime.store.save_source_state(SourceState(
        name="ft_grants", last_attempt="2026-11-01T00:00:00+00:00", last_error="HTTP 503",
        consecutive_failures=2, error_count=2))
    runtime.store.save_source_state(SourceState(name="retired_feed", last_attempt="2025-01-01",
                                                last_success="2025-01-01"))
    body = client.get("/api/sources").json()
    assert body["config_error"] is None
    by_name = {s["name"]: s for s in body["sources"]}
    assert by_name["ft_grants"]["health"] == "failing" and by_name["ft_grants"]["configured"]
    assert by_name["ft_grants"]["last_error"] == "HTTP 503"
    assert by_name["retired_feed"]["configured"] is False
    assert by_name["retired_feed"]["health"] == "ok"
    assert by_name["ft_grants"]["display_name"] == "EU Funding & Tenders Portal: grants"


def test_sources_reports_an_unreadable_source_file_instead_of_failing(backend_index, tmp_path):
    import dataclasses

    from fastapi.testclient import TestClient

    from euradar.web.app import create_app
    from tests.web.conftest import make_runtime

    rt = make_runtime(backend_index, tmp_path)
    rt.settings = dataclasses.replace(rt.settings, sources_file=tmp_path / "missing.toml")
    with TestClient(create_app(rt)) as c:
        body = c.get("/api/sources").json()
    assert "does not exist" in body["config_error"] and body["sources"] == []


def test_csv_export_has_lean_columns_and_defuses_formulas(client):
    r = client.get("/api/export.csv", params={"sort": "deadline"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "kind", "status", "title", "programme", "deadline", "budget",
                       "themes", "url", "first_seen"]
    assert len(rows) == 1 + 7  # every page of the search, not just the first
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["url:hostile-1"][3].startswith("'=HYPERLINK")
    assert by_id["ft:HORIZON-CL5-2027-03-D5-05"][7] == "T3 T4"
    assert by_id["ted:123456-2026"][6] == "250000"
    filtered = client.get("/api/export.csv", params={"kind": "news"}).content.decode("utf-8-sig")
    assert len(filtered.strip().splitlines()) == 1 + 3


def test_csv_export_for_finnish_spreadsheets(client):
    for params in ({"dialect": "excel-fi"}, {"lang": "fi"}):
        r = client.get("/api/export.csv", params={"sort": "deadline", **params})
        assert r.status_code == 200 and r.content.startswith("\ufeff".encode())  # BOM
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == 1 + 7 and all(len(row) == 10 for row in rows)
        assert "; " not in r.content.decode("utf-8-sig").splitlines()[0]
    assert rows[0][:3] == ["tunniste", "tyyppi", "tila"]  # headers in Finnish with lang=fi
    sv = client.get("/api/export.csv", params={"lang": "sv"}).content.decode("utf-8-sig")
    assert sv.startswith("id;typ;status;rubrik")
    comma = client.get("/api/export.csv", params={"lang": "fi", "dialect": "excel"})
    assert comma.content.decode("utf-8-sig").startswith("tunniste,tyyppi,")
    assert client.get("/api/export.csv", params={"dialect": "tsv"}).status_code == 422
    # the Finnish search page links to the Finnish dialect
    page = client.get("/?lang=fi").text
    assert "/api/export.csv?lang=fi" in page.replace("&amp;", "&") or "lang=fi" in page.split(
        "/api/export.csv", 1)[1].split('"', 1)[0]


def test_calendar_export_is_rfc5545(client):
    r = client.get("/api/calendar.ics", params={"kind": "call", "past": "true"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    text = r.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    # 1 + 2 + 2 deadlines of the three calls; commas escaped in TEXT values.
    assert unfolded.count("BEGIN:VEVENT") == 5
    assert "SUMMARY:Deadline: Higher Voltage\\, Megawatt Charging" in unfolded
    fi = client.get("/api/calendar.ics", params={"kind": "call", "lang": "fi"}).text
    assert "SUMMARY:Määräaika: Higher Voltage" in fi.replace("\r\n ", "")
    assert "Snöröjning" not in unfolded  # the tender is not a call


def test_calendar_export_defaults_to_upcoming_deadlines(client):
    from datetime import date

    text = client.get("/api/calendar.ics", params={"kind": "call"}).text.replace("\r\n ", "")
    days = [line.split(":")[1][:8] for line in text.split("\r\n")
            if line.startswith("DTSTART")]
    assert days and all(day >= date.today().strftime("%Y%m%d") for day in days)
    every = client.get("/api/calendar.ics", params={"kind": "call", "past": "true"}).text
    assert every.count("BEGIN:VEVENT") > text.count("BEGIN:VEVENT")


def test_openapi_spec_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/items/{item_id}", "/api/subscriptions",
                 "/api/subscriptions/{sub_id}", "/api/subscriptions/preview", "/api/sources",
                 "/api/export.csv", "/api/calendar.ics"):
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "theme", "kind", "programme", "status", "language", "eligibility",
            "deadline_from", "deadline_to", "first_seen_from", "first_seen_to", "sort", "page",
            "size"} <= params


def test_security_headers_on_api_and_pages(client):
    for path in ("/api/search", "/", "/static/style.css", "/api/items/nope"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_index_outage_is_503_not_500(client, runtime, monkeypatch):
    from euradar.core.errors import IndexUnavailable

    def down(query):
        raise IndexUnavailable("connection refused")

    monkeypatch.setattr(runtime.index, "search", down)
    r = client.get("/api/search")
    assert r.status_code == 503 and "connection refused" in r.json()["detail"]
