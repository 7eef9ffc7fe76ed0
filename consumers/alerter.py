"""Alerter role (group ``alerter``): items.tagged -> matching subscriptions -> notifications.

One alert per (subscription, item, version, kind), recorded in the store's ledger. Immediate
subscriptions are batched per recipient within ``Settings.alert_batch_seconds`` (ten new
calls make one mail, not ten) by :class:`euradar.alerts.batching.AlertBatcher`, whose window
lives in the store so it survives a crash. Daily and weekly subscriptions are left to the
digests (:mod:`euradar.alerts.digest`). Subscriptions of the organisation ``operators`` are
contacts for source-health notices (:mod:`euradar.alerts.operators`), not item alerts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from euradar.alerts.batching import EMAIL, WEBHOOK, AlertBatcher, Clock
from euradar.alerts.links import Links
from euradar.alerts.operators import OperatorAlerter
from euradar.alerts.selection import collect_alerts
from euradar.consumers.runner import run_consumer
from euradar.core.models import Event
from euradar.core.ports import Bus, Message, Notification, Notifier, Store
from euradar.core.supervisor import RecordFailures, TaskState
from euradar.core.topics import ITEMS_TAGGED, OPERATOR

log = logging.getLogger(__name__)
GROUP = "alerter"


class AlerterHandler:
    """The bus handler: match, claim and park; then flush the batches whose window passed.

    ``notifier`` delivers email, ``webhook`` (a WebhookNotifier) delivers to webhook_url.
    The default window of 0 s sends one message per recipient and bus batch at the end of
    the batch; the runtime passes ``Settings.alert_batch_seconds`` (60 s) and the webhook
    notifier, and :func:`run_alerter` flushes windows that pass while the bus is idle.
    """

    def __init__(self, store: Store, notifier: Notifier,
                 renderer: Callable[..., Notification] | None = None,
                 webhook: Notifier | None = None, *,
                 batch_seconds: float = 0.0, clock: Clock | None = None,
                 links: Links | None = None):
        self.store = store
        self.batcher = AlertBatcher(store, {EMAIL: notifier, WEBHOOK: webhook},
                                    window_seconds=batch_seconds, clock=clock, renderer=renderer,
                                    links=links)

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


def run_alerter(bus: Bus, handler: AlerterHandler, operators: OperatorAlerter, *,
                stop: threading.Event | None = None, until_idle: bool = False,
                tick_seconds: float = 1.0, failures: RecordFailures | None = None,
                max_attempts: int = 3, state: TaskState | None = None) -> int:
    """The alerter loop: consume items, flush due batches when the window passes even if no
    new record arrives, and relay source-health events to operators. With ``until_idle``
    (one-shot runs) every parked batch is flushed at the end. Returns records consumed."""
    stop = stop or threading.Event()
    items = bus.consumer([ITEMS_TAGGED], group=GROUP)
    health = bus.consumer([OPERATOR], group=f"{GROUP}-operator")
    records = 0
    try:
        while not stop.is_set():
            records += run_consumer(items, bus, GROUP, handler, until_idle=True,
                                    stop=stop, poll_timeout=0.2, failures=failures,
                                    max_attempts=max_attempts, state=state).records
            operators.poll_once(health)
            handler.flush_due(force=until_idle)
            if state is not None:
                state.beat()
            if until_idle or stop.wait(tick_seconds):
                break
    finally:
        items.close()
        health.close()
    return records
