"""Hostile crawled text stays inert; webhooks are signed, retried and dead-lettered."""

from __future__ import annotations

import json

from euradar.consumers.alerter import AlerterHandler
from euradar.core.models import Event
from euradar.core.topics import DEAD_LETTER
from euradar.infra.notify.webhook import SIGNATURE_HEADER, WebhookNotifier, verify
from tests.alerts.conftest import as_batch, html_of, make_item, make_sub, webhook_json

HOSTILE = ('<script>alert(1)</script> hydrogen <img src=x onerror=alert(2)>\r\n'
           'Bcc: victim@example.com')
SECRET = "s3cret-shared-with-receiver"
LOCAL = ("127.0.0.1",)  # the test receiver runs on loopback, which webhooks refuse by default


def test_script_injection_escaped_in_html_and_subject(store, mailer, smtp_server, clock):
    store.save_subscription(make_sub())
    handler = AlerterHandler(store, mailer, batch_seconds=0, clock=clock)
    handler(as_batch([Event("new", make_item(1, title=HOSTILE, url="javascript:alert(3)"))]))

    msg = smtp_server.messages[0]
    html = html_of(msg)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "javascript:" not in html  # a hostile link becomes '#'
    assert msg["Bcc"] is None and "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert "Bcc: victim@example.com" in msg["Subject"]  # inert text inside the subject
    assert len(smtp_server.messages) == 1


def test_webhook_delivery_is_signed(store, webhook_receiver, clock, bus):
    store.save_subscription(make_sub(email=None, webhook_url=webhook_receiver.url))
    webhook = WebhookNotifier(SECRET, bus, sleep=lambda s: None, allow_hosts=LOCAL)
    handler = AlerterHandler(store, None, webhook=webhook, batch_seconds=0, clock=clock)
    handler(as_batch([Event("new", make_item(n)) for n in (1, 2)]))

    assert len(webhook_receiver.requests) == 1
    request = webhook_receiver.requests[0]
    assert verify(SECRET, request["body"], request["headers"][SIGNATURE_HEADER])
    assert not verify("wrong secret", request["body"], request["headers"][SIGNATURE_HEADER])
    payload = webhook_json(request)
    assert [a["item"] for a in payload["alerts"]] == ["ft:CALL-001", "ft:CALL-002"] or \
        sorted(a["item"] for a in payload["alerts"]) == ["ft:CALL-001", "ft:CALL-002"]
    assert payload["alerts"][0]["reasons"]
    handler(as_batch([Event("new", make_item(1))]))  # redelivery: nothing more
    assert len(webhook_receiver.requests) == 1


def test_webhook_500_retries_then_dead_letters(store, webhook_receiver, clock, bus):
    webhook_receiver.status = 500
    delays: list[float] = []
    store.save_subscription(make_sub(email=None, webhook_url=webhook_receiver.url))
    webhook = WebhookNotifier(SECRET, bus, max_attempts=4, backoff_base=0.5, allow_hosts=LOCAL,
                              sleep=delays.append)
    handler = AlerterHandler(store, None, webhook=webhook, batch_seconds=0, clock=clock)
    handler(as_batch([Event("new", make_item(1))]))

    assert len(webhook_receiver.requests) == 4
    assert delays == [0.5, 1.0, 2.0]  # exponential backoff between the attempts
    dead = [json.loads(m.value) for m in bus.read_topic(DEAD_LETTER)]
    assert len(dead) == 1
    assert dead[0]["stage"] == "webhook" and "HTTP 500" in dead[0]["reason"]
    assert "after 4 attempt(s)" in dead[0]["reason"]
    assert json.loads(dead[0]["original"])["alerts"][0]["item"] == "ft:CALL-001"
    assert store.pending_alerts() == []  # dealt with: not retried forever


def test_email_and_webhook_are_separate_deliveries(store, mailer, smtp_server,
                                                   webhook_receiver, clock, bus):
    store.save_subscription(make_sub(webhook_url=webhook_receiver.url))
    handler = AlerterHandler(store, mailer, webhook=WebhookNotifier(SECRET, bus, allow_hosts=LOCAL),
                             batch_seconds=0, clock=clock)
    handler(as_batch([Event("new", make_item(1))]))
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.requests) == 1
