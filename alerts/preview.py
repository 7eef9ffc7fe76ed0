"""What a subscription would have brought lately: the editor's live preview, the API and the
CLI. Read-only, and bounded in cost: at most ``MAX_PREVIEW_DAYS`` days back and at most
``MAX_SCANNED`` items read from the index (newest first), so an anonymous-looking request can
never make the server walk a year of items.

Each match carries its status and whether it would really have been alerted: a call that was
already closed when first seen is listed (it matched) but marked, because it is never mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from euradar.alerts.matching import iter_items, match
from euradar.alerts.reasons import Reasons, explain
from euradar.alerts.status import closed_when_first_seen, is_closed
from euradar.core.models import Item
from euradar.core.ports import Index, Query
from euradar.core.subscriptions import Subscription

MAX_PREVIEW_DAYS = 90
MAX_SCANNED = 2000


@dataclass
class PreviewMatch:
    item: Item
    reasons: Reasons
    closed: bool  # closed now
    alerted: bool  # would have been mailed (not closed when first seen)


@dataclass
class Preview:
    days: int
    scanned: int
    truncated: bool  # MAX_SCANNED reached: older items of the period were not looked at
    matches: list[PreviewMatch] = field(default_factory=list)

    @property
    def alerted(self) -> list[PreviewMatch]:
        return [m for m in self.matches if m.alerted]


def preview_subscription(sub: Subscription, index: Index, days: int = 30,
                         today: date | None = None, max_scanned: int = MAX_SCANNED) -> Preview:
    """Matches among items first seen in the last ``days`` days (capped), newest first."""
    today = today or datetime.now(UTC).date()
    days = min(max(int(days), 1), MAX_PREVIEW_DAYS)
    query = Query(first_seen_from=(today - timedelta(days=days)).isoformat(),
                  first_seen_to=today.isoformat(), sort="first_seen")
    result = Preview(days=days, scanned=0, truncated=False)
    for item in islice(iter_items(index, query), max_scanned + 1):
        if result.scanned == max_scanned:
            result.truncated = True
            break
        result.scanned += 1
        if match(sub, item, today):
            alerted = not closed_when_first_seen(item, today)
            result.matches.append(PreviewMatch(item, explain(sub, item),
                                               closed=is_closed(item, today), alerted=alerted))
    return result
