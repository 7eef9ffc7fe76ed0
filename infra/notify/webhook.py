"""WebhookNotifier: POST ``Notification.payload`` as JSON to ``Notification.recipient``.

Receivers verify ``X-Euradar-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>``
with the shared secret (``Settings.webhook_secret``, passed in). The signed body carries
``sent_at``, so a receiver can also refuse replays.

Delivery is retried with exponential backoff; after ``max_attempts`` failures the delivery is
dead-lettered on ``euradar.core.topics.DEAD_LETTER`` with the reason, and NotifyError(transient=False)
tells the caller it has been dealt with (webhook failures must not be silent, nor loop forever).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable

import httpx

from euradar.core.codec import dead_letter_payload
from euradar.core.errors import NotifyError
from euradar.core.models import utcnow_iso
from euradar.core.ports import Bus, Notification
from euradar.core.topics import DEAD_LETTER

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Euradar-Signature"
STAGE = "webhook"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """For receivers (and tests): constant-time check of the signature header."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")


class WebhookNotifier:
    def __init__(self, secret: str | None, bus: Bus | None = None, *, max_attempts: int = 5,
                 backoff_base: float = 1.0, backoff_cap: float = 60.0, timeout: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep,
                 user_agent: str = "euradar-webhook/1"):
        self.secret = secret
        self.bus = bus
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self.sleep = sleep
        self.user_agent = user_agent
        self.attempts_made = 0

    def body(self, n: Notification) -> bytes:
        payload = {**n.payload, "subject": n.subject, "sent_at": utcnow_iso()}
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")

    def send(self, n: Notification) -> None:
        body = self.body(n)
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": self.user_agent}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        reason = ""
        for attempt in range(1, self.max_attempts + 1):
            self.attempts_made += 1
            try:
                response = httpx.post(n.recipient, content=body, headers=headers,
                                      timeout=self.timeout, follow_redirects=False)
                if 200 <= response.status_code < 300:
                    return
                reason = f"HTTP {response.status_code}"
                if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                    break  # the receiver refuses this body; retrying cannot help
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if attempt < self.max_attempts:
                delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
                log.warning("webhook %s failed (%s), attempt %d/%d; retry in %.1fs",
                            n.recipient, reason, attempt, self.max_attempts, delay)
                self.sleep(delay)
        self._dead_letter(n, body, f"webhook delivery failed after {attempt} attempt(s): {reason}")
        raise NotifyError(f"webhook {n.recipient}: {reason}; dead-lettered", transient=False)

    def _dead_letter(self, n: Notification, body: bytes, reason: str) -> None:
        log.error("webhook %s dead-lettered: %s", n.recipient, reason)
        if self.bus is None:
            return
        self.bus.publish(DEAD_LETTER, n.recipient,
                         dead_letter_payload(STAGE, reason, n.recipient, body, source=n.recipient))
        self.bus.flush()
