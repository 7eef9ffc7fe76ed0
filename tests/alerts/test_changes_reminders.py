"""Changed-item alerts say what changed; reminders fire at the configured offsets."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from euradar.alerts.reminders import due_reminders, reminder_offset, send_reminders
from euradar.consumers.alerter import AlerterHandler
from euradar.core.changes import diff_items
from euradar.core.models import Event
from tests.alerts.conftest import as_batch, html_of, make_item, make_sub, text_of


def test_changed_deadline_mail_names_old_and_new_date(store, mailer, smtp_server, clock):
    store.save_subscription(make_sub())
    handler = AlerterHandler(store, mailer, batch_seconds=0, clock=clock)
    old = make_item(1, deadlines=["2026-03-12"], status="forthcoming")
    new = dataclasses.replace(old, version=2, deadlines=["2026-03-26"], status="open")
    handler(as_batch([Event("changed", new, diff_items(old, new))]))

    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert "deadline 12.03.2026 \u2192 26.03.2026" in msg["Subject"]
    for body in (text_of(msg), html_of(msg)):
        assert "12.03.2026" in body and "26.03.2026" in body
        assert "status forthcoming \u2192 open" in body


def test_description_only_change_is_not_alerted(store, mailer, smtp_server, clock):
    store.save_subscription(make_sub())
    handler = AlerterHandler(store, mailer, batch_seconds=0, clock=clock)
    old = make_item(1)
    new = dataclasses.replace(old, version=2, text=old.text + " Reworded hydrogen.")
    handler(as_batch([Event("changed", new, diff_items(old, new))]))
    assert smtp_server.messages == []


def test_reminder_offsets_follow_the_subscription():
    assert reminder_offset(20, [14, 3]) is None
    assert reminder_offset(14, [14, 3]) == 14
    assert reminder_offset(13, [14, 3]) == 14
    assert reminder_offset(3, [14, 3]) == 3
    assert reminder_offset(0, [14, 3]) == 3


def test_reminders_sent_at_14_and_3_days_once_each(store, index, mailer, smtp_server):
    store.save_subscription(make_sub())
    store.save_subscription(make_sub(id="custom", email="eu@kemi.fi", reminders=[7]))
    deadline = date(2026, 4, 15)
    index.upsert([make_item(1, deadlines=[deadline.isoformat()])])

    def run(days_before: int) -> list:
        before = len(smtp_server.messages)
        send_reminders(store, index, mailer, today=deadline - timedelta(days=days_before))
        return smtp_server.messages[before:]

    assert run(20) == []
    sent = run(14)
    assert [m["To"] for m in sent] == ["kehitys@rovaniemi.fi"]
    assert "14 days to the deadline" in sent[0]["Subject"]
    assert "15.04.2026" in text_of(sent[0])
    assert run(13) == []  # the 14-day reminder went out already
    assert [m["To"] for m in run(7)] == ["eu@kemi.fi"]
    sent = run(3)
    assert [m["To"] for m in sent] == ["kehitys@rovaniemi.fi"]
    assert "3 days left" in text_of(sent[0])
    assert run(3) == [] and run(2) == []


def test_reminders_for_one_person_travel_in_one_mail(store, index):
    store.save_subscription(make_sub())
    index.upsert([make_item(n, deadlines=["2026-04-15"]) for n in range(1, 6)])
    alerts = due_reminders(store.list_subscriptions(), index, date(2026, 4, 12))
    assert len(alerts) == 5 and {a.offset for a in alerts} == {3}

    class Capture:
        sent = []

        def send(self, n):
            self.sent.append(n)

    capture = Capture()
    assert send_reminders(store, index, capture, today=date(2026, 4, 12)) == 1
    assert "5 deadlines coming up" in capture.sent[0].subject


def test_reminders_can_be_switched_off(store, index):
    store.save_subscription(make_sub(reminders=[]))
    index.upsert([make_item(1, deadlines=["2026-04-15"])])
    assert due_reminders(store.list_subscriptions(), index, date(2026, 4, 12)) == []
