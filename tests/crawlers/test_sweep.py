"""Calls whose dates have passed are moved on (open -> closed) although no crawl lists them."""

from __future__ import annotations

import dataclasses
from datetime import date

from euradar.alerts.selection import collect_alerts
from euradar.core.subscriptions import Subscription
from euradar.crawlers.publish import Publisher
from euradar.crawlers.sweep import refresh_statuses
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.store.sqlite import SqliteStore
from tests.contract.sample_items import sample_items


def test_expired_and_opened_calls_get_one_status_change_each():
    bus, store = MemoryBus(), SqliteStore("memory://")
    circ, _, _, _, ted = sample_items()
    publisher = Publisher(bus, store)
    publisher.publish(dataclasses.replace(circ, status="open", opening_date="2026-05-06",
                                          deadlines=["2026-09-17"]))
    publisher.publish(dataclasses.replace(ted, status="forthcoming", opening_date="2026-12-01",
                                          deadlines=["2027-01-15"]))

    events = refresh_statuses(bus, store, today=date(2026, 12, 2))
    changes = {e.item.id: [c.text for c in e.changes] for e in events}
    assert changes == {circ.id: ["status open -> closed"], ted.id: ["status forthcoming -> open"]}
    assert store.last_item(circ.id).version == 2 and store.last_item(circ.id).status == "closed"
    assert [h["version"] for h in store.item_history(circ.id)] == [1, 2]

    assert refresh_statuses(bus, store, today=date(2026, 12, 2)) == []  # nothing twice


def test_a_call_closing_at_its_deadline_sends_no_alert_but_opening_does():
    bus, store = MemoryBus(), SqliteStore("memory://")
    circ, _, _, _, ted = sample_items()
    Publisher(bus, store).publish(dataclasses.replace(circ, status="open", deadlines=["2026-09-17"]))
    Publisher(bus, store).publish(dataclasses.replace(ted, status="forthcoming",
                                                      opening_date="2026-12-01",
                                                      deadlines=["2027-01-15"]))
    events = refresh_statuses(bus, store, today=date(2026, 12, 2))
    sub = Subscription.from_dict({"id": "all", "email": "eu@kemi.fi"})
    alerts = collect_alerts(events, [sub], today=date(2026, 12, 2))
    assert [(a.item.id, [c.text for c in a.changes]) for a in alerts] == [
        (ted.id, ["status forthcoming -> open"])]
