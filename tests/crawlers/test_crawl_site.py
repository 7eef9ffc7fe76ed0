"""The site spider (no per-site selectors), run for real (Scrapy in a subprocess) against local
servers serving the synthetic CMS-shaped sites of tests/fixtures/sites/ (every file there is
hand-written and says so: no real regional page could be captured)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date

import pytest

from euradar.core.settings import DEFAULT_SOURCES
from euradar.crawlers.run import crawl_all, crawl_source
from euradar.crawlers.sources import load_sources
from tests.mockserver.server import Reply
from tests.mockserver.sites import (
    REGIONAL,
    SITES,
    TABLE_CALLS,
    WORDPRESS_CALLS,
    start_regional_sites,
    start_site,
)

TODAY = date(2026, 11, 1)


@pytest.fixture
def site():
    """Start synthetic sites for one test; all stopped at its end."""
    servers = []

    def start(layout):
        servers.append(start_site(layout))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def wordpress(site):
    return site(WORDPRESS_CALLS)


def _items(env) -> dict[str, object]:
    return {e.item.title: e.item for e in env.events()}


def test_wordpress_listing_with_pagination(env, wordpress):
    source = env.source("interreg_aurora", wordpress.url("/calls/"))
    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert report.ok, report.error
    assert (report.new, report.dead) == (5, 0)  # 3 posts on page 1, 2 on page 2
    items = _items(env)
    assert sorted(items) == ["Call 5: Resilient communities", "Call 6: Sápmi and smart growth",
                             "Call 7: Green transition & Arctic water", "Small-scale projects – continuous call",
                             "Timetable of planned calls 2026–2027"]
    call7 = items["Call 7: Green transition & Arctic water"]
    assert call7.url == wordpress.url("/calls/call-7-green-transition/")  # utm_* dropped, one id
    assert call7.kind == "call" and call7.status == "open" and call7.lang == "en"
    assert call7.deadlines == ["2027-01-15"] and call7.opening_date == "2026-10-01"
    assert call7.published == "2026-10-01T07:00:00+00:00"  # JSON-LD wins over <meta>
    assert call7.extra["extracted"]["title"] == "json-ld" and "priority 2, green transition" in call7.text
    assert "Recent news" not in call7.text and "cookies" not in call7.text  # chrome removed
    assert call7.documents == [wordpress.url("/wp-content/uploads/2026/10/call-7-terms.pdf"),
                               wordpress.url("/wp-content/uploads/2026/10/programme-manual-v4.docx")]
    assert items["Call 6: Sápmi and smart growth"].deadlines == ["2025-03-17"]  # "17.2.–17.3.2025"
    assert items["Call 6: Sápmi and smart growth"].opening_date == "2025-02-17"
    assert items["Call 6: Sápmi and smart growth"].status == "closed"
    small = items["Small-scale projects – continuous call"]
    assert small.status == "open" and small.deadlines == [] and small.extra["continuous"] is True
    assert items["Timetable of planned calls 2026–2027"].status is None  # no dates, no guess
    fetched = {r.path for r in wordpress.seen("GET")}
    # navigation, sidebar, footer, category and feed links were not followed
    assert not fetched & {"/about/", "/contact/", "/category/calls/", "/feed/", "/privacy-policy/",
                          "/2026/10/monitoring-committee-approved-12-projects/"}
    assert wordpress.seen("GET", "/robots.txt")[0].headers["user-agent"] == env.settings.user_agent

    # Nothing changed: page 1 answers 304, nothing else is fetched (robots.txt is kept for a
    # day), no events: one request.
    before = len(wordpress.requests)
    again = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert again.ok and again.events == 0 and again.not_modified == 1 and again.requests == 1
    assert [r.path for r in wordpress.requests[before:]] == ["/calls/"]
    assert env.operator() == []


def test_changed_listing_entry_refetches_only_that_page(env, wordpress, tmp_path):
    source = env.source("interreg_aurora", wordpress.url("/calls/"))
    crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    # The programme moves call 7's deadline and says so in the listing (edited here, on purpose),
    # and publishes a new call at the top.
    page1 = (SITES / WORDPRESS_CALLS["/calls/"]).read_text(encoding="utf-8")
    new_entry = ('<article class="post type-post entry"><header class="entry-header"><h2 class="entry-title">'
                 '<a href="/calls/call-8-sapmi/">Call 8: Sápmi culture</a></h2></header>'
                 '<div class="entry-content"><p>Deadline 2 March 2027.</p></div></article>\n  ')
    edited = page1.replace("Deadline 15 January 2027.", "Deadline extended to 29 January 2027.")
    edited = edited.replace('<article id="post-412"', new_entry + '<article id="post-412"', 1)
    (tmp_path / "page1.html").write_text(edited, encoding="utf-8")
    call7 = (SITES / WORDPRESS_CALLS["/calls/call-7-green-transition/"]).read_text(encoding="utf-8")
    (tmp_path / "call7.html").write_text(call7.replace("Deadline: 15 January 2027", "Deadline: 29 January 2027"),
                                         encoding="utf-8")
    (tmp_path / "call8.html").write_text(call7.replace("Call 7: Green transition &amp; Arctic water", "Call 8: Sápmi culture")
                                         .replace('"headline":"Call 7: Green transition & Arctic water"', '"headline":"Call 8: Sápmi culture"')
                                         .replace("Deadline: 15 January 2027", "Deadline: 2 March 2027"), encoding="utf-8")
    wordpress.alias("/calls/", tmp_path / "page1.html")
    wordpress.alias("/calls/call-7-green-transition/", tmp_path / "call7.html")
    wordpress.alias("/calls/call-8-sapmi/", tmp_path / "call8.html")
    before = len(wordpress.requests)

    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert report.ok, report.error
    assert (report.new, report.changed) == (1, 1)
    paths = [r.path for r in wordpress.requests[before:]]
    # page 2 is read (page 1 had news) but none of its unchanged pages, nor the unchanged posts
    assert sorted(paths) == sorted(["/calls/", "/calls/page/2/", "/calls/call-8-sapmi/",
                                    "/calls/call-7-green-transition/"])
    conditional = wordpress.seen("GET", "/calls/call-7-green-transition/")[-1]
    assert "if-none-match" in conditional.headers  # a known page is asked for conditionally
    changed = [e for e in env.events() if e.type == "changed"]
    assert [c.text for c in changed[0].changes] == ["deadline 15.01.2027 -> 29.01.2027", "description updated"]
    assert _items(env)["Call 8: Sápmi culture"].deadlines == ["2027-03-02"]


def test_sitemap_lastmod_is_a_change_signal(env, wordpress, tmp_path):
    source = env.source("interreg_aurora", wordpress.url("/calls/"), sitemap_url=wordpress.url("/post-sitemap.xml"))
    first = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert first.ok and first.new == 5
    assert _items(env)["Call 7: Green transition & Arctic water"].extra["lastmod"] == "2026-10-15T12:30:00+00:00"
    # The listing stays the same, the sitemap says the small-scale page was modified.
    sitemap = (SITES / WORDPRESS_CALLS["/post-sitemap.xml"]).read_text(encoding="utf-8")
    (tmp_path / "sitemap.xml").write_text(sitemap.replace("2026-06-15T06:00:00+00:00", "2026-10-30T06:00:00+00:00"),
                                          encoding="utf-8")
    small = (SITES / WORDPRESS_CALLS["/calls/small-scale-projects/"]).read_text(encoding="utf-8")
    (tmp_path / "small.html").write_text(small.replace("four times a year", "six times a year"), encoding="utf-8")
    wordpress.alias("/post-sitemap.xml", tmp_path / "sitemap.xml")
    wordpress.alias("/calls/small-scale-projects/", tmp_path / "small.html")
    wordpress.alias("/calls/", SITES / WORDPRESS_CALLS["/calls/"], validators=False)  # a listing without ETag
    before = len(wordpress.requests)

    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert report.ok and (report.new, report.changed) == (0, 1)
    fetched = [r.path for r in wordpress.requests[before:]]
    assert fetched.count("/calls/small-scale-projects/") == 1
    # page 1 came without validators, so page 2 is read too, but none of the unchanged pages
    assert "/calls/page/2/" in fetched
    assert not {"/calls/call-7-green-transition/", "/calls/call-5-resilient-communities/"} & set(fetched)


def test_drupal_views_listing_and_pager(env, site):
    server = site("drupal")
    source = env.source("errin", server.url("/news"))
    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert report.ok, report.error
    assert report.new == 5
    items = _items(env)
    assert set(items) == {"Regional Innovation Valleys: partners wanted for an Arctic hydrogen valley",
                          "Network position paper on FP10 published", "Three new member regions join the network",
                          "Smart specialisation working group meets in Lapland",
                          "Our response to the cohesion policy consultation"}
    riv = items["Regional Innovation Valleys: partners wanted for an Arctic hydrogen valley"]
    assert riv.kind == "news" and riv.status is None and riv.deadlines == []  # news carry no deadlines
    assert riv.published == "2026-10-20T10:15:00+00:00" and riv.extra["json_ld"] == ["newsarticle"]
    assert riv.url == server.url("/news/call-for-regional-innovation-valleys-partners")
    fp10 = items["Network position paper on FP10 published"]
    assert fp10.published == "2026-10-14T08:00:00+00:00" and "framework programme (FP10)" in fp10.text
    paths = {r.path for r in server.seen("GET")}
    assert not paths & {"/events/annual-conference-2026", "/about-us", "/taxonomy/term/12", "/newsletter"}
    assert [r.query.get("page") for r in server.seen("GET", "/news")] == [None, ["1"]]


def test_table_of_calls_in_finnish(env, site):
    server = site(TABLE_CALLS)
    source = env.source("eura2021", server.url("/hakuilmoitukset"))
    report = crawl_source(source, env.settings, env.bus, env.store, today=date(2026, 10, 1))
    assert report.ok, report.error
    assert report.new == 4
    items = {i.url.rsplit("/", 1)[1]: i for i in (e.item for e in env.events())}
    low_carbon = items["4512"]
    assert low_carbon.lang == "fi" and low_carbon.title == "Lapin EAKR-haku: vähähiilinen energia ja kiertotalous"
    assert low_carbon.deadlines == ["2026-10-31"] and low_carbon.opening_date == "2026-09-01"  # from the page text
    assert low_carbon.status == "open" and low_carbon.documents == [server.url("/files/4512/valintaperusteet.pdf")]
    tourism = items["4519"]
    assert tourism.deadlines == ["2027-01-15"]  # "viimeistään 15.1.2027" on the page
    assert tourism.opening_date == "2026-10-15" and tourism.status == "forthcoming"  # opening from the table row
    assert items["4390"].deadlines == ["2026-04-30"] and items["4390"].status == "closed"  # only the row had dates
    assert items["4477"].status == "open" and items["4477"].extra["continuous"] is True  # "jatkuvasti auki"
    assert not {"/ohjeet", "/yhteystiedot", "/login"} & {r.path for r in server.seen("GET")}


def test_every_regional_source_runs_on_the_site_kind(env):
    overrides, servers = start_regional_sites()
    try:
        sources = [dataclasses.replace(s, options={**s.options, "crawl_delay": 0, "retries": 0})
                   for s in load_sources(DEFAULT_SOURCES, overrides) if s.name in REGIONAL]
        assert {s.spider for s in sources} == {"site"} and all(s.enabled for s in sources)
        reports = crawl_all(sources, env.settings, env.bus, env.store, today=TODAY)
        again = crawl_all(sources, env.settings, env.bus, env.store, today=TODAY)
    finally:
        for server in servers:
            server.stop()
    assert {r.source: (r.ok, r.new) for r in reports} == {
        "interreg_aurora": (True, 5), "interreg_bsr_calls": (True, 5), "eura2021": (True, 4),
        "errin": (True, 5), "nspa": (True, 5), "lapin_liitto": (True, 2)}
    assert all(r.ok and r.events == 0 and r.not_modified == 1 for r in again)
    for name in REGIONAL:
        state = env.store.source_state(name)
        assert state.last_success and state.consecutive_failures == 0 and state.items_seen > 0


def test_failures_name_what_to_fix(env, wordpress, tmp_path):
    gone = env.source("interreg_aurora", wordpress.url("/old-calls-page/"))
    report = crawl_source(gone, env.settings, env.bus, env.store, today=TODAY)
    assert not report.ok
    assert report.error == (f"interreg_aurora: listing page {wordpress.url('/old-calls-page/')} answered HTTP 404: "
                            "the page moved or is gone; find the site's calls/news page and set url in "
                            "crawlers/sources.toml")

    wordpress.reply("GET", "/app/", 200, '<!DOCTYPE html><html><head><title>Calls</title></head>'
                    '<body><div id="root"></div><script src="/app.js"></script></body></html>', "text/html")
    js = crawl_source(env.source("interreg_aurora", wordpress.url("/app/")), env.settings, env.bus, env.store)
    assert js.ok and js.items_seen == 0
    assert "the page has no links at all, it is probably filled in by JavaScript" in js.warnings[0]

    dead = env.source("interreg_aurora", "http://127.0.0.1:9/calls/", retries=0)
    refused = crawl_source(dead, env.settings, env.bus, env.store)
    assert not refused.ok and "cannot reach http://127.0.0.1:9/calls/: connection refused" in refused.error
    assert refused.error.endswith("Check the internet connection, then the address (url in crawlers/sources.toml)")

    wordpress.reply("GET", "/robots.txt", 200, "User-agent: *\nDisallow: /calls/\n", "text/plain")
    shutil.rmtree(env.settings.data_dir / "robots")  # a day later: the kept robots.txt has expired
    blocked = crawl_source(env.source("interreg_aurora", wordpress.url("/calls/")), env.settings, env.bus, env.store)
    assert not blocked.ok and "Forbidden by robots.txt" in blocked.error and "disable the source" in blocked.error
    assert wordpress.seen("GET", "/calls/") == []


def test_stays_on_the_site_and_defers_beyond_max_new_pages(env, wordpress, tmp_path):
    page1 = (SITES / WORDPRESS_CALLS["/calls/"]).read_text(encoding="utf-8")
    offsite = wordpress.url("/calls/small-scale-projects/").replace("127.0.0.1", "localhost")
    (tmp_path / "page1.html").write_text(page1.replace('href="/calls/small-scale-projects/"', f'href="{offsite}"'),
                                         encoding="utf-8")
    wordpress.alias("/calls/", tmp_path / "page1.html")
    source = env.source("interreg_aurora", wordpress.url("/calls/"), max_new_pages=2)
    first = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)

    assert first.ok and first.new == 2  # 2 of the 2 on-site links of page 1; the localhost one is another site
    assert wordpress.seen("GET", "/calls/small-scale-projects/") == []
    assert "new or changed page(s) left for the next crawl (options.max_new_pages = 2)" in first.warnings[-1]
    # the listing's validators were held back: the next crawl reads it again and goes on
    second = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert second.ok and second.new == 2 and "if-none-match" not in wordpress.seen("GET", "/calls/")[1].headers
    third = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert third.ok and third.new == 0 and third.not_modified == 1


def test_css_selectors_refine_one_site(env, wordpress):
    source = env.source("interreg_aurora", wordpress.url("/calls/"), link_selector="h2.entry-title a::attr(href)",
                        title_selector="h1.entry-title::text", deadline_selector=".entry-content li:nth-child(2)::text",
                        max_pages=1)
    report = crawl_source(source, env.settings, env.bus, env.store, today=TODAY)
    assert report.ok and report.new == 3  # page 1 only (max_pages = 1)
    call7 = _items(env)["Call 7: Green transition & Arctic water"]
    assert call7.extra["extracted"]["title"] == "selector" and call7.extra["extracted"]["deadline"] == "selector"
    assert call7.deadlines == ["2027-01-15"]


def test_a_broken_page_is_dead_lettered_and_the_rest_goes_on(env, wordpress):
    wordpress.route("GET", "/calls/call-6-sapmi-and-smart-growth/", lambda req: Reply(
        200, b"<html><body><main><p></p></main></body></html>", {"Content-Type": "text/html"}))
    report = crawl_source(env.source("interreg_aurora", wordpress.url("/calls/")), env.settings, env.bus, env.store,
                          today=TODAY)
    # the listing entry still names it: its title and excerpt are kept
    assert report.ok and report.new == 5 and report.dead == 0
    item = _items(env)["Call 6: Sápmi and smart growth"]
    assert item.text.startswith("Call 6: Sápmi and smart growth") and item.deadlines == ["2025-03-17"]
