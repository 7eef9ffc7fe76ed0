"""iCalendar (RFC 5545) of the deadlines in a search, for analysts' calendars.

Every deadline of every item is one VEVENT: a whole-day event for a date, a point in time
(UTC) for a date-time. Lines end in CRLF, are folded at 75 octets without splitting a UTF-8
character, and text values escape backslash, semicolon, comma and newlines.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from euradar.models import Item

PRODID = "-//euradar//EU funding radar for Lapland//EN"


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, continuation lines starting with a
    space (RFC 5545 3.1). Folding counts UTF-8 bytes but never splits a character."""
    out: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(char)
        size += n
    out.append("".join(current))
    return "\r\n".join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _deadline_props(deadline: str) -> list[str] | None:
    """DTSTART/DTEND lines for a deadline, or None when it is not an ISO date."""
    try:
        if len(deadline) <= 10:
            day = date.fromisoformat(deadline)
            nxt = day + timedelta(days=1)
            return [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{nxt:%Y%m%d}"]
        moment = datetime.fromisoformat(deadline)
    except ValueError:
        return None
    if moment.tzinfo is None:  # a cut-off without a zone: F&T means Brussels time; say UTC+1
        moment = moment.replace(tzinfo=timezone(timedelta(hours=1)))
    return [f"DTSTART:{_stamp(moment)}", f"DTEND:{_stamp(moment)}"]


def deadline_events(item: Item, stamp: str) -> list[list[str]]:
    events = []
    for deadline in item.deadlines:
        props = _deadline_props(deadline)
        if props is None:
            continue
        url = "".join(item.url.split())  # a line break in a crawled URL must not start a property
        what = " / ".join(p for p in (item.programme, item.status) if p)
        description = f"{item.title}\n{what}\n{item.url}".replace("\n\n", "\n")
        events.append([
            "BEGIN:VEVENT",
            f"UID:{escape_text(item.id)}-{deadline[:10]}@euradar",
            f"DTSTAMP:{stamp}",
            *props,
            f"SUMMARY:{escape_text('Deadline: ' + item.title)}",
            f"DESCRIPTION:{escape_text(description)}",
            f"URL:{url}" if url.startswith(("http://", "https://")) else "",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ])
    return events


def to_ics(items: Iterable[Item], name: str = "euradar deadlines",
           now: datetime | None = None) -> str:
    stamp = _stamp(now or datetime.now(timezone.utc))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for item in items:
        for event in deadline_events(item, stamp):
            lines.extend(line for line in event if line)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
