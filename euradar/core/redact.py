"""Secrets out of logs, dead-letter keys and printed settings.

URLs are where secrets hide: ``https://user:token@host/...``, ``?apikey=...``, webhook paths of
Slack/Teams style (``/services/T000/B000/XXXX``) and query strings. :func:`redact_url` keeps what
an operator needs to tell endpoints apart (scheme, host, port, the first path segment) and a
short fingerprint of the whole URL, never the secret parts.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit


def fingerprint(value: str) -> str:
    """A short, stable, one-way tag of ``value`` (tells two redacted URLs apart)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def redact_url(url: str, keep_path: bool = False) -> str:
    """``https://u:p@hooks.example/services/T0/B0/XYZ?k=v`` ->
    ``https://***@hooks.example/services/...?***#3f9a2c1d0b``.

    Credentials, the query string and the fragment are always dropped; the path is cut to
    its first segment unless ``keep_path`` (index and bus URLs, whose paths are not secret).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"<unparsable URL #{fingerprint(url)}>"
    if not parts.scheme or not parts.netloc:
        return f"<URL #{fingerprint(url)}>" if url else url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = ("***@" if parts.username or parts.password else "") + host + \
        (f":{port}" if port else "")
    path = parts.path
    if not keep_path:
        segments = [s for s in path.split("/") if s]
        path = f"/{segments[0]}/..." if len(segments) > 1 else (f"/{segments[0]}" if segments
                                                                 else "")
    query = "?***" if parts.query else ""
    tag = f"#{fingerprint(url)}" if not keep_path or query or "***@" in netloc else ""
    return urlunsplit((parts.scheme, netloc, path, "", "")) + query + tag


def redact_service_url(url: str) -> str:
    """A backend URL (bus, index, store, SMTP) for printing: credentials and query values
    go, the path stays (``sqlite:///data/bus.db`` is useful and not secret)."""
    if url.startswith(("sqlite:", "memory:", "outbox:")):
        return url
    return redact_url(url, keep_path=True)
