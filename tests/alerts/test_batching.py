"""Immediate alerts: batched per recipient, once per version, durable across a crash."""

from __future__ import annotations

import dataclasses

from euradar.consumers.alerter import AlerterHandler
from euradar.consumers.runner import decode_batch
from euradar.core.codec import dumps_event
from euradar.core.models import Event
from euradar.core.topics import ITEMS_TAGGED
from euradar.infra.store.sqlite import SqliteStore
from tests.alerts.conftest import as_batch, html_of, make_item, make_sub, text_of


def test_ten_new_items_in_several_batches_make_one_mail(store, mailer, smtp_server, clock):
    store.save_subscription(make_sub())
    handler = AlerterHandler(store, mailer, batch_seconds=60, clock=clock)
    items = [make_item(n) for n in range(1, 11)]
    for chunk in (items[:3], items[3:7], items[7:]):
        handler(as_batch([Event("new", it) for it in chunk]))
        clock.advance(10)
    assert smtp_server.messages == []  # the window (60 s) has not passed yet

    clock.advance(31)
    assert handler.flush_due() == 1
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg["To"] == "kehitys@rovaniemi.fi"
    assert "10 new or changed" in msg["Subject"]
    for it in items:
        assert it.title in text_of(msg)
        assert it.url in html_of(msg)
    assert handler.flush_due(force=True) == 0


def test_redelivered_bus_batch_sends_nothing_new_version_does(store, mailer, smtp_server,
                                                             clock, bus):
    store.save_subscription(make_sub())
    handler = AlerterHandler(store, mailer, batch_seconds=0, clock=clock)
    item = make_item(1)
    bus.publish(ITEMS_TAGGED, item.id, dumps_event(Event("new", item)))
    consumer = bus.consumer([ITEMS_TAGGED], "alerter")

    handler(decode_batch(consumer.poll(10, 0.1), bus, "alerter"))
    assert len(smtp_server.messages) == 1
    consumer.rewind()  # killed before commit: the same batch is delivered again
    handler(decode_batch(consumer.poll(10, 0.1), bus, "alerter"))
    handler(decode_batch([m for m in bus.read_topic(ITEMS_TAGGED)], bus, "alerter"))
    assert len(smtp_server.messages) == 1

    v2 = dataclasses.replace(item, version=2, deadlines=["2026-04-29"])
    handler(as_batch([Event("changed", v2, [])]))  # no meaningful change listed: no mail
    assert len(smtp_server.messages) == 1
    log = store.alert_log("rovaniemi-energy")
    assert [(r["item_id"], r["version"], r["kind"]) for r in log] == [(item.id, 1, "new")]
    assert all(r["sent_at"] for r in log)


def test_pending_window_survives_a_crash(tmp_path, mailer, smtp_server, clock):
    url = f"sqlite:///{tmp_path}/store.db"
    first = SqliteStore(url)
    first.save_subscription(make_sub())
    AlerterHandler(first, mailer, batch_seconds=60, clock=clock)(
        as_batch([Event("new", make_item(n)) for n in range(1, 4)]))
    first.close()  # the process dies with the batch window still open

    clock.advance(61)
    second = SqliteStore(url)
    restarted = AlerterHandler(second, mailer, batch_seconds=60, clock=clock)
    # The redelivered bus batch (not committed before the crash) parks nothing twice.
    restarted(as_batch([Event("new", make_item(n)) for n in range(1, 4)]))
    assert len(smtp_server.messages) == 1
    assert "3 new or changed" in smtp_server.messages[0]["Subject"]
    assert second.pending_alerts() == []
    second.close()


def test_daily_and_weekly_subscriptions_get_no_immediate_mail(store, mailer, smtp_server, clock):
    store.save_subscription(make_sub(frequency="weekly"))
    handler = AlerterHandler(store, mailer, batch_seconds=0, clock=clock)
    handler(as_batch([Event("new", make_item(1))]))
    assert smtp_server.messages == []
    assert store.pending_alerts() == []


def test_smtp_down_keeps_batch_parked_and_retries(store, smtp_server, clock):
    from euradar.infra.notify.email import SmtpNotifier
    from tests.alerts.conftest import free_port

    store.save_subscription(make_sub())
    dead = SmtpNotifier(f"smtp://127.0.0.1:{free_port()}", "x@y.z", timeout=2)
    handler = AlerterHandler(store, dead, batch_seconds=0, clock=clock)
    handler(as_batch([Event("new", make_item(1))]))
    assert len(store.pending_alerts()) == 1 and store.pending_alerts()[0]["attempts"] == 1

    from euradar.infra.notify.email import SmtpNotifier as Live

    handler.batcher.notifiers["email"] = Live(smtp_server.url, "x@y.z", allow_plaintext=True)
    assert handler.flush_due() == 0  # still backing off
    clock.advance(31)
    assert handler.flush_due() == 1
    assert len(smtp_server.messages) == 1


def test_run_alerter_loop_flushes_at_the_end_of_a_one_shot_run(store, index, bus, mailer,
                                                               smtp_server, tmp_path):
    from datetime import UTC, datetime, timedelta

    from euradar.core.settings import Settings
    from euradar.runtime import Runtime

    rt = Runtime(settings=Settings(data_dir=tmp_path, alert_batch_seconds=60), bus=bus,
                 index=index, store=store, notifier=mailer)
    store.save_subscription(make_sub())
    # The loop runs on the real clock: the calls must still be open today.
    now = datetime.now(UTC)
    due = [(now + timedelta(days=40)).date().isoformat()]
    for n in range(1, 11):
        item = make_item(n, deadlines=due, first_seen=now.isoformat())
        bus.publish(ITEMS_TAGGED, f"ft:CALL-{n:03d}", dumps_event(Event("new", item)))
    assert rt.consume("alerter", until_idle=True).records == 10
    assert len(smtp_server.messages) == 1
    assert rt.consume("alerter", until_idle=True).records == 0 and len(smtp_server.messages) == 1
