"""Synthetic regional sites served by real local HTTP servers, one server per site so that
root-relative links (``/calls/page/2/``) work as on the real sites.

Every page is a hand-written fixture under ``tests/fixtures/sites/<cms>/synthetic_*.html``
(each file says so in a comment): no real Interreg, EURA 2021, ERRIN, NSPA or Lapin liitto
page could be captured. The three layouts are the common CMS shapes: a WordPress category
archive with pagination, a Drupal Views listing with a ``?page=N`` pager, and a plain HTML
table of calls; a fourth, a Finnish WordPress news list without pagination.
"""

from __future__ import annotations

from pathlib import Path

from tests.mockserver.server import CorpusServer, Reply, Seen, file_reply

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"

WORDPRESS_CALLS = {
    "/calls/": "wordpress/synthetic_wp_calls_page1.html",
    "/calls/page/2/": "wordpress/synthetic_wp_calls_page2.html",
    "/calls/call-7-green-transition/": "wordpress/synthetic_wp_call_7.html",
    "/calls/small-scale-projects/": "wordpress/synthetic_wp_call_small_scale.html",
    "/calls/call-6-sapmi-and-smart-growth/": "wordpress/synthetic_wp_call_6.html",
    "/calls/call-5-resilient-communities/": "wordpress/synthetic_wp_call_5.html",
    "/calls/planned-calls-timetable/": "wordpress/synthetic_wp_planned_calls.html",
    "/post-sitemap.xml": "wordpress/synthetic_wp_sitemap.xml",
}
DRUPAL_NEWS = {  # /news is served by page number (?page=N), see start_site
    "/news/call-for-regional-innovation-valleys-partners": "drupal/synthetic_drupal_news_riv_partners.html",
    "/news/fp10-position-paper-published": "drupal/synthetic_drupal_news_fp10_paper.html",
    "/news/smart-specialisation-working-group-meets-in-lapland": "drupal/synthetic_drupal_news_s3_lapland.html",
    "/news/new-members-join-the-network": "drupal/synthetic_drupal_news_new_members.html",
    "/news/cohesion-policy-consultation-response": "drupal/synthetic_drupal_news_cohesion.html",
}
DRUPAL_PAGES = {0: "drupal/synthetic_drupal_news_page0.html", 1: "drupal/synthetic_drupal_news_page1.html"}
TABLE_CALLS = {
    "/hakuilmoitukset": "table/synthetic_table_calls.html",
    "/hakuilmoitukset/4512": "table/synthetic_table_call_4512.html",
    "/hakuilmoitukset/4519": "table/synthetic_table_call_4519.html",
    "/hakuilmoitukset/4477": "table/synthetic_table_call_4477.html",
    "/hakuilmoitukset/4390": "table/synthetic_table_call_4390.html",
}
FINNISH_NEWS = {
    "/ajankohtaista/": "wordpress/synthetic_wp_fi_news.html",
    "/2026/10/maakuntahallitus-hyvaksyi-alykkaan-erikoistumisen-toimenpiteet/": "wordpress/synthetic_wp_fi_post_s3.html",
    "/2026/10/eu-rahoitusinfo-kunnille/": "wordpress/synthetic_wp_fi_post_info.html",
}
ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"

# The regional sources of crawlers/sources.toml, each on the synthetic site of its CMS shape,
# with the path its override points at.
REGIONAL = {
    "interreg_aurora": (WORDPRESS_CALLS, "/calls/"),
    "interreg_bsr_calls": (WORDPRESS_CALLS, "/calls/"),
    "eura2021": (TABLE_CALLS, "/hakuilmoitukset"),
    "errin": ("drupal", "/news"),
    "nspa": ("drupal", "/news"),
    "lapin_liitto": (FINNISH_NEWS, "/ajankohtaista/"),
}


def drupal_listing(request: Seen) -> Reply:
    page = int((request.query.get("page") or ["0"])[0] or 0)
    if page not in DRUPAL_PAGES:
        return Reply(404, b"<html><body>Page not found</body></html>", {"Content-Type": "text/html"})
    return file_reply(SITES / DRUPAL_PAGES[page], request)


def start_site(layout: dict[str, str] | str) -> CorpusServer:
    """A running server for one synthetic site (``"drupal"`` for the Views news site)."""
    server = CorpusServer().start()
    server.reply("GET", "/robots.txt", 200, ROBOTS, "text/plain")
    if layout == "drupal":
        server.route("GET", "/news", drupal_listing)
        layout = DRUPAL_NEWS
    assert isinstance(layout, dict)
    for path, file in layout.items():
        server.alias(path, SITES / file)
    return server


def start_regional_sites() -> tuple[dict[str, str], list[CorpusServer]]:
    """Every regional source on its own synthetic site: (overrides name -> URL, servers)."""
    overrides, servers = {}, []
    for name, (layout, path) in REGIONAL.items():
        server = start_site(layout)
        servers.append(server)
        overrides[name] = server.url(path)
    return overrides, servers
