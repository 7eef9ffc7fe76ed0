"""Deadline reminders: N days before each deadline of a matched item (``Subscription.reminders``,
14 and 3 by default; ``[]`` turns them off).

Run daily (``euradar reminders``). A reminder is due once the days left are at or below an
offset, so a day the job did not run is caught up the next day; the ledger key
(subscription, item, deadline, offset) makes each reminder go out once, whatever the item's
version. All reminders for one recipient travel in one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from euradar.alerts.batching import EMAIL, WEBHOOK, AlertBatcher, Clock
from euradar.alerts.links import Links
from euradar.alerts.matching import iter_items, match
from euradar.alerts.reasons import explain
from euradar.alerts.selection import Alert
from euradar.alerts.status import is_closed
from euradar.core.ports import Index, Notifier, Query, Store
from euradar.core.subscriptions import Subscription


def reminder_offset(days_left: int, offsets: Sequence[int]) -> int | None:
    """The smallest configured offset not yet passed: 13 days left with [14, 3] -> 14."""
    reached = [o for o in offsets if days_left <= o]
    return min(reached) if reached else None


def due_reminders(subs: Sequence[Subscription], index: Index, today: date) -> list[Alert]:
    """Pure read: every (subscription, item, deadline) whose reminder is due ``today``."""
    wanted = [s for s in subs if s.active and s.reminders and not s.is_operator]
    if not wanted:
        return []
    horizon = max(max(s.reminders) for s in wanted)
    query = Query(deadline_from=today.isoformat(),
                  deadline_to=(today + timedelta(days=horizon)).isoformat(), sort="deadline")
    alerts = []
    for item in iter_items(index, query):
        if is_closed(item, today):
            continue
        for deadline in item.deadlines:
            left = (date.fromisoformat(deadline[:10]) - today).days
            if not 0 <= left <= horizon:
                continue
            for sub in wanted:
                offset = reminder_offset(left, sub.reminders)
                if offset is not None and match(sub, item, today):
                    alerts.append(Alert(sub, item, "reminder", explain(sub, item),
                                        deadline=deadline, days_left=left, offset=offset))
    return alerts


def send_reminders(store: Store, index: Index, notifier: Notifier,
                   webhook: Notifier | None = None, today: date | None = None,
                   clock: Clock | None = None, deliver: bool = True,
                   links: Links | None = None) -> int:
    """Send the reminders due now; returns the number of messages sent. With ``deliver``
    False they are only parked in the store for the alerter role to send (two processes
    flushing the same pending rows could send them twice)."""
    if clock is None:
        # A replayed ``today`` must also be the day the countdown in the message counts from.
        fixed = datetime.combine(today, time(8), tzinfo=UTC) if today else None
        clock = (lambda: fixed) if fixed else (lambda: datetime.now(UTC))
    today = today or clock().date()
    batcher = AlertBatcher(store, {EMAIL: notifier, WEBHOOK: webhook}, window_seconds=0,
                           clock=clock, links=links)
    batcher.enqueue(due_reminders(store.list_subscriptions(active_only=True), index, today))
    if not deliver:  # an alerter role in another process delivers what was parked
        return 0
    return batcher.flush_due(force=True)
