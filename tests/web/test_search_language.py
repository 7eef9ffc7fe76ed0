"""The query language at the web edge: errors with their position (never a 500), results that
help when there are none, and an empty index that says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import make_runtime


def test_api_bad_query_is_a_422_with_type_and_position(client):
    r = client.get("/api/search", params={"q": "hydrogen OR"})
    assert r.status_code == 422
    (detail,) = r.json()["detail"]
    assert detail["type"] == "query_syntax" and detail["loc"] == ["query", "q"]
    assert detail["ctx"]["position"] == 9 and "nothing after OR" in detail["msg"]
    for bad in ('"open', "(a", "a )", "*", "programm:HORIZON", "status:shut", "NOT"):
        assert client.get("/api/search", params={"q": bad}).status_code == 422, bad
        assert client.get("/api/export.csv", params={"q": bad}).status_code == 422, bad


def test_api_speaks_the_query_language(client):
    def ids(q: str) -> set[str]:
        r = client.get("/api/search", params={"q": q, "size": 50})
        assert r.status_code == 200, r.text
        return {h["item"]["id"] for h in r.json()["hits"]}

    both = ids("textile OR euroclusters")
    assert both == ids("textile") | ids("euroclusters") and len(both) == 2
    assert ids("textile -circular") == set()
    assert ids('"extended producer responsibility"') == ids("textile")
    assert ids("euroclust*") == ids("euroclusters")
    assert ids("kind:tender") == {h for h in ids("snöröjning")}


def test_page_shows_a_query_error_with_a_caret_and_keeps_the_filters(client):
    html = client.get("/", params={"q": "(hydrogen", "kind": "call"}).text
    assert "The search text cannot be read" in html and "this ( is never closed" in html
    assert 'value="(hydrogen"' in html and 'aria-invalid="true"' in html
    assert '<pre class="caret">(hydrogen\n^</pre>' in html
    assert 'name="kind" value="call"' in html  # the filter is still there to untick


def test_zero_hits_list_the_filters_in_force_with_counts_and_ways_out(client):
    html = client.get("/", params=[("q", "euroclusters status:open"), ("kind", "call")]).text
    assert "0 results" in html and "These narrowed the search" in html
    assert "without status:open" in html and "without Type: Call" in html
    assert 'href="/?q=euroclusters&amp;kind=call"' in html  # status:open dropped
    api = client.get("/api/search", params={"q": "euroclusters status:open", "kind": "call"})
    ways = {w["label"]: w["total"] for w in api.json()["ways_out"]}
    assert ways["without status:open"] == 1 and api.json()["index_empty"] is False


def test_zero_hits_offer_the_theme_and_the_english_term(client):
    body = client.get("/api/search", params={"q": "vety", "kind": "tender"}).json()
    kinds = {w["kind"] for w in body["ways_out"]}
    assert "theme" in kinds and "english" in kinds
    english = next(w for w in body["ways_out"] if w["kind"] == "english")
    assert english["label"] == "the English term hydrogen" and "q=hydrogen" in english["url"]
    theme = next(w for w in body["ways_out"] if w["kind"] == "theme")
    assert "T3" in theme["label"] and "theme=T3" in theme["url"]


def test_an_empty_index_says_nothing_has_been_crawled(tmp_path: Path):
    from fastapi.testclient import TestClient

    from euradar.infra.index.embedded import EmbeddedIndex
    from euradar.web.app import create_app

    runtime = make_runtime(EmbeddedIndex("memory://"), tmp_path)
    with TestClient(create_app(runtime)) as c:
        html = c.get("/", params={"q": "hydrogen"}).text
        assert "Nothing has been crawled yet" in html and "euradar run --once" in html
        body = c.get("/api/search").json()
        assert body["index_empty"] is True and body["load_hint"] == "euradar run --once"
    runtime.store.close()


@pytest.mark.parametrize("q", ["accelerator", "", "charging OR textile"])
def test_page_lists_open_calls_before_closed_ones(client, q):
    r = client.get("/api/search", params={"q": q, "size": 50})
    order = {"open": 0, "forthcoming": 0, "closed": 2}
    ranks = [order.get(h["item"]["status"] or "", 1) for h in r.json()["hits"]]
    assert ranks == sorted(ranks)


def test_paging_past_the_result_window_is_refused_politely(client):
    r = client.get("/api/search", params={"page": 200, "size": 100})
    assert r.status_code == 422 and "narrow the search" in r.text
