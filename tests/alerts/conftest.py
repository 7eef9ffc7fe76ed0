"""Fixtures for the alert tests: a real SMTP server (aiosmtpd), a real HTTP webhook receiver,
the in-memory bus/store/index, a controllable clock and an item factory."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from euradar.core.codec import dumps_event
from euradar.core.models import Event, Item
from euradar.core.ports import Message
from euradar.core.subscriptions import Subscription
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.index.embedded import EmbeddedIndex
from euradar.infra.notify.email import SmtpNotifier
from euradar.infra.store.sqlite import SqliteStore

TODAY = date(2026, 3, 9)  # a Monday


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    collector.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def mailer(smtp_server):
    # aiosmtpd without TLS stands for a local relay: plain text explicitly allowed
    return SmtpNotifier(smtp_server.url, "euradar <euradar@test.local>", timeout=10,
                        allow_plaintext=True)


class WebhookReceiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.requests.append({"body": body, "headers": dict(self.headers),
                                      "path": self.path})
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))


@pytest.fixture
def store():
    s = SqliteStore("memory://")
    yield s
    s.close()


@pytest.fixture
def index():
    i = EmbeddedIndex("memory://")
    yield i
    i.close()


@pytest.fixture
def bus():
    return MemoryBus()


def make_item(n: int = 1, **over) -> Item:
    data = dict(id=f"ft:CALL-{n:03d}", kind="call", source="ft",
                url=f"https://ec.europa.eu/info/funding-tenders/opportunities/topic-{n}",
                title=f"Hydrogen valleys in the Arctic, topic {n}",
                text="Clean hydrogen production and wind power for regions.", lang="en",
                programme="Horizon Europe", call_ids=[f"HORIZON-CL5-2026-{n:03d}"],
                deadlines=["2026-04-15"], status="open", budget=2_000_000.0, currency="EUR",
                eligibility=["local_authorities"], first_seen="2026-03-05T10:00:00+00:00",
                themes=[{"id": "T3", "score": 0.9}], version=1)
    data.update(over)
    return Item(**data)


def make_sub(**over) -> Subscription:
    data = dict(id="rovaniemi-energy", name="Rovaniemi energy", email="kehitys@rovaniemi.fi",
                lang="en", themes=["T3"], keywords="hydrogen")
    data.update(over)
    return Subscription.from_dict(data)


def as_batch(events: list[Event]) -> list[tuple[Message, Event]]:
    return [(Message("euradar.items.tagged", e.item.id, dumps_event(e), i + 1), e)
            for i, e in enumerate(events)]


def html_of(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def webhook_json(request: dict) -> dict:
    return json.loads(request["body"])
