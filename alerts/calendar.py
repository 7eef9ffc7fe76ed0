"""iCalendar (RFC 5545) deadlines: the .ics attached to digests and the live feed per
subscription that the web UI serves at ``/subscriptions/{id}/calendar.ics``.

RFC 5545 details that calendar clients are strict about: CRLF line ends, content lines folded
at 75 octets (never inside a UTF-8 character), TEXT values escaping ``\\ ; ,`` and newlines,
a UID that stays the same for the same item and deadline (so a re-import updates instead of
duplicating), and a DTSTAMP on every event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from euradar.alerts.matching import iter_items, match
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


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash first, then ; , and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold one content line at 75 octets; continuation lines start with a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # the leading space of a continuation line counts
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def event_uid(item_id: str, deadline: str) -> str:
    digest = hashlib.sha1(f"{item_id}|{deadline[:10]}".encode()).hexdigest()[:24]
    return f"{digest}@{UID_DOMAIN}"


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _date_lines(deadline: str) -> list[str]:
    """A date-only deadline is an all-day event; a timed one is a UTC instant."""
    if len(deadline) > 10 and "T" in deadline:
        try:
            moment = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return [f"DTSTART:{_utc_stamp(moment)}", f"DTEND:{_utc_stamp(moment)}"]
        except ValueError:
            pass
    day = date.fromisoformat(deadline[:10])
    return [f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(day + timedelta(days=1)).strftime('%Y%m%d')}"]


def _event_lines(event: DeadlineEvent, stamp: str) -> list[str]:
    item = event.item
    summary = f"Deadline: {item.title}"
    details = [item.programme or "", ", ".join(item.call_ids), item.url]
    return [
        "BEGIN:VEVENT",
        f"UID:{event_uid(item.id, event.deadline)}",
        f"DTSTAMP:{stamp}",
        *_date_lines(event.deadline),
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(chr(10).join(d for d in details if d))}",
        f"URL:{item.url.replace(chr(10), '').replace(chr(13), '')}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def ics_calendar(events: Iterable[DeadlineEvent], name: str = "euradar deadlines",
                 now: datetime | None = None) -> str:
    """A complete VCALENDAR text with CRLF line ends and folded lines."""
    stamp = _utc_stamp(now or datetime.now(UTC))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    seen: set[str] = set()
    for event in sorted(events, key=lambda e: (e.deadline, e.item.id)):
        uid = event_uid(event.item.id, event.deadline)
        if uid in seen:
            continue
        seen.add(uid)
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def deadline_events(items: Sequence[Item], since: date) -> list[DeadlineEvent]:
    """Every deadline on or after ``since`` of the given items."""
    since_iso = since.isoformat()
    return [DeadlineEvent(item, d) for item in items for d in item.deadlines
            if d[:10] >= since_iso]


def subscription_ics(sub: Subscription, index: Index, today: date | None = None,
                     now: datetime | None = None) -> str:
    """The live iCal feed of one subscription: the deadlines of every indexed item it matches
    (from ``FEED_PAST_DAYS`` ago on). Pure read of the index; the web layer serves it as
    ``text/calendar; charset=utf-8``."""

    today = today or datetime.now(UTC).date()
    since = today - timedelta(days=FEED_PAST_DAYS)
    query = Query(deadline_from=since.isoformat(), sort="deadline")
    items = [item for item in iter_items(index, query) if match(sub, item, today)]
    return ics_calendar(deadline_events(items, since), name=f"euradar: {sub.name}", now=now)
