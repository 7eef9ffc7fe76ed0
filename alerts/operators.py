"""Source-health notices for operators: topic ``euradar.operator`` carries JSON events
``{"source", "kind", "message", "at"}`` (a source failing or gone silent).

Recipients are the ``operator_emails`` passed in plus the email of every active subscription
whose organisation is ``operators`` (so operators are managed like any other profile, in the
YAML file). One mail per poll and operator; each event is mailed once per operator (ledger).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from euradar.alerts.render import render_operator
from euradar.core.errors import NotifyError
from euradar.core.ports import Consumer, Message, Notifier, Store

log = logging.getLogger(__name__)
LEDGER_SUB = "operators"


def parse_event(msg: Message) -> dict[str, Any] | None:
    try:
        data = json.loads(msg.value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.error("operator event %s@%s is not JSON; skipped", msg.key, msg.offset)
        return None
    if not isinstance(data, dict) or not data.get("source"):
        log.error("operator event %s@%s has no source; skipped", msg.key, msg.offset)
        return None
    return {k: str(data.get(k) or "") for k in ("source", "kind", "message", "at")}


class OperatorAlerter:
    def __init__(self, store: Store, notifier: Notifier, operator_emails: Sequence[str] = ()):
        self.store = store
        self.notifier = notifier
        self.extra = [e.lower() for e in operator_emails]
        self.render = render_operator

    def recipients(self) -> list[str]:
        return sorted(self.languages())

    def languages(self) -> dict[str, str]:
        """email -> the language of that operator's notices (their subscription's)."""
        subs = self.store.list_subscriptions(active_only=True)
        found = {e: "en" for e in self.extra}
        found.update({s.email.lower(): s.lang for s in subs if s.is_operator and s.email})
        return found

    def handle(self, messages: Sequence[Message]) -> int:
        """Mail the events to every operator; raises NotifyError (transient) to retry."""
        events = [e for e in (parse_event(m) for m in messages) if e]
        sent = 0
        for email, lang in sorted(self.languages().items()):
            keys = [(LEDGER_SUB, f"{e['source']}|{e['kind']}|{e['at']}", 0, f"operator:{email}")
                    for e in events]
            fresh = [(k, e) for k, e in zip(keys, events, strict=False) if self.store.claim_alert(*k)]
            if not fresh:
                continue
            try:
                self.notifier.send(self.render(email, [e for _, e in fresh], lang=lang))
            except NotifyError as exc:
                for k, _ in fresh:
                    self.store.release_alert(*k)
                if exc.transient:
                    raise
                log.error("operator mail to %s refused: %s", email, exc)
                continue
            for k, _ in fresh:
                self.store.mark_alert_sent(*k)
            sent += 1
        if events and not self.recipients():
            log.warning("%d source-health event(s) but no operator address configured "
                        "(add a subscription with organisation: operators)", len(events))
        return sent

    def poll_once(self, consumer: Consumer, max_records: int = 200) -> int:
        """One poll -> handle -> commit; a transient failure rewinds for the next call."""
        messages = consumer.poll(max_records, 0.05)
        if not messages:
            return 0
        try:
            sent = self.handle(messages)
        except NotifyError as exc:
            log.warning("operator notices not sent (%s); will retry", exc)
            consumer.rewind()
            return 0
        consumer.commit()
        return sent
