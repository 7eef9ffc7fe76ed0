"""WebhookNotifier: POST ``Notification.payload`` as JSON to ``Notification.recipient``.

Receivers verify ``X-Euradar-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>``
with the shared secret (``Settings.webhook_secret``, passed in). The signed body carries
``sent_at``, so a receiver can also refuse replays.

Who may be called: only ``http``/``https`` URLs whose host resolves to public addresses. A
subscription must not turn the alerter into a proxy into our own network (loopback, link-local
such as the cloud metadata address, private ranges); an operator who runs a receiver there lists
it in ``Settings.webhook_allow_hosts`` (IPs, CIDR networks or host names). Unsigned delivery
(no secret) is refused unless ``Settings.webhook_allow_unsigned`` says it is wanted. Webhook
URLs often carry secrets of their own, so logs and dead-letter keys show them redacted.

Delivery is retried with exponential backoff; after ``max_attempts`` failures the delivery is
dead-lettered on ``euradar.core.topics.DEAD_LETTER`` with the reason, and NotifyError(transient=False)
tells the caller it has been dealt with (webhook failures must not be silent, nor loop forever).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import httpx

from euradar.core.codec import dead_letter_payload
from euradar.core.errors import NotifyError
from euradar.core.models import utcnow_iso
from euradar.core.ports import Bus, Notification
from euradar.core.redact import redact_url
from euradar.core.topics import DEAD_LETTER

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Euradar-Signature"
STAGE = "webhook"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """This URL is not to be called (a policy, not a network failure): no retries."""


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified or not ip.is_global)


def _allowed(host: str, ip: IPAddress, allow: Sequence[str]) -> bool:
    for entry in allow:
        entry = entry.strip()
        if not entry:
            continue
        if entry.lower() == host.lower():
            return True
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def check_destination(url: str, allow: Sequence[str] = (),
                      resolve: Callable[[str, int], list[str]] | None = None) -> None:
    """Raise :class:`Refused` unless every address ``url``'s host resolves to is public or
    allowed by the operator's list. ``socket.gaierror`` (DNS) propagates: that is transient."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) URL: {redact_url(url)}")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if resolve is None:
        def resolve(h: str, p: int) -> list[str]:
            return [str(info[4][0]) for info in socket.getaddrinfo(h, p, type=socket.SOCK_STREAM)]
    for address in sorted(set(resolve(host, port))):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not _is_public(ip) and not _allowed(host, ip, allow):
            raise Refused(f"{host} resolves to {ip}, a loopback, link-local or private address; "
                          "list it in EURADAR_WEBHOOK_ALLOW_HOSTS if this receiver is wanted")


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """For receivers (and tests): constant-time check of the signature header."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")


class WebhookNotifier:
    def __init__(self, secret: str | None, bus: Bus | None = None, *, max_attempts: int = 5,
                 backoff_base: float = 1.0, backoff_cap: float = 60.0, timeout: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep,
                 user_agent: str = "euradar-webhook/1", allow_hosts: Sequence[str] = (),
                 allow_unsigned: bool = False):
        self.secret = secret
        self.allow_hosts = tuple(allow_hosts)
        self.allow_unsigned = allow_unsigned
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
        elif not self.allow_unsigned:
            self._refuse(n, body, "no webhook secret is configured (EURADAR_WEBHOOK_SECRET); "
                         "unsigned delivery needs EURADAR_WEBHOOK_ALLOW_UNSIGNED=1")
        where = redact_url(n.recipient)
        reason = ""
        for attempt in range(1, self.max_attempts + 1):
            self.attempts_made += 1
            try:
                check_destination(n.recipient, self.allow_hosts)
                response = httpx.post(n.recipient, content=body, headers=headers,
                                      timeout=self.timeout, follow_redirects=False)
                if 200 <= response.status_code < 300:
                    return
                reason = f"HTTP {response.status_code}"
                if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                    break  # the receiver refuses this body; retrying cannot help
            except Refused as exc:
                self._refuse(n, body, str(exc))
            except (httpx.HTTPError, OSError) as exc:
                # httpx messages may quote the URL: keep only the kind of failure
                reason = f"{type(exc).__name__}: {str(exc).replace(n.recipient, where)}"
            if attempt < self.max_attempts:
                delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
                log.warning("webhook %s failed (%s), attempt %d/%d; retry in %.1fs",
                            where, reason, attempt, self.max_attempts, delay)
                self.sleep(delay)
        self._dead_letter(n, body, f"webhook delivery failed after {attempt} attempt(s): {reason}")
        raise NotifyError(f"webhook {where}: {reason}; dead-lettered", transient=False)

    def _refuse(self, n: Notification, body: bytes, reason: str) -> None:
        self._dead_letter(n, body, f"webhook refused: {reason}")
        raise NotifyError(f"webhook {redact_url(n.recipient)}: {reason}; dead-lettered",
                          transient=False)

    def _dead_letter(self, n: Notification, body: bytes, reason: str) -> None:
        where = redact_url(n.recipient)  # the key of a dead letter is visible to any reader
        log.error("webhook %s dead-lettered: %s", where, reason)
        if self.bus is None:
            return
        self.bus.publish(DEAD_LETTER, where,
                         dead_letter_payload(STAGE, reason, where, body, source=where))
        self.bus.flush()
