"""Email notifiers: SMTP for real delivery, an outbox directory of .eml files for the embedded
default (nothing is lost when no mail server is configured; a person can open the files)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlparse

from euradar.core.errors import NotifyError
from euradar.core.ports import Notification

log = logging.getLogger(__name__)


def build_message(n: Notification, sender: str) -> EmailMessage:
    """A multipart message: plain text, optional HTML alternative, attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = n.recipient
    # Subjects come from crawled titles: drop line breaks so no header can be injected.
    msg["Subject"] = " ".join(n.subject.split())
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="euradar.local")
    for name, value in n.headers.items():
        # Our own headers (List-Unsubscribe ...), but still never a line break inside one.
        msg[" ".join(name.split())] = " ".join(value.split())
    msg.set_content(n.text)
    if n.html:
        msg.add_alternative(n.html, subtype="html")
    for a in n.attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=a.filename)
    if n.headers:
        # A List-Unsubscribe URL has no place to fold; at the default 78 columns Python would
        # turn it into RFC 2047 encoded words, which mail providers do not read as a URL.
        msg.policy = msg.policy.clone(max_line_length=998)
    return msg


class SmtpNotifier:
    """``smtp://[user@]host:port`` (STARTTLS required) or ``smtps://host:port`` (TLS at once).

    The password comes from the environment through Settings, never from the URL. A server
    that does not offer STARTTLS is refused (a stripped STARTTLS would otherwise send the
    login and the subscribers' mail in clear text), unless ``allow_plaintext`` is set for a
    local relay (``EURADAR_SMTP_ALLOW_PLAINTEXT=1``, e.g. a Mailpit or Postfix next to us).
    """

    def __init__(self, url: str, sender: str, password: str | None = None, timeout: float = 30.0,
                 allow_plaintext: bool = False, tls_context: ssl.SSLContext | None = None):
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps"):
            raise ValueError(f"not an smtp URL: {url}")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or (465 if parsed.scheme == "smtps" else 25)
        self.tls = parsed.scheme == "smtps"
        self.user = unquote(parsed.username) if parsed.username else None
        self.password = password
        self.sender = sender
        self.timeout = timeout
        self.allow_plaintext = allow_plaintext
        self.tls_context = tls_context or ssl.create_default_context()
        if allow_plaintext and not self.tls:
            log.warning("SMTP %s:%s: plain-text delivery allowed (EURADAR_SMTP_ALLOW_PLAINTEXT); "
                        "use it only for a relay on this host or network", self.host, self.port)

    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.tls_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=self.tls_context)
                smtp.ehlo()
            elif not self.allow_plaintext:
                raise NotifyError(
                    f"SMTP {self.host}:{self.port} does not offer STARTTLS; refusing to send "
                    "login and mail in clear text (use smtps://, or set "
                    "EURADAR_SMTP_ALLOW_PLAINTEXT=1 for a local relay)")
                # transient on purpose: the alerts stay parked until the server (or the
                # setting) is fixed, instead of being dropped
        except BaseException:
            smtp.close()
            raise
        return smtp

    def ping(self) -> None:
        """Connect (and STARTTLS), NOOP, quit; raises NotifyError when that fails."""
        try:
            with self._connect() as smtp:
                smtp.noop()
        except NotifyError:
            raise
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise NotifyError(f"SMTP {self.host}:{self.port}: {exc}") from exc

    def send(self, n: Notification) -> None:
        msg = build_message(n, self.sender)
        try:
            with self._connect() as smtp:
                if self.user and self.password:
                    smtp.login(self.user, self.password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyError(f"{n.recipient} refused: {exc}", transient=False) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise NotifyError(f"SMTP {self.host}:{self.port} failed: {exc}") from exc


class OutboxNotifier:
    """``outbox:///dir``: writes each message as an .eml file (the embedded default)."""

    def __init__(self, url: str, sender: str):
        self.dir = Path(urlparse(url).path)
        self.sender = sender

    def ping(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NotifyError(f"cannot write {self.dir}: {exc}") from exc

    def send(self, n: Notification) -> None:
        msg = build_message(n, self.sender)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            safe = "".join(c if c.isalnum() else "_" for c in n.recipient)[:60]
            path = self.dir / f"{time.time_ns()}_{safe}.eml"
            path.write_bytes(bytes(msg))
        except OSError as exc:
            raise NotifyError(f"cannot write {self.dir}: {exc}") from exc
