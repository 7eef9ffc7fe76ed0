"""Weekly digest: complete, grouped, localized, logged once per week, with an .ics; and a
PNG rendered by real headless Chromium kept as a test artifact (artifacts/digest.png)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from euradar.alerts.calendar import subscription_ics
from euradar.alerts.digest import build_digest, preview_digest, render_digest, send_digests
from euradar.core.changes import diff_items
from tests.alerts.conftest import TODAY, html_of, make_item, make_sub

REPO = Path(__file__).resolve().parents[2]
HOSTILE = '<script>alert(1)</script> Arctic hydrogen <img src=x onerror=alert(2)>'


def _seed(store, index, n_new: int = 60):
    """n_new items first seen last week, one changed item, one closing-soon item."""
    items = []
    for n in range(1, n_new + 1):
        theme = ["T8", "T1", "T5"][n % 3]
        items.append(make_item(n, title=f"Hydrogen call {n:02d} for Lapland municipalities",
                               first_seen=f"2026-03-0{2 + n % 7}T09:00:00+00:00",
                               deadlines=[f"2026-0{4 + n % 3}-{10 + n % 18:02d}"],
                               themes=[{"id": theme, "score": 0.8}, {"id": "T3", "score": 0.5}]))
    old = make_item(900, title="Wind power for remote villages", deadlines=["2026-03-12"],
                    status="forthcoming", first_seen="2026-01-10T09:00:00+00:00")
    changed = dataclasses.replace(old, version=2, deadlines=["2026-03-26"], status="open",
                                  fetched_at="2026-03-06T07:00:00+00:00")
    store.record_item(old, [])
    store.record_item(changed, diff_items(old, changed))
    closing = make_item(901, title=HOSTILE, deadlines=["2026-03-12T17:00:00+01:00"],
                        first_seen="2026-02-01T09:00:00+00:00", budget=None,
                        eligibility=["local_authorities", "smes"])
    index.upsert(items + [changed, closing])
    return items, changed, closing


def test_digest_lists_every_matched_item_grouped(store, index):
    sub = make_sub(frequency="weekly")
    store.save_subscription(sub)
    items, changed, closing = _seed(store, index)
    digest = build_digest(sub.email, [sub], index, store, "weekly", TODAY)

    assert digest.period == "2026-W11"
    assert digest.count("new") == 60 and digest.count("changed") == 1
    assert digest.count("closing") == 1
    note = render_digest(digest)
    html, text = note.html, note.text
    for it in items:
        assert it.title in html and it.title in text and it.url in html
    assert "deadline 12.03.2026 \u2192 26.03.2026" in html
    assert "deadline 12.03.2026 \u2192 26.03.2026" in text
    assert html.index("Closing soon") < html.index("New (60)") < html.index("Changed (1)")
    assert "Energy and green transition" in html  # theme group heading (from the taxonomy)
    assert "3 days left" in html  # countdown to 12.03 from 09.03
    assert "Rovaniemi energy" in html and "T3 Energy and green transition" in html  # why
    assert "05.03.2026" in html  # first seen
    assert "2\u00a0000\u00a0000\u00a0EUR" in html


def test_digest_escapes_crawled_markup(store, index):
    sub = make_sub(frequency="weekly")
    store.save_subscription(sub)
    _seed(store, index, n_new=2)
    note = render_digest(build_digest(sub.email, [sub], index, store, "weekly", TODAY))
    assert "<script>" not in note.html and "<img src=x" not in note.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note.html
    assert "&lt;img src=x onerror=alert(2)&gt;" in note.html


def test_digest_in_finnish_and_swedish(store, index):
    _seed(store, index, n_new=3)
    for lang, word in (("fi", "Sulkeutumassa pian"), ("sv", "Stänger snart")):
        sub = make_sub(id=f"s-{lang}", lang=lang, frequency="weekly")
        note = render_digest(build_digest(sub.email, [sub], index, store, "weekly", TODAY))
        assert word in note.html and word in note.text


def test_weekly_send_once_per_person_and_week(store, index, mailer, smtp_server):
    store.save_subscription(make_sub(frequency="weekly"))
    store.save_subscription(make_sub(id="second", name="Rovaniemi tourism", themes=["T5"],
                                     keywords="", frequency="weekly"))
    store.save_subscription(make_sub(id="kemi", email="eu@kemi.fi", frequency="weekly"))
    store.save_subscription(make_sub(id="instant", email="now@kemi.fi"))
    _seed(store, index, n_new=6)

    sent = send_digests(store, index, mailer, "weekly", TODAY)
    assert sorted(e for e, _ in sent) == ["eu@kemi.fi", "kehitys@rovaniemi.fi"]
    assert len(smtp_server.messages) == 2
    mail = next(m for m in smtp_server.messages if m["To"] == "kehitys@rovaniemi.fi")
    assert "Rovaniemi tourism" in html_of(mail) and "Rovaniemi energy" in html_of(mail)
    ics = [p for p in mail.iter_attachments() if p.get_filename() == "deadlines.ics"]
    assert ics and "BEGIN:VEVENT\r\n" in ics[0].get_content()

    assert send_digests(store, index, mailer, "weekly", TODAY) == []  # re-run: nothing
    assert send_digests(store, index, mailer, "weekly", TODAY.replace(day=11)) == []
    assert len(smtp_server.messages) == 2
    assert {r["period"] for r in store.digest_log()} == {"2026-W11"}


def test_preview_digest_for_one_person(store, index):
    store.save_subscription(make_sub())  # immediate: preview still shows their digest
    _seed(store, index, n_new=4)
    note = preview_digest("Kehitys@Rovaniemi.fi", store, index, today=TODAY)
    assert "Hydrogen call 04" in note.html and store.digest_log() == []


def test_subscription_calendar_feed(store, index):
    sub = make_sub()
    _seed(store, index, n_new=3)
    ics = subscription_ics(sub, index, today=TODAY)
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 5
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    # 17:00+01:00 is a timed event in Brussels time, with the zone's definition in the file
    assert "DTSTART;TZID=Europe/Brussels:20260312T170000" in ics
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels" in ics
    assert "DTSTART;VALUE=DATE:" in ics  # date-only deadlines stay all-day events
    assert subscription_ics(sub, index, today=TODAY) .count("UID:") == 5


@pytest.mark.browser
def test_digest_png_rendered_by_headless_chromium(store, index, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it")
    sub = make_sub(name="Rovaniemi energy and hydrogen", frequency="weekly",
                   themes=["T1", "T3", "T5"])
    store.save_subscription(sub)
    _seed(store, index, n_new=8)
    html = render_digest(build_digest(sub.email, [sub], index, store, "weekly", TODAY)).html
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    out = REPO / "artifacts" / "digest.png"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox",
                    "--disable-background-networking", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={out}",
                    "--window-size=900,2400", page.as_uri()],
                   check=True, timeout=120, capture_output=True)
    assert out.exists() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000
