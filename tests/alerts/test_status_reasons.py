"""Status-aware selection, reasons as data, deadline wording, the plain-text layout, the .ics
written with icalendar, and the digest preview of the week about to be sent."""

from __future__ import annotations

import dataclasses
from datetime import date

from icalendar import Calendar

from euradar.alerts.calendar import DeadlineEvent, ics_calendar
from euradar.alerts.digest import build_digest, next_send_day, preview_digest, send_digests
from euradar.alerts.query_match import analyse, matched_terms
from euradar.alerts.reasons import explain
from euradar.alerts.render import render_alerts
from euradar.alerts.selection import Alert, collect_alerts
from euradar.alerts.status import closed_when_first_seen, closing_is_news, worth_alerting
from euradar.alerts.wording import fmt_deadline
from euradar.core.changes import diff_items
from euradar.core.models import Event
from euradar.core.query_syntax import parse_query
from tests.alerts.conftest import TODAY, make_item, make_sub


def test_closed_when_first_seen_by_status_or_by_past_deadlines():
    stale = make_item(1, status="open", deadlines=["2023-04-12"], first_seen="2026-03-05T10:00:00+00:00")
    closed = make_item(2, status="closed", deadlines=["2026-12-01"])
    fresh = make_item(3)
    news = make_item(4, kind="news", status=None, deadlines=[])
    assert closed_when_first_seen(stale, TODAY) and closed_when_first_seen(closed, TODAY)
    assert not closed_when_first_seen(fresh, TODAY) and not closed_when_first_seen(news, TODAY)
    assert [worth_alerting(i, "new", [], TODAY) for i in (stale, closed, fresh, news)] == [
        False, False, True, True]


def test_closed_items_are_alerted_only_when_closing_is_the_news():
    sub = make_sub()
    old = make_item(1, deadlines=["2026-04-15"])
    # closing at the deadline: not news (the reminders said so)
    at_deadline = dataclasses.replace(old, version=2, status="closed")
    # brought forward to a day already past: news
    earlier = dataclasses.replace(old, version=2, deadlines=["2026-03-06"], status="closed")
    # closed early while its deadline still lay ahead: news
    early = dataclasses.replace(old, version=2, status="closed")
    events = [Event("changed", at_deadline, diff_items(old, at_deadline)),
              Event("changed", earlier, diff_items(old, earlier))]
    day_after = date(2026, 4, 16)
    assert collect_alerts(events[:1], [sub], day_after) == []
    [alert] = collect_alerts(events[1:], [sub], TODAY)
    assert alert.item.deadlines == ["2026-03-06"]
    assert closing_is_news(early, diff_items(old, early), TODAY)
    assert [c.field for c in collect_alerts([Event("changed", early, diff_items(old, early))],
                                            [sub], TODAY)[0].changes] == ["status"]
    # a stale row first seen closed: nothing
    stale = make_item(5, deadlines=["2023-01-01"])
    assert collect_alerts([Event("new", stale)], [sub], TODAY) == []


def test_reasons_name_the_terms_that_hit_and_the_evidence_words():
    item = make_item(1, title="Hydrogen valleys", text="Testing of hydrogen buses in Lapland",
                     themes=[{"id": "T3", "score": 0.9, "evidence": [
                         {"text": "hydrogen", "term": "hydrogen"},
                         {"text": "Hydrogen", "term": "hydrogen"},
                         {"text": "buses", "term": "transport"}]}],
                     geography=["Lapland"], eligibility=["local_authorities"])
    expr = parse_query('testaus OR "test bed" OR hydrogen OR accelerator NOT mining')
    assert matched_terms(expr, analyse(item)) == ["hydrogen"]
    sub = make_sub(keywords='"test bed" OR hydrogen OR accelerator', eligibility=["local authority"],
                   geography=["lapland"])
    why = explain(sub, item)
    assert why.keywords == ["hydrogen"] and why.themes[0].id == "T3"
    assert why.themes[0].evidence == ["hydrogen", "buses"]  # once each, as written
    assert why.eligibility == ["local_authorities"] and why.geography == ["Lapland"]
    note = render_alerts(sub.email, [Alert(make_sub(lang="fi", keywords=sub.keywords,
                                                    geography=["Lapland"]), item, "new", why)],
                         TODAY)
    assert "Hakusanasi, jotka löytyivät: hydrogen" in note.text
    assert "accelerator" not in note.text  # the whole expression is not repeated
    assert "T3 Energia ja vihreä siirtymä (löytyneet sanat: hydrogen, buses)" in note.text
    assert "Alue: Lappi" in note.text


def test_deadline_says_time_and_zone_in_each_language():
    deadline = "2026-04-15T17:00:00+02:00"
    assert fmt_deadline(deadline, "en") == "15.04.2026 17:00 Brussels time"
    assert fmt_deadline(deadline, "fi") == ("15.04.2026 klo 17.00 Brysselin aikaa "
                                            "(klo 18.00 Suomen aikaa)")
    assert fmt_deadline(deadline, "sv") == "15.04.2026 kl. 17.00 Brysseltid"
    assert fmt_deadline("2026-01-15T16:00:00+00:00", "en") == "15.01.2026 17:00 Brussels time"
    assert fmt_deadline("2026-04-15", "fi") == "15.04.2026"


def test_plain_text_alert_keeps_each_field_on_its_own_line():
    item = make_item(1, deadlines=["2026-04-15T17:00:00+02:00"])
    sub = make_sub()
    text = render_alerts(sub.email, [Alert(sub, item, "new", explain(sub, item))], TODAY).text
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if "Hydrogen valleys" in line)
    block = lines[title:title + 12]
    assert block[0] == "[New · 37 days left] Hydrogen valleys in the Arctic, topic 1"
    assert "  Type: Call · open" in block and "  Programme: Horizon Europe" in block
    assert "  Deadline: 15.04.2026 17:00 Brussels time" in block
    assert "  Why you get this (Rovaniemi energy):" in block
    assert "  Next step: Apply by 15.04.2026 17:00 Brussels time (37 days left)" in block
    assert all(line.count(":") <= 3 for line in block)  # no two fields run together


def test_ics_is_timed_in_brussels_with_its_vtimezone_or_all_day_with_a_note():
    timed = make_item(1, deadlines=["2026-04-15T17:00:00+02:00"], title="Hydrogen; call, one")
    day_only = make_item(2, deadlines=["2026-05-20"])
    text = ics_calendar([DeadlineEvent(timed, timed.deadlines[0]),
                         DeadlineEvent(day_only, day_only.deadlines[0])], lang="fi")
    cal = Calendar.from_ical(text)
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Brussels"
    first, second = cal.walk("VEVENT")
    start = first.decoded("DTSTART")
    assert (start.hour, str(start.tzinfo)) == (17, "Europe/Brussels")
    assert str(first["SUMMARY"]) == "Määräaika: Hydrogen; call, one"
    assert "klo 17.00 Brysselin aikaa" in str(first["DESCRIPTION"])
    assert second.decoded("DTSTART") == date(2026, 5, 20)
    assert second.decoded("DTEND") == date(2026, 5, 21)
    assert "sulkeutumisaikaa ei ilmoitettu" in str(second["DESCRIPTION"])
    assert "DTSTART;TZID=Europe/Brussels:20260415T170000" in text


def test_digest_preview_shows_the_week_about_to_be_sent(store, index):
    sub = make_sub(frequency="weekly")
    store.save_subscription(sub)
    wednesday = date(2026, 3, 11)
    index.upsert([make_item(1, title="Seen this Wednesday", first_seen="2026-03-11T09:00:00+00:00"),
                  make_item(2, title="Seen last week", first_seen="2026-03-04T09:00:00+00:00")])
    assert next_send_day("weekly", wednesday, set()) == date(2026, 3, 16)
    assert next_send_day("weekly", TODAY, set()) == TODAY  # Monday, not yet sent
    assert next_send_day("weekly", TODAY, {"2026-W11"}) == date(2026, 3, 16)
    assert next_send_day("daily", wednesday, {"2026-03-11"}) == date(2026, 3, 12)
    note = preview_digest(sub.email, store, index, "weekly", wednesday)
    assert "Seen this Wednesday" in note.html and "Seen last week" not in note.html
    assert "Preview of the digest to be sent on 16.03.2026" in note.text
    # on Monday the preview is what goes out that day; once sent, next week's
    assert "Seen last week" in preview_digest(sub.email, store, index, "weekly", TODAY).html
    send_digests(store, index, _Null(), "weekly", TODAY)
    assert "Seen last week" not in preview_digest(sub.email, store, index, "weekly", TODAY).html
    assert build_digest(sub.email, [sub], index, store, "weekly", TODAY).count("new") == 1


class _Null:
    def send(self, notification):
        pass
