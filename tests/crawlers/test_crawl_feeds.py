"""The feed route against the local server: the real EC Press Corner captures, and malformed
variants derived from them inside each test (the edits are written out here, not captured)."""

from __future__ import annotations

from euradar.crawlers.run import crawl_source
from euradar.crawlers.text import url_item_id
from tests.crawlers.conftest import check_expected
from tests.mockserver.server import Reply

JULY = "feeds/ec_presscorner_rss_en_2026-07-27.xml"
OCTOBER = "feeds/ec_presscorner_rss_en_2026-10-02_1item.xml"


def _press(env, server, path="/feed.xml", **options):
    return env.source("ec_presscorner", server.url(path), **options)


def test_feed_items_and_conditional_recrawl(env, server, corpus):
    server.alias("/feed.xml", corpus / JULY)
    source = _press(env, server)
    report = crawl_source(source, env.settings, env.bus, env.store)

    assert report.ok, report.error
    assert (report.new, report.dead, report.requests) == (20, 0, 1)
    items = [e.item for e in env.events()]
    check_expected("ec_presscorner_2026-07-27", items)
    first = next(i for i in items if i.title == "Daily News 27 / 07 / 2026")
    assert first.id == url_item_id("https://ec.europa.eu/commission/presscorner/detail/en/mex_26_1693")
    assert first.published == "2026-07-27T09:37:55+00:00" and first.kind == "news"
    assert first.extra["categories"] == ["POLICY_AREA=GENINFO"]
    assert first.text.startswith("European Commission Daily news Brussels, 27 Jul 2026")

    again = crawl_source(source, env.settings, env.bus, env.store)
    assert again.ok and (again.not_modified, again.events, again.bytes) == (1, 0, 0)
    assert server.seen("GET", "/feed.xml")[-1].headers.get("if-none-match")
    state = env.store.source_state("ec_presscorner")
    assert state.consecutive_empty == 0 and state.last_item_count == 20 and env.operator() == []


def test_second_capture_and_noise_give_no_spurious_events(env, server, corpus, tmp_path):
    server.alias("/feed.xml", corpus / JULY, validators=False)
    source = _press(env, server)
    crawl_source(source, env.settings, env.bus, env.store)
    # Same feed re-served with tracking parameters, reformatted whitespace and CRLF line ends:
    # the same items, so no events even though the bytes differ and no 304 was possible.
    noisy = (corpus / JULY).read_text(encoding="utf-8")
    noisy = noisy.replace("</link>", "?utm_source=rss&amp;utm_medium=feed</link>").replace("\n", "\r\n  ")
    (tmp_path / "noisy.xml").write_text(noisy, encoding="utf-8")
    server.alias("/feed.xml", tmp_path / "noisy.xml", validators=False)
    assert crawl_source(source, env.settings, env.bus, env.store).events == 0

    server.alias("/feed.xml", corpus / OCTOBER, validators=False)
    later = crawl_source(source, env.settings, env.bus, env.store)
    assert later.ok and later.new == 1 and later.items_seen == 1
    assert env.events()[-1].item.lang == "en"  # <language>EN</language> normalized


def test_junk_before_declaration_wrong_encoding_and_broken_entries(env, server, corpus, tmp_path):
    text = (corpus / JULY).read_text(encoding="utf-8")
    junk = b"<!-- THEME DEBUG -->\n<!-- FILE NAME SUGGESTIONS: x -->\n" + text.encode("utf-8")
    (tmp_path / "junk.xml").write_bytes(junk)
    server.alias("/junk.xml", tmp_path / "junk.xml")
    report = crawl_source(_press(env, server, "/junk.xml"), env.settings, env.bus, env.store)
    assert report.ok and report.new == 20 and "before the XML declaration" in report.warnings[0]

    # Declared UTF-8, actually Windows-1252 (the € signs are not valid UTF-8): still read, and
    # the same items as before. U+202F has no cp1252 form; as whitespace it is not content.
    latin = text.replace("\u202f", " ").encode("cp1252")
    (tmp_path / "latin.xml").write_bytes(latin)
    server.alias("/latin.xml", tmp_path / "latin.xml")
    env2_source = env.source("ec_presscorner", server.url("/latin.xml"))
    wrong = crawl_source(env2_source, env.settings, env.bus, env.store)
    assert wrong.ok and wrong.items_seen == 20 and wrong.events == 0
    assert any("CharacterEncodingOverride" in w for w in wrong.warnings)

    # One entry without a link and one without a title: dead-lettered, the rest published.
    broken = text.replace("<link>https://ec.europa.eu/commission/presscorner/detail/en/mex_26_1693</link>", "", 1)
    broken = broken.replace("<title>Daily News 27 / 07 / 2026</title>", "<title> </title>", 1)
    broken = broken.replace("</channel>", "<item><title>Only a title</title></item></channel>")
    (tmp_path / "broken.xml").write_text(broken, encoding="utf-8")
    server.alias("/broken.xml", tmp_path / "broken.xml")
    partial = crawl_source(_press(env, server, "/broken.xml"), env.settings, env.bus, env.store)
    assert partial.ok and partial.dead == 2 and partial.items_seen == 21
    reasons = sorted(d["reason"] for d in env.dead())
    assert reasons == ["link: feed entry has no link", "title: feed entry has no title"]


def test_bozo_feed_keeps_good_entries(env, server, corpus, tmp_path):
    text = (corpus / JULY).read_text(encoding="utf-8")
    cut = text[: text.index("<item>", text.index("<item>") + 10) + 200]  # ends mid-item
    (tmp_path / "cut.xml").write_text(cut, encoding="utf-8")
    server.alias("/cut.xml", tmp_path / "cut.xml")
    report = crawl_source(_press(env, server, "/cut.xml"), env.settings, env.bus, env.store)
    assert report.ok and report.new >= 1
    assert any("not well-formed" in w for w in report.warnings)
    dead_by_key = {d["key"]: d for d in env.dead()}
    dead = dead_by_key["ec_presscorner#document"]  # (the half entry at the cut has no link)
    assert dead["stage"] == "crawl" and "not well-formed" in dead["reason"]
    assert f"kept the {report.new + report.dead - 1} entries" in dead["reason"]
    assert dead["original"].endswith(cut[-50:])
    assert env.store.validators(server.url("/cut.xml")) == (None, None)  # refetched whole next time


def test_html_error_page_dead_host_and_http_error_are_failures(env, server):
    server.reply("GET", "/error.xml", 200, "<!DOCTYPE html><html><head><title>Page not found | EC"
                 "</title></head><body>Sorry</body></html>", "text/html; charset=utf-8")
    html = crawl_source(_press(env, server, "/error.xml"), env.settings, env.bus, env.store)
    assert not html.ok and html.error == ("ec_presscorner: " + server.url("/error.xml")
                                          + " answered an HTML page instead of a feed (Page not found | EC)")

    calls = []
    server.route("GET", "/flaky.xml", lambda req: calls.append(1) or Reply(503, b"busy", {}))
    flaky = crawl_source(_press(env, server, "/flaky.xml", retries=2), env.settings, env.bus, env.store)
    assert not flaky.ok and "HTTP 503" in flaky.error and len(calls) == 3 and flaky.requests == 3

    dead = env.source("ec_presscorner", "http://127.0.0.1:9/rss", retries=0)
    refused = crawl_source(dead, env.settings, env.bus, env.store)
    assert not refused.ok
    assert refused.error.startswith("ec_presscorner: cannot reach http://127.0.0.1:9/rss: connection refused")
    state = env.store.source_state("ec_presscorner")
    assert state.consecutive_failures == 3 and state.last_error == refused.error
    assert [a["kind"] for a in env.operator()] == ["failing"]
    assert "failed 3 times in a row" in env.operator()[0]["message"]
