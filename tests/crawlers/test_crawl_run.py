"""crawl_source/crawl_all bookkeeping, source config validation, the listing spider and the
normalization helpers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from euradar.core.errors import ConfigError
from euradar.core.settings import DEFAULT_SOURCES, Settings
from euradar.crawlers.run import crawl_all, crawl_source
from euradar.crawlers.sources import load_sources
from euradar.crawlers.text import canonical_url, html_to_text, iso_date, url_item_id
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.store.sqlite import SqliteStore

JULY = "feeds/ec_presscorner_rss_en_2026-07-27.xml"


def test_silent_source_alerts_operators_once(env, server, corpus, tmp_path):
    server.alias("/feed.xml", corpus / JULY, validators=False)
    source = env.source("ec_presscorner", server.url("/feed.xml"))
    assert crawl_source(source, env.settings, env.bus, env.store).new == 20
    empty = re.sub(r"<item>.*</item>", "", (corpus / JULY).read_text(encoding="utf-8"), flags=re.S)
    (tmp_path / "empty.xml").write_text(empty, encoding="utf-8")
    server.alias("/feed.xml", tmp_path / "empty.xml", validators=False)
    for _ in range(2):
        report = crawl_source(source, env.settings, env.bus, env.store)
        assert report.ok and report.items_seen == 0
    alerts = env.operator()
    assert len(alerts) == 1 and alerts[0]["kind"] == "silent" and alerts[0]["source"] == "ec_presscorner"
    assert "had 20 before" in alerts[0]["message"] and alerts[0]["at"]
    state = env.store.source_state("ec_presscorner")
    assert state.consecutive_empty == 2 and state.last_item_count == 0 and state.items_seen == 20


def test_memory_backends_work_for_feeds_and_spider_route_explains(server, corpus):
    bus, store = MemoryBus(), SqliteStore("memory://")
    settings = Settings(bus_url="memory://", store_url="memory://")
    server.alias("/feed.xml", corpus / JULY)
    sources = [s for s in load_sources(DEFAULT_SOURCES, {"ec_presscorner": server.url("/feed.xml"),
                                                          "ft_grants": server.url("/api")})
               if s.name in ("ec_presscorner", "ft_grants", "eura2021")]
    seen = []
    reports = crawl_all(sources, settings, bus, store, progress=seen.append)
    assert [r.source for r in reports] == ["ft_grants", "ec_presscorner", "eura2021"]
    assert sorted(seen, key=lambda r: r.source) == sorted(reports, key=lambda r: r.source)
    assert not reports[0].ok and "shared between processes" in reports[0].error
    assert not reports[2].ok and "shared between processes" in reports[2].error
    assert reports[1].ok and reports[1].new == 20 and bus.topic_size("euradar.items.raw") == 20


def test_sources_file_is_valid_and_overrides_rebase_option_urls():
    sources = {s.name: s for s in load_sources(DEFAULT_SOURCES, {"ft_grants": "http://127.0.0.1:8000/s"})}
    assert {"ft_grants", "ft_tenders", "ted_fi", "ec_presscorner", "interreg_aurora", "eura2021",
            "lapin_liitto", "cordis_news", "nspa", "errin", "jrc_s3", "dg_regio"} <= set(sources)
    # every source is on, or off with a reason a user can act on
    assert [n for n, s in sources.items() if not s.enabled] == ["ft_dump"]
    assert "enabled = true here and enabled = false on ft_grants and ft_tenders" in sources["ft_dump"].disabled_reason
    regional = {"interreg_aurora", "interreg_bsr_calls", "eura2021", "errin", "nspa", "lapin_liitto"}
    assert {n for n, s in sources.items() if s.spider == "site"} == regional
    assert sources["ft_grants"].schedule_seconds == 15 * 60 and sources["ft_tenders"].schedule == "15m"
    ft = sources["ft_grants"]
    assert ft.url == "http://127.0.0.1:8000/s" and ft.allowed_hosts == ("127.0.0.1",)
    assert ft.options["details_url"].startswith("http://127.0.0.1:8000/info/funding-tenders/")
    assert ft.options["topic_page"].startswith("https://ec.europa.eu/")  # a link, not fetched
    assert sources["ted_fi"].schedule_seconds == 3600


@pytest.mark.parametrize("body, message", [
    ('[sources.x]\nkind = "grant"\nroute = "feed"\nurl = "https://a.eu/"',
     "source 'x': field 'kind': must be one of call, tender, news"),
    ('[sources.x]\nkind = "news"\nroute = "feed"\nurl = "ftp://a.eu/"', "source 'x': field 'url'"),
    ('[sources.x]\nkind = "news"\nroute = "spider"\nurl = "https://a.eu/"', "source 'x': field 'spider'"),
    ('[sources.x]\nkind = "news"\nroute = "feed"\nurl = "https://a.eu/"\nschedule = "daily"',
     "source 'x': field 'schedule'"),
    ('[sources.x]\nkind = "news"\nroute = "spider"\nspider = "site"\nurl = "https://a.eu/"\n'
     '[sources.x.options]\nlink_pattern = "(unclosed"', "source 'x': field 'options.link_pattern': is not a valid"),
    ('[sources.x]\nkind = "news"\nroute = "feed"\nurl = "https://a.eu/"\nenabled = false',
     "source 'x': field 'disabled_reason': a disabled source must say why"),
    ('[sources.x]\nkind = "call"\nroute = "spider"\nspider = "ft_portal"\nurl = "https://a.eu/"\n'
     '[sources.x.options]\npage_size = 500', "source 'x': field 'options.page_size'"),
    ('[sources.x]\nkind = "news"\nroute = "feed"\nurl = "https://a.eu/"\nenabeld = true',
     "source 'x': field 'enabeld': unknown field"),
])
def test_config_errors_name_source_and_field(tmp_path: Path, body: str, message: str):
    path = tmp_path / "sources.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_sources(path)


def test_unknown_override_is_a_config_error():
    with pytest.raises(ConfigError, match="EURADAR_SOURCE_NOPE_URL: no source named 'nope'"):
        load_sources(DEFAULT_SOURCES, {"nope": "http://127.0.0.1/"})


def test_normalization_helpers():
    assert html_to_text("<p>A&#xa0;&amp;&quot;B&quot;</p><ul><li>one</li><li><em>\ufeff</em>two</li></ul>\r\n") \
        == "A &\"B\"\n- one\n- two"
    assert html_to_text("<p>cut mid-tag <a hre") == "cut mid-tag"
    assert canonical_url("HTTPS://Ec.Europa.EU:443/x?utm_source=a&b=2&a=1#frag") == "https://ec.europa.eu/x?a=1&b=2"
    assert url_item_id("https://e.eu/x?utm_medium=rss") == url_item_id("https://e.eu/x")
    assert iso_date("2027-02-04T00:00:00.000+0000") == "2027-02-04"
    assert iso_date("2024-02-07T17:00:00.000+0100") == "2024-02-07T17:00:00+01:00"
    assert iso_date("1789603200000") == "2026-09-17"
    assert iso_date("2026-07-01+02:00") == "2026-07-01"
    assert iso_date("30/11/2023") == iso_date("30.11.2023") == "2023-11-30"
    assert iso_date("17 March 2025") == "2025-03-17" and iso_date("soon") is None
    assert iso_date("15. tammikuuta 2027") == iso_date("15 januari 2027") == iso_date("January 15, 2027") == "2027-01-15"
    assert iso_date("3 mars 2027") == "2027-03-03" and iso_date("1 Sept 2026") == "2026-09-01"
