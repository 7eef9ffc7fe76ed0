"""Alerter role (group ``alerter``): items.tagged -> matching subscriptions -> notifications.

One alert per (subscription, item, version, kind), recorded in the store's ledger. Immediate
subscriptions are batched per recipient within ``Settings.alert_batch_seconds`` (ten new
calls make one mail, not ten) by :class:`consumers.batching.AlertBatcher`, whose window lives
in the store so it survives a crash. Daily and weekly subscriptions are left to the digests
(:mod:`consumers.digest`). Subscriptions of the organisation ``operators`` are contacts for
source-health notices (:mod:`consumers.operators`), not item alerts.

A changed item is alerted only when something meaningful changed (deadline, status, budget,
documents, ...): a reworded description alone would be the vague "updated" notice users hate.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Sequence

from consumers.batching import EMAIL, WEBHOOK, AlertBatcher, Clock
from euradar.matching import match
from euradar.models import Change, Event, Item
from euradar.ports import Message, Notifier, Store
from euradar.subscriptions import Subscription

if TYPE_CHECKING:
    from euradar.app import Runtime

log = logging.getLogger(__name__)
GROUP = "alerter"
QUIET_CHANGE_FIELDS = frozenset({"text"})


@dataclass
class Alert:
    """One matched item for one subscription, with why it matched and what changed.

    ``kind`` is new | changed | reminder; a reminder names its ``deadline``, the reminder
    ``offset`` (days) it fulfils and the ``days_left`` at sending time."""

    sub: Subscription
    item: Item
    kind: str
    reasons: list[str]
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


def meaningful(changes: Sequence[Change]) -> list[Change]:
    """Changes worth a mail. A reworded description is not, and neither is a call closing at
    its deadline: the reminders already said it was coming, the index and history record it."""
    return [c for c in changes if c.field not in QUIET_CHANGE_FIELDS
            and not (c.field == "status" and c.new == "closed")]


def collect_alerts(events: Sequence[Event], subs: Sequence[Subscription],
                   today: date | None = None) -> list[Alert]:
    """Pure: which immediate subscriptions want which events, and why."""
    alerts = []
    wanted = [s for s in subs if s.frequency == "immediate" and s.active and not s.is_operator]
    for event in events:
        changes = list(event.changes)
        if event.type == "changed":
            changes = meaningful(changes)
            if not changes:
                continue
        for sub in wanted:
            reasons = match(sub, event.item, today)
            if reasons:
                alerts.append(Alert(sub, event.item, event.type, reasons, changes))
    return alerts


class AlerterHandler:
    """The bus handler: match, claim and park; then flush the batches whose window passed.

    ``notifier`` delivers email, ``webhook`` (a WebhookNotifier) delivers to webhook_url.
    The default window of 0 s sends one message per recipient and bus batch at the end of
    the batch; :func:`build_alerter` passes ``Settings.alert_batch_seconds`` (60 s) and the
    webhook notifier, and :func:`run_alerter` flushes windows that pass while the bus is idle.
    """

    def __init__(self, store: Store, notifier: Notifier, renderer=None, webhook=None, *,
                 batch_seconds: float = 0.0, clock: Clock | None = None):
        self.store = store
        self.batcher = AlertBatcher(store, {EMAIL: notifier, WEBHOOK: webhook},
                                    window_seconds=batch_seconds, clock=clock, renderer=renderer)

    @property
    def sent(self) -> int:
        return self.batcher.messages_sent

    def __call__(self, batch: Sequence[tuple[Message, Event]]) -> None:
        subs = self.store.list_subscriptions(active_only=True)
        today = self.batcher.clock().date()
        self.batcher.enqueue(collect_alerts([e for _, e in batch], subs, today))
        self.flush_due()

    def flush_due(self, force: bool = False) -> int:
        return self.batcher.flush_due(force=force)


def build_alerter(runtime: "Runtime", clock: Clock | None = None) -> AlerterHandler:
    """The handler wired from a Runtime: email notifier, webhook notifier, batch window."""
    from infra.notify.webhook import WebhookNotifier

    webhook = WebhookNotifier(runtime.settings.webhook_secret, runtime.bus,
                              timeout=runtime.settings.http_timeout)
    return AlerterHandler(runtime.store, runtime.notifier, webhook=webhook,
                          batch_seconds=runtime.settings.alert_batch_seconds, clock=clock)


def run_alerter(runtime: "Runtime", *, stop: threading.Event | None = None,
                until_idle: bool = False, tick_seconds: float = 1.0,
                operator_emails: Sequence[str] = ()) -> int:
    """The alerter loop: consume items, flush due batches when the window passes even if no
    new record arrives, and relay source-health events to operators. With ``until_idle``
    (one-shot runs) every parked batch is flushed at the end. Returns records consumed."""
    from consumers.operators import OperatorAlerter
    from consumers.runner import run_consumer
    from euradar.topics import ITEMS_TAGGED, OPERATOR

    stop = stop or threading.Event()
    handler = build_alerter(runtime)
    operators = OperatorAlerter(runtime.store, runtime.notifier, operator_emails)
    items = runtime.bus.consumer([ITEMS_TAGGED], group=GROUP)
    health = runtime.bus.consumer([OPERATOR], group=f"{GROUP}-operator")
    records = 0
    try:
        while not stop.is_set():
            records += run_consumer(items, runtime.bus, GROUP, handler, until_idle=True,
                                    stop=stop, poll_timeout=0.2).records
            operators.poll_once(health)
            handler.flush_due(force=until_idle)
            if until_idle or stop.wait(tick_seconds):
                break
    finally:
        items.close()
        health.close()
    return records
