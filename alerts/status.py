"""Is an opportunity still worth telling someone about? Pure functions over items and changes.

A call first seen after its deadline is news to nobody: it is indexed (search finds it, its
history is kept) but never alerted and never listed as "new" in a digest. A closed item is
mailed only when its closing is itself the news: the deadline was brought forward, or the
call was closed before its deadline passed. A call closing at its deadline is not news: the
reminders already said it was coming.

"Closed" is the item's status, or, when the source still says open, every deadline lying in the
past (stale portal rows with 2023 deadlines and status Open are common in the real captures).
News items have no status and no deadline and are never closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from euradar.core.models import Change, Item

OPEN_STATUSES = ("forthcoming", "open")


def _day(value: str | None) -> str:
    return (value or "")[:10]


def is_closed(item: Item, today: date) -> bool:
    """Closed now: the status says so, or every deadline is before ``today``."""
    if item.status == "closed":
        return True
    return bool(item.deadlines) and max(_day(d) for d in item.deadlines) < today.isoformat()


def closed_when_first_seen(item: Item, today: date) -> bool:
    """Closed already on the day euradar first saw it (``today`` when first_seen is unknown)."""
    seen = _day(item.first_seen) or today.isoformat()
    if item.status == "closed":
        return True
    return bool(item.deadlines) and max(_day(d) for d in item.deadlines) < seen


def _earliest(value: object) -> str:
    if isinstance(value, str):
        return _day(value)
    if isinstance(value, list) and value:
        return min(_day(str(v)) for v in value)
    return ""


def closing_is_news(item: Item, changes: Sequence[Change], today: date) -> bool:
    """For a closed item: was its closing unexpected? A deadline brought forward, or a status
    change to closed while the previous deadline still lay ahead."""
    for change in changes:
        if change.field in ("deadline", "deadlines"):
            old, new = _earliest(change.old), _earliest(change.new)
            if old and new and new < old:
                return True
        if change.field == "status" and change.new == "closed":
            upcoming = [d for d in item.deadlines if _day(d) > today.isoformat()]
            if upcoming:
                return True
    return False


def worth_alerting(item: Item, kind: str, changes: Sequence[Change], today: date) -> bool:
    """Whether an event about ``item`` may reach anyone: ``kind`` new | changed | reminder."""
    if kind == "new":
        return not closed_when_first_seen(item, today) and not is_closed(item, today)
    if kind == "changed" and is_closed(item, today):
        return closing_is_news(item, changes, today)
    if kind == "reminder":
        return not is_closed(item, today)
    return True
