"""Server-rendered pages, without a browser: escaping, languages, the subscription form."""

from __future__ import annotations

import re

from tests.web.conftest import TOKEN


def test_search_page_renders_results_facets_and_countdown(client):
    html = client.get("/", params={"sort": "deadline"}).text
    assert "7 results" in html
    assert "2 days left" in html and "12 days left" in html
    assert 'name="kind" value="call"' in html and '<span class="count">3</span>' in html
    assert "Arctic industry, minerals and circular economy" in html  # theme chip label
    assert "“circular”" in html or "<q>circular</q>" in html  # theme evidence


def test_crawled_markup_is_escaped_and_hostile_links_are_neutralised(client):
    html = client.get("/", params={"q": "hydrogen"}).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html
    assert "<mark>hydrogen</mark>" in html  # our own highlight markup survives
    item = client.get("/items/url:hostile-1").text
    assert 'href="javascript:' not in item and "&lt;script&gt;" in item


def test_finnish_interface_and_language_switch(client):
    html = client.get("/", params={"lang": "fi", "sort": "deadline"}).text
    assert '<html lang="fi">' in html and "päivää jäljellä" in html and "Rajaukset" in html
    assert 'href="/?sort=deadline"' in html  # "In English" keeps the search
    english = client.get("/", params={"sort": "deadline"}).text
    assert 'href="/?sort=deadline&amp;lang=fi"' in english


def test_facet_filter_and_invalid_parameters_on_the_page(client):
    html = client.get("/", params=[("theme", "T4"), ("kind", "news")]).text
    assert "1 result<" in html and "Talvitestauksen" in html
    assert re.search(r'name="theme" value="T4"\s+checked', html)
    bad = client.get("/", params={"deadline_from": "tomorrow"})
    assert bad.status_code == 200 and "deadline_from" in bad.text  # a message, not a 500


def test_item_page_shows_fields_history_and_provenance(client):
    html = client.get("/items/ft:HORIZON-CL6-2026-01-CIRCBIO-07").text
    assert "8\u202f000\u202f000 EUR" in html and "HORIZON-CL6-2026-01" in html
    assert "deadline 15.01.2026 \u2192 " in html and "Version history" in html
    assert "EU Funding &amp; Tenders Portal: grants" in html and "aaaaaaaaaaaaaaaa" in html
    missing = client.get("/items/ft:NOPE")
    assert missing.status_code == 404 and "ft:NOPE" in missing.text


def test_sources_page(client):
    html = client.get("/sources").text
    assert "EU Funding &amp; Tenders Portal: grants" in html and "never run" in html
    fi = client.get("/sources?lang=fi").text
    assert "ei vielä haettu" in fi and "never run" not in fi and "Viimeksi onnistunut" in fi


def _form(**overrides):
    data = {"name": "Kemi", "email": "eu@kemi.fi", "alert_lang": "fi", "themes": ["T1", "T3"],
            "keywords": "vety OR hydrogen", "kinds": ["call"], "programmes": "HORIZON, LIFE",
            "min_budget": "100 000", "deadline_horizon_days": "", "frequency": "daily",
            "active": "on", "preview_days": "30", "action": "save", "token": TOKEN}
    data.update(overrides)
    return data


def test_subscription_form_saves_with_token_and_remembers_it(client, runtime):
    r = client.post("/subscriptions/save", data=_form(), follow_redirects=False)
    assert r.status_code == 303 and "saved=1" in r.headers["location"]
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    [sub] = runtime.store.list_subscriptions()
    assert sub.programmes == ["HORIZON", "LIFE"] and sub.min_budget == 100000
    assert sub.themes == ["T1", "T3"] and sub.frequency == "daily" and sub.lang == "fi"
    # The remembered cookie is enough for the next save.
    again = client.post("/subscriptions/save", data=_form(id=sub.id, token="", name="Kemi 2"),
                        follow_redirects=False)
    assert again.status_code == 303
    assert runtime.store.get_subscription(sub.id).name == "Kemi 2"
    edit = client.get(r.headers["location"])
    assert "Subscription saved." in edit.text and 'value="Kemi 2"' in edit.text


def test_subscription_form_refuses_bad_token_cross_site_and_invalid_input(client, runtime):
    wrong = client.post("/subscriptions/save", data=_form(token="guess"))
    assert wrong.status_code == 401 and "The API token is wrong." in wrong.text
    foreign = client.post("/subscriptions/save", data=_form(),
                          headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "another site" in foreign.text
    invalid = client.post("/subscriptions/save", data=_form(email="nobody", min_budget="lots"))
    assert invalid.status_code == 422 and "min_budget" in invalid.text
    assert runtime.store.list_subscriptions() == []


def test_subscription_form_preview_without_javascript_needs_the_token(client, runtime):
    fields = dict(action="preview", themes=["T4"], keywords="", kinds=[], programmes="",
                  min_budget="")
    assert client.post("/subscriptions/save", data=_form(token="", **fields)).status_code == 401
    r = client.post("/subscriptions/save", data=_form(**fields))
    assert r.status_code == 200
    assert "Would have matched 2 items in the last 30 days" in r.text
    assert "Talvitestauksen" in r.text and runtime.store.list_subscriptions() == []


def test_subscription_list_and_delete(client, runtime):
    client.post("/subscriptions/save", data=_form(), follow_redirects=False)
    [sub] = runtime.store.list_subscriptions()
    listing = client.get("/subscriptions").text
    assert "Kemi" in listing and f"/subscriptions/{sub.id}/calendar.ics" in listing
    r = client.post("/subscriptions/save", data=_form(id=sub.id, action="delete"),
                    follow_redirects=False)
    assert r.status_code == 303 and runtime.store.list_subscriptions() == []


def test_ui_save_without_configured_token_says_how_to_enable(backend_index, tmp_path):
    from fastapi.testclient import TestClient

    from euradar.web.app import create_app
    from tests.web.conftest import make_runtime

    with TestClient(create_app(make_runtime(backend_index, tmp_path, token=None))) as c:
        r = c.post("/subscriptions/save", data=_form())
    assert r.status_code == 403 and "EURADAR_API_TOKEN" in r.text


def test_static_assets_have_no_inline_code(client):
    for path in ("/", "/subscriptions/new", "/items/ft:SMP-COSME-2024-CLUSTER-01"):
        html = client.get(path).text
        assert "<script>" not in html and " style=" not in html and "onclick" not in html
