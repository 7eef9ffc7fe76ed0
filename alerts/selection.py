"""Which subscriptions want which item events, and why: the alerts before they are batched.

Pure functions over events and subscriptions; the alerter role (:mod:`euradar.consumers.alerter`)
feeds them from the bus, the reminders job (:mod:`euradar.alerts.reminders`) from the index.

A changed item is alerted only when something meaningful changed (deadline, status, budget,
documents, ...): a reworded description alone would be the vague "updated" notice users hate.
An item that was already closed when first seen is never alerted, and a closed item only when
its closing is itself the news (:mod:`euradar.alerts.status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from euradar.alerts.matching import match
from euradar.alerts.reasons import Reasons, explain
from euradar.alerts.status import closing_is_news, is_closed, worth_alerting
from euradar.core.models import Change, Event, Item
from euradar.core.subscriptions import Subscription

QUIET_CHANGE_FIELDS = frozenset({"text"})


@dataclass
class Alert:
    """One matched item for one subscription, with why it matched and what changed.

    ``kind`` is new | changed | reminder; a reminder names its ``deadline``, the reminder
    ``offset`` (days) it fulfils and the ``days_left`` at sending time."""

    sub: Subscription
    item: Item
    kind: str
    reasons: Reasons
    changes: list[Change] = field(default_factory=list)
    deadline: str | None = None
    days_left: int | None = None
    offset: int | None = None

    @property
    def key(self) -> tuple[str, str, int, str]:
        if self.kind == "reminder":
            # Once per deadline and offset, whatever version of the item is current.
            return (self.sub.id, self.item.id, 0, f"reminder:{(self.deadline or '')[:10]}:"
                    f"{self.offset}")
        return (self.sub.id, self.item.id, self.item.version, self.kind)


def meaningful(changes: Sequence[Change], closing_news: bool = False) -> list[Change]:
    """Changes worth a mail. A reworded description is not, and neither is a call closing at
    its deadline: the reminders already said it was coming, the index and history record it.
    With ``closing_news`` (the call closed early) the closing is kept: it is the news."""
    return [c for c in changes if c.field not in QUIET_CHANGE_FIELDS
            and (closing_news or not (c.field == "status" and c.new == "closed"))]


def event_changes(event: Event, today: date) -> list[Change] | None:
    """The changes an alert about ``event`` shows, or None when nobody is to be told."""
    if event.type == "new":
        return [] if worth_alerting(event.item, "new", [], today) else None
    closed = is_closed(event.item, today)
    news = closed and closing_is_news(event.item, event.changes, today)
    if closed and not news:
        return None
    return meaningful(event.changes, closing_news=news) or None


def collect_alerts(events: Sequence[Event], subs: Sequence[Subscription],
                   today: date | None = None) -> list[Alert]:
    """Pure: which immediate subscriptions want which events, and why."""
    today = today or datetime.now(UTC).date()
    alerts = []
    wanted = [s for s in subs if s.frequency == "immediate" and s.active and not s.is_operator]
    for event in events:
        changes = event_changes(event, today)
        if changes is None:
            continue
        for sub in wanted:
            if match(sub, event.item, today):
                alerts.append(Alert(sub, event.item, event.type, explain(sub, event.item),
                                    changes))
    return alerts
