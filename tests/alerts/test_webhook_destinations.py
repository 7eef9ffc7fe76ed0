"""Webhooks are not a way into our own network, carry their secrets nowhere, and are signed
unless an operator explicitly wants them unsigned."""

from __future__ import annotations

import json
import logging

import pytest

from euradar.core.errors import NotifyError
from euradar.core.ports import Notification
from euradar.core.topics import DEAD_LETTER
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.notify.webhook import Refused, WebhookNotifier, check_destination


def note(url: str) -> Notification:
    return Notification(recipient=url, subject="alerts", text="", payload={"alerts": []})


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9200/_delete_by_query",
    "http://localhost:8765/api/subscriptions",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://10.1.2.3/hook", "http://192.168.1.10/hook", "http://172.16.0.5/hook",
    "http://[::1]:8080/hook", "http://[fe80::1]/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook", "ftp://example.org/hook",
])
def test_loopback_link_local_and_private_destinations_are_refused(url):
    with pytest.raises(Refused):
        check_destination(url)


def test_public_and_operator_allowed_destinations_pass():
    check_destination("https://hooks.example.org/x", resolve=lambda h, p: ["93.184.215.14"])
    check_destination("http://10.0.0.7/hook", allow=["10.0.0.0/24"])
    check_destination("http://receiver.lan/hook", allow=["receiver.lan"],
                      resolve=lambda h, p: ["192.168.5.5"])
    with pytest.raises(Refused):  # a public name that resolves inward (DNS rebinding) is refused
        check_destination("https://evil.example.org/x", resolve=lambda h, p: ["127.0.0.1"])


def test_refused_webhook_is_dead_lettered_under_a_redacted_key_and_never_called(caplog):
    bus = MemoryBus()
    secret_url = "http://127.0.0.1:9/services/T0/B0/s3cr3tpath?token=abc"
    webhook = WebhookNotifier("key", bus, sleep=lambda s: None)
    with caplog.at_level(logging.DEBUG), pytest.raises(NotifyError) as refused:
        webhook.send(note(secret_url))
    assert not refused.value.transient and webhook.attempts_made == 1
    dead = bus.read_topic(DEAD_LETTER)
    assert len(dead) == 1
    record = json.loads(dead[0].value)
    assert "loopback, link-local or private" in record["reason"]
    for text in (dead[0].key, record["key"], record["source"], record["reason"], caplog.text,
                 str(refused.value)):
        assert "s3cr3tpath" not in text and "token" not in text and "abc" not in text


def test_unsigned_webhooks_only_when_explicitly_allowed(webhook_receiver):
    bus = MemoryBus()
    unsigned = WebhookNotifier(None, bus, sleep=lambda s: None, allow_hosts=["127.0.0.1"])
    with pytest.raises(NotifyError, match="no webhook secret"):
        unsigned.send(note(webhook_receiver.url))
    assert webhook_receiver.requests == []
    assert "unsigned delivery needs" in json.loads(bus.read_topic(DEAD_LETTER)[0].value)["reason"]

    allowed = WebhookNotifier(None, bus, allow_hosts=["127.0.0.1"], allow_unsigned=True)
    allowed.send(note(webhook_receiver.url))
    assert len(webhook_receiver.requests) == 1
    assert "X-Euradar-Signature" not in webhook_receiver.requests[0]["headers"]
