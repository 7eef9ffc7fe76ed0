"""Input that cannot be read never replaces what was read before: bad bytes in one entry of
the real EC Press Corner capture, a truncated copy of it, and a response past the size cap.
(The damaged variants are made from the capture inside each test; the edits are written out.)"""

from __future__ import annotations

from euradar.crawlers.run import crawl_source
from tests.crawlers.test_crawl_feeds import JULY, _press


def test_three_bad_bytes_change_no_entry_and_are_reported(env, server, corpus, tmp_path):
    good = (corpus / JULY).read_bytes()
    server.alias("/feed.xml", corpus / JULY, validators=False)
    source = _press(env, server)
    first = crawl_source(source, env.settings, env.bus, env.store)
    assert first.ok and first.new == 20

    # Three bytes that are not UTF-8 inside one title; the 11 "€" elsewhere stay valid UTF-8.
    title = b"<title>Daily News 27 / 07 / 2026</title>"
    assert good.count(title) == 1
    damaged = good.replace(title, b"<title>Daily News 27 / 07 \xff\xfe\x80 2026</title>")
    (tmp_path / "damaged.xml").write_bytes(damaged)
    server.alias("/feed.xml", tmp_path / "damaged.xml", validators=False)
    second = crawl_source(source, env.settings, env.bus, env.store)

    assert second.ok and second.items_seen == 20
    assert (second.new, second.changed) == (0, 0)  # no mojibake "changes", no false alerts
    assert any("3 byte sequence(s) not valid utf-8" in w for w in second.warnings)
    assert any("kept their earlier version" in w for w in second.warnings)
    assert len(env.events()) == 20
    assert all("â‚¬" not in e.item.text for e in env.events())


def test_entry_cut_off_by_truncation_is_not_published(env, server, corpus, tmp_path):
    text = (corpus / JULY).read_text(encoding="utf-8")
    third = text.index("<item>", text.index("<item>", text.index("<item>") + 1) + 1)
    cut = text[: text.index("<description>", third) + 300]  # stops inside entry 3's text
    (tmp_path / "cut.xml").write_text(cut, encoding="utf-8")
    server.alias("/cut.xml", tmp_path / "cut.xml")
    report = crawl_source(_press(env, server, "/cut.xml"), env.settings, env.bus, env.store)

    assert report.ok and report.new == 2  # entries 1 and 2; the cut-off third is held back
    assert any("truncated" in w and "not published" in w for w in report.warnings)
    full = {e.item.title for e in env.events()}
    assert len(full) == 2
    # the next, complete crawl publishes the third entry whole, as new (not as a change)
    server.alias("/cut.xml", corpus / JULY)
    again = crawl_source(_press(env, server, "/cut.xml"), env.settings, env.bus, env.store)
    assert again.ok and (again.new, again.changed) == (18, 0)


def test_response_past_the_size_cap_is_a_clear_error(env, server, corpus):
    server.alias("/feed.xml", corpus / JULY)
    size = (corpus / JULY).stat().st_size
    capped = _press(env, server, max_bytes=size // 2)
    report = crawl_source(capped, env.settings, env.bus, env.store)
    assert not report.ok
    assert "more than the cap" in report.error or "announces" in report.error
    assert f"{size // 2:,}" in report.error and "options.max_bytes" in report.error
    assert env.events() == []
    ok = crawl_source(_press(env, server, max_bytes=size), env.settings, env.bus, env.store)
    assert ok.ok and ok.new == 20
