"""Alerter role (group ``alerter``): items.tagged -> matching subscriptions -> notifications.

One alert per (subscription, item, version, kind), recorded in the store's ledger: a claim
before sending, ``sent`` after. A redelivered batch finds the ledger entries sent and skips them,
so a consumer killed after sending but before committing causes no duplicate; one killed before
sending left an unsent claim that is claimable again, so nothing is lost. All matches of one
batch for one recipient go out as one message (ten new calls make one mail, not ten).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Sequence

from euradar.errors import NotifyError, TransientError
from euradar.matching import match
from euradar.models import Change, Event, Item
from euradar.ports import Message, Notifier, Store
from euradar.subscriptions import Subscription

log = logging.getLogger(__name__)
GROUP = "alerter"


@dataclass
class Alert:
    """One matched item for one subscription, with why it matched and what changed."""

    sub: Subscription
    item: Item
    kind: str  # new | changed
    reasons: list[str]
    changes: list[Change] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.sub.id, self.item.id, self.item.version, self.kind)


def collect_alerts(events: Sequence[Event], subs: Sequence[Subscription]) -> list[Alert]:
    """Pure: which immediate subscriptions want which events, and why."""
    alerts = []
    for event in events:
        for sub in subs:
            if sub.frequency != "immediate":
                continue
            reasons = match(sub, event.item)
            if reasons:
                alerts.append(Alert(sub, event.item, event.type, reasons, list(event.changes)))
    return alerts


class AlerterHandler:
    def __init__(self, store: Store, notifier: Notifier, renderer=None, webhook=None):
        from consumers.render import render_alerts

        self.store = store
        self.notifier = notifier
        self.render = renderer or render_alerts
        self.webhook = webhook
        self.sent = 0

    def __call__(self, batch: Sequence[tuple[Message, Event]]) -> None:
        subs = self.store.list_subscriptions(active_only=True)
        alerts = [a for a in collect_alerts([e for _, e in batch], subs)
                  if self.store.claim_alert(*a.key)]
        by_recipient: dict[str, list[Alert]] = defaultdict(list)
        for a in alerts:
            if a.sub.email:
                by_recipient[a.sub.email].append(a)
        for recipient, group in by_recipient.items():
            self._deliver(recipient, group)

    def _deliver(self, recipient: str, group: list[Alert]) -> None:
        notification = self.render(recipient, group)
        try:
            self.notifier.send(notification)
        except NotifyError as exc:
            for a in group:
                self.store.release_alert(*a.key)
            if exc.transient:
                raise
            log.error("alert to %s dropped: %s", recipient, exc)
            return
        except Exception:
            for a in group:
                self.store.release_alert(*a.key)
            raise
        for a in group:
            self.store.mark_alert_sent(*a.key)
        self.sent += 1
        log.info("alerted %s about %d item(s)", recipient, len(group))
