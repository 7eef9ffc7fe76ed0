"""Signed links in mails: manage my subscriptions, unsubscribe in one click, my calendar feed.

A recipient has no account. Each mail carries links whose token says who they are for and what
they allow, signed with HMAC-SHA256 under a server secret, so nobody can forge a link to another
person's subscriptions and nothing needs to be stored per link:

* ``m`` manage: see and edit the subscriptions of one email address; expires (60 days), each
  new mail brings a fresh one;
* ``u`` unsubscribe: pause the named subscriptions of that address (RFC 8058 one-click);
  valid for a year, because people unsubscribe from old mails too;
* ``c`` calendar: read the deadline feed of one subscription; calendar apps poll it for years
  and cannot log in, so it does not expire (it only reveals public calls, never the address).

Token: ``base64url(JSON claims) "." base64url(HMAC)``; the claims are {e: email, p: purpose,
s: [subscription ids], x: expiry (Unix seconds, 0 = never)}.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import quote

MANAGE = "m"
UNSUBSCRIBE = "u"
CALENDAR = "c"
MANAGE_DAYS = 60
UNSUBSCRIBE_DAYS = 365
MAX_TOKEN_CHARS = 2000


class LinkError(ValueError):
    """A link that cannot be honoured; ``expired`` links were genuine but are too old."""

    def __init__(self, message: str, expired: bool = False, claims: LinkClaims | None = None):
        super().__init__(message)
        self.expired = expired
        self.claims = claims


@dataclass(frozen=True)
class LinkClaims:
    email: str
    purpose: str
    sub_ids: tuple[str, ...] = ()
    expires: int = 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())


def sign(secret: bytes, claims: LinkClaims) -> str:
    payload = {"e": claims.email.lower(), "p": claims.purpose, "s": list(claims.sub_ids),
               "x": claims.expires}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{_mac(secret, body)}"


def verify(secret: bytes, token: str | None, purpose: str, now: float | None = None) -> LinkClaims:
    """The claims of a genuine, unexpired token for ``purpose``; LinkError otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise LinkError("the link is incomplete or damaged")
    body, mac = token.split(".")
    if not hmac.compare_digest(mac.encode("ascii", "replace"),
                               _mac(secret, body).encode("ascii")):
        raise LinkError("the link is not valid")
    try:
        data = json.loads(_unb64(body))
        claims = LinkClaims(email=str(data["e"]), purpose=str(data["p"]),
                            sub_ids=tuple(str(s) for s in data.get("s") or ()),
                            expires=int(data.get("x") or 0))
    except (ValueError, KeyError, TypeError) as exc:
        raise LinkError("the link is not valid") from exc
    if claims.purpose != purpose:
        raise LinkError("the link is meant for something else")
    if claims.expires and claims.expires < (time.time() if now is None else now):
        raise LinkError("the link has expired", expired=True, claims=claims)
    return claims


@dataclass(frozen=True)
class Links:
    """Builds the signed links of one installation (its public address and secret)."""

    base_url: str
    secret: bytes

    def _url(self, path: str, claims: LinkClaims, lang: str = "en") -> str:
        # The page opens in the language of the mail it came from.
        suffix = f"&lang={lang}" if lang in ("fi", "sv") else ""
        return f"{self.base_url.rstrip('/')}{path}?k={quote(sign(self.secret, claims))}{suffix}"

    def manage_url(self, email: str, now: float | None = None, lang: str = "en") -> str:
        expires = int((time.time() if now is None else now) + MANAGE_DAYS * 86400)
        return self._url("/manage", LinkClaims(email.lower(), MANAGE, (), expires), lang)

    def unsubscribe_url(self, email: str, sub_ids: list[str] | tuple[str, ...],
                        now: float | None = None, lang: str = "en") -> str:
        expires = int((time.time() if now is None else now) + UNSUBSCRIBE_DAYS * 86400)
        ids = tuple(dict.fromkeys(sub_ids))
        return self._url("/unsubscribe", LinkClaims(email.lower(), UNSUBSCRIBE, ids, expires),
                         lang)

    def calendar_url(self, sub_id: str, email: str = "") -> str:
        claims = LinkClaims(email.lower(), CALENDAR, (sub_id,), 0)
        return self._url(f"/subscriptions/{quote(sub_id)}/calendar.ics", claims)

    def verify(self, token: str | None, purpose: str, now: float | None = None) -> LinkClaims:
        return verify(self.secret, token, purpose, now)
