"""The per-recipient batching window, durable in the store.

An alert is *claimed* in the ledger and *parked* in ``pending_alerts`` as soon as its bus
batch is handled, so the bus offset can be committed. When the oldest parked alert of a
recipient is ``window_seconds`` old, every alert parked for that recipient goes out as one
message and the ledger marks them sent in the same transaction that forgets them.

Several alerter processes may share one store (PostgreSQL; a consumer group spreads the
partitions over them). Claiming and parking is one atomic store call, and a recipient's
batch is flushed only under ``Store.recipient_lock``, re-read after the lock is taken: two
alerters never send the same parked alert, and alerts parked by one are flushed by any.

Crash analysis (at-least-once, no duplicates from redelivery):
* killed before parking: the bus batch is redelivered; unsent claims are claimable again.
* killed after parking: the next alerter process finds the pending rows and flushes them
  (its recipient lock died with it).
* redelivered batch after sending: the ledger says sent, nothing is parked again.
* killed between the send and the ledger update: the one case that can repeat a message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from euradar.alerts.links import Links
from euradar.alerts.reasons import Reasons, explain
from euradar.alerts.render import render_alerts
from euradar.alerts.selection import Alert
from euradar.core import metrics
from euradar.core.errors import NotifyError
from euradar.core.models import Change, Item
from euradar.core.ports import Notification, Notifier, PendingAlert, Store
from euradar.core.redact import redact_url
from euradar.core.subscriptions import Subscription

log = logging.getLogger(__name__)
_FLUSH_LOCK = threading.Lock()
EMAIL = "email"
WEBHOOK = "webhook"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def targets(sub: Subscription) -> list[tuple[str, str]]:
    """Where a subscription's alerts go: its email and/or its webhook."""
    out = []
    if sub.email:
        out.append((EMAIL, sub.email.lower()))
    if sub.webhook_url:
        out.append((WEBHOOK, sub.webhook_url))
    return out


def ledger_key(alert: Alert, channel: str) -> tuple[str, str, int, str]:
    """Email and webhook deliveries are separate ledger entries: one may fail alone."""
    sub_id, item_id, version, kind = alert.key
    return (sub_id, item_id, version, kind if channel == EMAIL else f"{kind}@{channel}")


def alert_to_data(alert: Alert, item_dict: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a parked alert keeps; ``item_dict`` is ``alert.item.to_dict()`` when the caller
    has it already (one item matches many subscriptions; the dict is the costly part)."""
    item = item_dict if item_dict is not None else alert.item.to_dict()
    return {"kind": alert.kind, "item": item, "reasons": alert.reasons.to_dict(),
            "changes": [vars(c) for c in alert.changes], "deadline": alert.deadline,
            "days_left": alert.days_left, "offset": alert.offset}


def alert_from_data(sub: Subscription, data: dict[str, Any]) -> Alert:
    item = Item.from_dict(data["item"])
    raw = data.get("reasons")
    # Rows parked by an older version carry English reason strings: explain them again.
    reasons = Reasons.from_dict(raw) if isinstance(raw, dict) else explain(sub, item)
    return Alert(sub=sub, item=item, kind=data["kind"],
                 reasons=reasons, changes=[Change(**c) for c in data["changes"]],
                 deadline=data.get("deadline"), days_left=data.get("days_left"),
                 offset=data.get("offset"))


class AlertBatcher:
    """Parks alerts and flushes one message per recipient when its window has passed.

    ``notifiers`` maps a channel (``email``, ``webhook``) to its notifier; alerts for a
    channel without a notifier stay parked (and are logged) until one is configured.
    ``renderer(recipient, alerts, today=date)`` builds the message (default render_alerts,
    with the personal manage and unsubscribe links that ``links`` signs).
    """

    def __init__(self, store: Store, notifiers: Mapping[str, Notifier | None], *,
                 window_seconds: float = 60.0, clock: Clock | None = None,
                 renderer: Callable[..., Notification] | None = None,
                 retry_base_seconds: float = 30.0, retry_cap_seconds: float = 3600.0,
                 links: Links | None = None):
        self.store = store
        self.notifiers = {k: v for k, v in notifiers.items() if v is not None}
        self.window = timedelta(seconds=window_seconds)
        self.clock = clock or utc_now
        self.render = renderer or partial(render_alerts, links=links)
        self.retry_base = retry_base_seconds
        self.retry_cap = retry_cap_seconds
        self.messages_sent = 0

    def enqueue(self, alerts: Sequence[Alert]) -> int:
        """Claim and park each alert once per channel; returns how many were parked now."""
        now = _iso(self.clock())
        item_dicts: dict[tuple[str, int], dict[str, Any]] = {}
        entries = []
        for alert in alerts:
            ref = (alert.item.id, alert.item.version)
            if ref not in item_dicts:
                item_dicts[ref] = alert.item.to_dict()
            data = alert_to_data(alert, item_dicts[ref])
            for channel, address in targets(alert.sub):
                entries.append(PendingAlert(ledger_key(alert, channel), channel, address, data, now))
        return self.store.enqueue_alerts(entries)

    def flush_due(self, force: bool = False) -> int:
        """Send every batch whose window has passed (all of them with ``force``); returns
        the number of messages sent. Delivery failures never escape: the batch stays parked
        with a backoff (transient) or is dropped and logged (permanent)."""
        now = self.clock()
        cutoff = now + timedelta(days=3650) if force else now - self.window
        sent = 0
        # One flush at a time in a process (the alerter role and the reminders job both flush
        # the pending table); across processes, one sender per recipient: the store's lock.
        with _FLUSH_LOCK:
            for channel, address in self.store.due_alert_addresses(_iso(cutoff), _iso(now)):
                if channel not in self.notifiers:
                    shown = redact_url(address) if channel == WEBHOOK else address
                    log.warning("no notifier for %s; %s alerts stay parked", channel, shown)
                    continue
                with self.store.recipient_lock(channel, address) as mine:
                    if mine:  # else another alerter is sending this batch right now
                        sent += self._flush(channel, address, now, _iso(cutoff))
        return sent

    def _flush(self, channel: str, address: str, now: datetime, cutoff: str) -> int:
        notifier = self.notifiers[channel]
        shown = redact_url(address) if channel == WEBHOOK else address  # webhook URLs hold secrets
        # Read under the lock: another alerter may have sent (and forgotten) these meanwhile.
        rows = self.store.pending_alerts(channel, address)
        if not rows or min(r["queued_at"] for r in rows) > cutoff or \
                max((r["not_before"] or "") for r in rows) > _iso(now):
            return 0
        subs = {s.id: s for s in self.store.list_subscriptions(active_only=True)}
        keys = [(r["sub_id"], r["item_id"], r["version"], r["kind"]) for r in rows]
        alerts = [alert_from_data(subs[r["sub_id"]], r["data"]) for r in rows
                  if r["sub_id"] in subs]
        if not alerts:  # the subscriptions were deleted or paused meanwhile
            self.store.drop_alerts(keys)
            return 0
        notification = self.render(address, alerts, today=now.date())
        try:
            notifier.send(notification)
        except NotifyError as exc:
            if not exc.transient:
                log.error("%s %s refused %d alert(s), dropped: %s", channel, shown,
                          len(keys), exc)
                self.store.drop_alerts(keys)
                return 0
            attempts = max(r["attempts"] for r in rows) + 1
            delay = min(self.retry_cap, self.retry_base * 2 ** (attempts - 1))
            log.warning("%s %s failed (%s); retry in %.0fs", channel, shown, exc, delay)
            self.store.defer_alerts(channel, address, _iso(now + timedelta(seconds=delay)),
                                    str(exc))
            return 0
        self.store.complete_alerts(keys)
        self.messages_sent += 1
        metrics.ALERTS_SENT.inc()
        log.info("sent %d alert(s) to %s %s", len(alerts), channel, shown)
        return 1
