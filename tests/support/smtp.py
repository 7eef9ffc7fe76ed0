"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests: every message is parsed and kept."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # as received on the wire
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
            self.raw.append(envelope.content)
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def raw_messages(self) -> list[bytes]:
        with self._handler.lock:
            return list(self._handler.raw)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.messages) < count:
            time.sleep(0.05)
        return self.messages

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def body_html(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    return part.get_content() if part else ""
