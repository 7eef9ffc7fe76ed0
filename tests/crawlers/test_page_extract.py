"""Page extraction and listing-link discovery on their own (pure functions, no server)."""

from __future__ import annotations

import pytest

from euradar.crawlers.page_extract import extract_page, find_period_and_deadlines, json_ld_nodes
from euradar.crawlers.site_links import find_links, parse_html, parse_sitemap
from tests.mockserver.sites import SITES, WORDPRESS_CALLS


@pytest.mark.parametrize("text, opening, deadlines", [
    ("Deadline: 15 January 2027 at 16:00 CET", None, ["2027-01-15"]),
    ("Call opens: 1 October 2026\nDeadline: 15.01.2027", "2026-10-01", ["2027-01-15"]),
    ("Deadline\n15.1.2027", None, ["2027-01-15"]),
    ("Hakuaika päättyy 31.10.2026 klo 16.15.", None, ["2026-10-31"]),
    ("Haku on auki 1.9.2026 alkaen. Hakemukset viimeistään 31.10.2026.", "2026-09-01", ["2026-10-31"]),
    ("Hakuaika: 1.9.–31.10.2026", "2026-09-01", ["2026-10-31"]),
    ("Haku on auki 30.11.2026 asti.", None, ["2026-11-30"]),
    ("Sista ansökningsdag är 3 mars 2027.", None, ["2027-03-03"]),
    ("Ansökningsperiod 17.2–17.3.2025", "2025-02-17", ["2025-03-17"]),
    ("Two-stage call. Deadline stage 1: 5 February 2027. Deadline stage 2: 9 September 2027.", None,
     ["2027-02-05", "2027-09-09"]),
    ("Published 1.9.2026. An info day takes place on 12 November 2026.", None, []),  # no deadline word
])
def test_deadlines_and_openings_in_three_languages(text, opening, deadlines):
    assert find_period_and_deadlines(text) == (opening, deadlines)


def test_json_ld_graph_and_broken_blocks():
    tree = parse_html('<html><head><script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
                      '{"@type": ["Article"], "headline": "X"}]}</script><script type="application/ld+json">'
                      '{broken</script></head><body></body></html>')
    assert [n.get("headline") for n in json_ld_nodes(tree)] == [None, None, "X"]


def test_event_json_ld_gives_opening_and_deadline():
    html = ('<html lang="sv"><head><script type="application/ld+json">{"@type": "Event", "name": "Utlysning 4",'
            '"startDate": "2026-11-01", "endDate": "2027-02-28T16:00:00+01:00"}</script></head>'
            '<body><main><h1>Utlysning</h1><p>Text om utlysningen.</p></main></body></html>')
    page = extract_page(html, "https://x.eu/u4", "call")
    assert (page.title, page.lang, page.opening, page.deadlines) == ("Utlysning 4", "sv", "2026-11-01",
                                                                      ["2027-02-28T16:00:00+01:00"])
    assert page.sources["deadline"] == "json-ld"


def test_charset_comes_from_the_document_not_from_bytes_before_meta():
    body = ("<!-- ä before the meta charset -->\n<html><head><meta charset='utf-8'><title>t</title></head>"
            "<body><main><h1>Hakuaika päättyy</h1><p>Hakuaika päättyy 31.10.2026 klo 16.15.</p></main></body></html>")
    page = extract_page(body.encode("utf-8"), "https://x.fi/h", "call")
    assert page.title == "Hakuaika päättyy" and page.deadlines == ["2026-10-31"]


def test_sitemap_index_and_bad_sitemaps():
    index = parse_sitemap(b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          b'<sitemap><loc>https://x.eu/post-sitemap.xml</loc></sitemap>'
                          b'<sitemap><loc>https://other.eu/s.xml</loc></sitemap></sitemapindex>', "https://x.eu/s.xml",
                          ["www.x.eu"])
    assert index.children == ["https://x.eu/post-sitemap.xml"] and index.pages == []
    with pytest.raises(ValueError, match="not a sitemap"):
        parse_sitemap(b"<html><body>Not found</body></html>", "https://x.eu/s.xml", ["x.eu"])


def test_listing_links_skip_chrome_and_keep_entries():
    page = find_links(parse_html((SITES / WORDPRESS_CALLS["/calls/"]).read_bytes()), "https://x.eu/calls/", ["x.eu"])
    assert [link.url for link in page.links] == ["https://x.eu/calls/call-7-green-transition/",
                                                 "https://x.eu/calls/small-scale-projects/",
                                                 "https://x.eu/calls/call-6-sapmi-and-smart-growth/"]
    assert page.links[0].title == "Call 7: Green transition & Arctic water"  # not "Continue reading..."
    assert page.next_url == "https://x.eu/calls/page/2/" and page.feeds[0] == "https://x.eu/feed/"
    one = find_links(parse_html('<html><body><main><h1>Calls</h1><p>Only one open call: '
                                '<a href="/calls/c1">Call 1</a></p></main></body></html>'), "https://x.eu/calls", ["x.eu"])
    assert [link.title for link in one.links] == ["Call 1"]  # a list of one is still a list
