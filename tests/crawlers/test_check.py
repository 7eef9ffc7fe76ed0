"""`euradar sources check [NAME]` and the `euradar sources` health lines, through the real CLI,
against local servers (a synthetic site, the recorded feed, the F&T API over real captures)
and an address that cannot resolve (what every source looks like without internet)."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest

from euradar.cli.main import main
from euradar.core.registry import open_store
from tests.crawlers.conftest import FT_SEARCH_PATH
from tests.mockserver.apis import SediaIndex
from tests.mockserver.sites import WORDPRESS_CALLS, start_site

SOURCES = """
[sources.interreg_aurora]
kind = "call"
route = "spider"
spider = "site"
url = "https://interregaurora.eu/calls/"
lang = "en"
options = {crawl_delay = 0}

[sources.ec_presscorner]
kind = "news"
route = "feed"
url = "https://ec.europa.eu/commission/presscorner/api/rss"

[sources.ft_grants]
kind = "call"
route = "spider"
spider = "ft_portal"
url = "https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA&text=***"
options = {crawl_delay = 0}

[sources.nowhere]
kind = "news"
route = "spider"
spider = "site"
url = "https://regional-council.invalid/news/"

[sources.retired]
kind = "news"
route = "feed"
url = "https://old.invalid/feed/"
enabled = false
disabled_reason = "The site was shut down in 2025; its news now comes through lapin_liitto."
"""


@pytest.fixture
def cli_env(tmp_path, monkeypatch, server, corpus):
    site = start_site(WORDPRESS_CALLS)
    server.alias("/rss", corpus / "feeds/ec_presscorner_rss_en_2026-07-27.xml")
    server.route("POST", FT_SEARCH_PATH, SediaIndex(corpus / "ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json"))
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    for key, value in {"EURADAR_DATA_DIR": str(tmp_path / "data"), "EURADAR_SOURCES_FILE": str(tmp_path / "sources.toml"),
                       "EURADAR_SOURCE_INTERREG_AURORA_URL": site.url("/calls/"),
                       "EURADAR_SOURCE_EC_PRESSCORNER_URL": server.url("/rss"),
                       "EURADAR_SOURCE_FT_GRANTS_URL": server.url(FT_SEARCH_PATH + "?apiKey=SEDIA&text=***"),
                       "EURADAR_HTTP_TIMEOUT": "5"}.items():
        monkeypatch.setenv(key, value)
    yield SimpleNamespace(path=tmp_path, site_url=site.url("/calls/"))
    site.stop()


def test_check_reports_what_works_and_stores_nothing(cli_env, capsys):
    started = time.monotonic()
    code = main(["sources", "check"])
    out = capsys.readouterr().out

    assert code == 1  # one source cannot be reached
    assert "checking 4 source(s) once, now (a dry run: nothing is stored or published)" in out
    assert "ok   interreg_aurora      call   site      " + cli_env.site_url in out
    assert "reachable, robots.txt allows it; 3 item(s)" in out  # one listing page only
    assert ("fields: title 3/3, text 3/3, date 3/3, deadline 2/3, opening 2/3, status 3/3, documents 1/3, "
            "lang 3/3") in out
    assert "- Call 7: Green transition & Arctic water  (deadline 2027-01-15)" in out
    assert "ok   ec_presscorner" in out and "no robots.txt (HTTP 404): everything allowed; 20 item(s)" in out
    assert "ok   ft_grants" in out and "10 item(s)" in out  # one page of 10 for a check
    assert "totalResults" not in out  # the check's own page limit is not a warning
    assert "FAIL nowhere" in out
    assert "unreachable: name resolution failed" in out and "https://regional-council.invalid/news/" in out
    assert "retired" not in out  # disabled: only checked when named
    assert "3/4 source(s) ok; unreachable: nowhere" in out
    assert time.monotonic() - started < 120  # a bound for a hung check, not a speed claim

    # a dry run: no health, no validators, no items in the real store
    store = open_store(f"sqlite:///{cli_env.path}/data/store.db")
    try:
        assert all(not s.last_attempt for s in store.list_source_states())
        assert store.validators(cli_env.site_url) == (None, None)
        assert list(store.items_with_status(("open", "forthcoming", "closed"))) == []
    finally:
        store.close()


def test_check_one_source_json_and_offline_summary(cli_env, capsys):
    assert main(["sources", "check", "retired", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)[0]
    assert result["source"] == "retired" and result["enabled"] is False and result["reachable"] is False
    assert result["disabled_reason"].startswith("The site was shut down")
    assert result["error"].startswith("unreachable: name resolution failed")

    assert main(["sources", "check", "nowhere"]) == 1
    out = capsys.readouterr().out
    assert "0/1 source(s) ok; none could be reached: this machine looks offline" in out


def test_health_lines_say_why_off_and_what_failed(cli_env, capsys):
    assert main(["sources"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[on ] interreg_aurora      call   site      every 1d   never crawled "
                               "(try `euradar sources check interreg_aurora`)")
    assert lines[-1] == ("[off] retired              news   feed      every 1d   off: The site was shut down in "
                         "2025; its news now comes through lapin_liitto.")
    assert main(["crawl", "nowhere"]) == 1
    capsys.readouterr()
    main(["sources"])
    out = capsys.readouterr().out
    assert "nowhere              news   site      every 1d   FAILING x1 last success never" in out
    assert "last error: nowhere: cannot reach https://regional-council.invalid/news/: name resolution failed" in out
    assert main(["sources", "nowhere"]) == 2  # a typo for "check" is explained
    assert "did you mean `euradar sources check nowhere`?" in capsys.readouterr().err
