"""iCalendar (RFC 5545) deadlines, written with the icalendar library: the .ics attached to
digests, the search export and the live feed per subscription
(``/subscriptions/{id}/calendar.ics``).

A deadline with a time (EU calls close at 17:00 Brussels time) is a timed event in the
Europe/Brussels zone, with its VTIMEZONE in the file, so every calendar shows it at the right
local hour. A deadline known only as a day is an all-day event whose description says no time
was given. The UID stays the same for the same item and deadline day, so a re-import updates
the event instead of duplicating it. Words (summary, description, calendar name) are in the
reader's language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from euradar.alerts.matching import iter_items, match
from euradar.alerts.wording import BRUSSELS, deadline_moment, fmt_deadline, labels, source_label
from euradar.core.models import Item
from euradar.core.ports import Index, Query
from euradar.core.subscriptions import Subscription

PRODID = "-//euradar//EU funding radar for Lapland//EN"
UID_DOMAIN = "euradar.lapland"
FEED_PAST_DAYS = 30  # keep recently passed deadlines in the live feed so they do not vanish


@dataclass(frozen=True)
class DeadlineEvent:
    item: Item
    deadline: str  # ISO date or date-time from item.deadlines


def event_uid(item_id: str, deadline: str) -> str:
    digest = hashlib.sha1(f"{item_id}|{deadline[:10]}".encode()).hexdigest()[:24]
    return f"{digest}@{UID_DOMAIN}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _event(ev: DeadlineEvent, stamp: datetime, lang: str) -> Event:
    t = labels(lang)
    item = ev.item
    event = Event()
    event.add("uid", event_uid(item.id, ev.deadline))
    event.add("dtstamp", stamp)
    moment = deadline_moment(ev.deadline)
    if moment is not None:
        event.add("dtstart", moment.astimezone(BRUSSELS))
        when = fmt_deadline(ev.deadline, lang)
    else:
        day = date.fromisoformat(ev.deadline[:10])
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        when = f"{fmt_deadline(ev.deadline, lang)}: {t['no_time_given']}"
    event.add("summary", str(t["ics_summary"]).format(title=_one_line(item.title)))
    details = [f"{t['deadline']}: {when}", item.programme or "", ", ".join(item.call_ids),
               f"{t['source']}: {source_label(item.source, lang)}", _one_line(item.url)]
    event.add("description", "\n".join(d for d in details if d))
    if item.url.startswith(("http://", "https://")):
        event.add("url", _one_line(item.url))
    event.add("transp", "TRANSPARENT")
    return event


def ics_calendar(events: Iterable[DeadlineEvent], name: str = "euradar deadlines",
                 now: datetime | None = None, lang: str = "en") -> str:
    """A complete VCALENDAR (CRLF line ends, folded lines, VTIMEZONE for timed deadlines)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _one_line(name))
    seen: set[str] = set()
    for event in sorted(events, key=lambda e: (e.deadline, e.item.id)):
        uid = event_uid(event.item.id, event.deadline)
        if uid in seen:
            continue
        seen.add(uid)
        cal.add_component(_event(event, stamp, lang))
    cal.add_missing_timezones()
    return str(cal.to_ical().decode("utf-8"))


def deadline_events(items: Sequence[Item], since: date) -> list[DeadlineEvent]:
    """Every deadline on or after ``since`` of the given items."""
    since_iso = since.isoformat()
    return [DeadlineEvent(item, d) for item in items for d in item.deadlines
            if d[:10] >= since_iso]


def subscription_ics(sub: Subscription, index: Index, today: date | None = None,
                     now: datetime | None = None) -> str:
    """The live iCal feed of one subscription: the deadlines of every indexed item it matches
    (from ``FEED_PAST_DAYS`` ago on), in the subscription's language. Pure read of the index;
    the web layer serves it as ``text/calendar; charset=utf-8``."""

    today = today or datetime.now(UTC).date()
    since = today - timedelta(days=FEED_PAST_DAYS)
    query = Query(deadline_from=since.isoformat(), sort="deadline")
    items = [item for item in iter_items(index, query) if match(sub, item, today)]
    name = str(labels(sub.lang)["ics_calendar_for"]).format(name=sub.name)
    return ics_calendar(deadline_events(items, since), name=name, now=now, lang=sub.lang)
