"""What every Store backend guarantees."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from euradar.core.models import Change
from euradar.core.ports import SourceState
from euradar.core.subscriptions import Subscription
from tests.contract.sample_items import sample_items


class StoreContract:
    """Fixtures a backend provides: ``store``; ``store_url`` (None for a store that lives in
    one process); ``store_twin_factory`` (opens another connection to the same store, as a
    second alerter process would); ``store_twin`` is one of those."""

    @pytest.fixture
    def store(self):  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def store_url(self):
        return None

    @pytest.fixture
    def store_twin_factory(self, store):
        return lambda: store

    @pytest.fixture
    def store_twin(self, store_twin_factory):
        return store_twin_factory()

    def test_store_subscriptions_round_trip(self, store):
        sub = Subscription.from_dict({"id": "kemi", "name": "Kemi", "email": "eu@kemi.fi",
                                      "lang": "fi", "themes": ["T1", "T3"],
                                      "keywords": 'vety OR "wind power"'})
        store.save_subscription(sub)
        assert store.get_subscription("kemi") == sub
        store.save_subscription(dataclasses.replace(sub, themes=["T4"]))
        assert store.get_subscription("kemi").themes == ["T4"]
        assert [s.id for s in store.list_subscriptions()] == ["kemi"]
        assert store.delete_subscription("kemi") and store.get_subscription("kemi") is None
        assert not store.delete_subscription("kemi")

    def test_store_item_versions_and_history(self, store):
        item = sample_items()[0].with_hash()
        assert store.last_item(item.id) is None
        store.record_item(item, [])
        v2 = dataclasses.replace(item, version=2, deadlines=["2026-10-01"]).with_hash()
        change = Change("deadline", "2026-09-17", "2026-10-01", "deadline 17.09.2026 -> 01.10.2026")
        store.record_item(v2, [change])
        store.record_item(v2, [change])  # idempotent
        store.record_item(item, [])  # an older version never overwrites the newer
        assert store.last_item(item.id).version == 2
        history = store.item_history(item.id)
        assert [h["version"] for h in history] == [1, 2]
        assert history[1]["changes"][0]["text"] == "deadline 17.09.2026 -> 01.10.2026"

    def test_store_source_state_and_validators(self, store):
        assert store.source_state("ted_fi") == SourceState(name="ted_fi")
        store.save_source_state(SourceState(name="ted_fi", error_count=2, last_error="boom"))
        assert store.source_state("ted_fi").error_count == 2
        assert [s.name for s in store.list_source_states()] == ["ted_fi"]
        assert store.validators("http://x/feed") == (None, None)
        store.save_validators("http://x/feed", '"abc"', "Mon, 27 Jul 2026 10:00:00 GMT")
        assert store.validators("http://x/feed") == ('"abc"', "Mon, 27 Jul 2026 10:00:00 GMT")

    def test_store_alert_ledger_gives_one_alert_per_version(self, store):
        key = ("kemi", "ft:X", 1, "new")
        assert store.claim_alert(*key)
        store.mark_alert_sent(*key)
        assert not store.claim_alert(*key)
        assert store.claim_alert("kemi", "ft:X", 2, "changed")

    def test_store_unsent_claim_is_claimable_again(self, store):
        key = ("kemi", "ft:Y", 1, "new")
        assert store.claim_alert(*key)
        # the consumer died before sending: the alert must not be lost
        assert store.claim_alert(*key)
        store.release_alert(*key)
        assert store.claim_alert(*key)

    def test_store_items_with_status_walks_pages_while_versions_are_recorded(self, store,
                                                                             monkeypatch):
        # Pages of 3 over 8 open items: every item once, in id order, even though each one
        # read is closed (a new version recorded) before the next page is asked for.
        from euradar.infra.store import schema
        for module in ("euradar.infra.store.sqlite", "euradar.infra.store.postgres"):
            monkeypatch.setattr(f"{module}.STATUS_PAGE", 3, raising=False)
        assert schema.STATUS_PAGE >= 100  # the real page size is not what this test uses
        base = sample_items()[0]
        items = [dataclasses.replace(base, id=f"page:{n:02d}", status="open",
                                     fetched_at="2026-05-10T08:00:00+00:00").with_hash()
                 for n in range(8)]
        for item in items:
            store.record_item(item, [])
        seen = []
        for item in store.items_with_status(["open"]):
            seen.append(item.id)
            store.record_item(dataclasses.replace(item, version=2, status="closed").with_hash(),
                              [Change("status", "open", "closed", "status open -> closed")])
        assert seen == [i.id for i in items]
        assert list(store.items_with_status(["open"])) == []

    def test_store_items_with_status_and_changed_versions(self, store):
        items = [dataclasses.replace(i, fetched_at="2026-05-10T08:00:00+00:00").with_hash()
                 for i in sample_items()]
        for item in items:
            store.record_item(item, [])
        open_ids = sorted(i.id for i in items if i.status == "open")
        assert [i.id for i in store.items_with_status(["open"])] == open_ids
        both = sorted(i.id for i in items if i.status in ("open", "closed"))
        assert [i.id for i in store.items_with_status(["open", "closed"])] == both
        assert list(store.items_with_status(["forthcoming"])) == []
        closed = dataclasses.replace(items[0], version=2, status="closed",
                                     fetched_at="2026-05-12T08:00:00+00:00").with_hash()
        store.record_item(closed, [Change("status", "open", "closed", "status open -> closed")])
        assert items[0].id not in [i.id for i in store.items_with_status(["open"])]
        changed = store.changed_versions("2026-05-11", "2026-05-13")
        assert [(c["id"], c["version"]) for c in changed] == [(items[0].id, 2)]
        assert changed[0]["changes"][0]["field"] == "status"
        assert store.changed_versions("2026-05-13", "2026-05-14") == []

    def test_store_text_keeps_every_character(self, store):
        # Crawled text is hostile: NUL, lone surrogates escaped, every script must survive.
        item = dataclasses.replace(sample_items()[0], title="Nul\x00byte ja äö 北 \u2028",
                                   text="a\x00b <script>alert(1)</script> ' \" \\").with_hash()
        store.record_item(item, [])
        got = store.last_item(item.id)
        assert (got.title, got.text) == (item.title, item.text)

    def test_store_enqueue_claims_and_parks_once(self, store):
        key = ("kemi", "ft:P", 1, "new")
        data = {"kind": "new", "note": "ä\x00"}
        assert store.enqueue_alert(key, "email", "eu@kemi.fi", data, "2026-05-01T08:00:00+00:00")
        # a redelivered bus batch parks nothing new
        assert not store.enqueue_alert(key, "email", "eu@kemi.fi", data, "2026-05-01T08:00:05+00:00")
        pending = store.pending_alerts("email", "eu@kemi.fi")
        assert [(p["sub_id"], p["item_id"], p["version"], p["kind"]) for p in pending] == [key]
        assert pending[0]["data"] == data and pending[0]["attempts"] == 0
        assert [r["sent_at"] for r in store.alert_log("kemi")] == [None]
        store.complete_alerts([key])
        assert store.pending_alerts() == []
        assert store.alert_log("kemi")[0]["sent_at"] is not None
        # sent: neither a redelivery nor a late claim parks or claims it again
        assert not store.enqueue_alert(key, "email", "eu@kemi.fi", data, "2026-05-01T09:00:00+00:00")
        assert not store.claim_alert(*key)
        assert store.pending_alerts() == []

    def test_store_enqueue_alerts_parks_a_batch_once(self, store):
        from euradar.core.ports import PendingAlert

        t = "2026-05-01T08:00:00+00:00"
        sent = ("kemi", "ft:S", 1, "new")
        store.enqueue_alert(sent, "email", "eu@kemi.fi", {}, t)
        store.complete_alerts([sent])
        batch = [PendingAlert(("kemi", f"ft:{n}", 1, "new"), "email", "eu@kemi.fi", {"n": n}, t)
                 for n in range(5)]
        # an already sent key and a key twice in the same batch are parked never / once
        batch += [PendingAlert(sent, "email", "eu@kemi.fi", {}, t), batch[0]]
        assert store.enqueue_alerts(batch) == 5
        assert store.enqueue_alerts(batch) == 0  # the whole bus batch redelivered
        assert store.enqueue_alerts([]) == 0
        rows = store.pending_alerts("email", "eu@kemi.fi")
        assert sorted(r["data"]["n"] for r in rows) == [0, 1, 2, 3, 4]
        assert len(store.alert_log("kemi")) == 6

    def test_store_record_items_in_one_go(self, store):
        items = [i.with_hash() for i in sample_items()]
        v2 = dataclasses.replace(items[0], version=2, title="Renamed").with_hash()
        store.record_items([(i, []) for i in items] + [(v2, [Change("title", "a", "b", "t")])])
        store.record_items([(items[0], [])])  # older: no effect on the current version
        assert store.last_item(items[0].id).title == "Renamed"
        assert [h["version"] for h in store.item_history(items[0].id)] == [1, 2]
        assert all(store.last_item(i.id) is not None for i in items)
        store.record_items([])

    def test_store_dropped_alerts_are_released(self, store):
        key = ("kemi", "ft:D", 3, "changed")
        assert store.enqueue_alert(key, "webhook", "https://hooks.example.test/x", {},
                                   "2026-05-01T08:00:00+00:00")
        store.drop_alerts([key])
        assert store.pending_alerts() == [] and store.alert_log("kemi") == []
        assert store.enqueue_alert(key, "webhook", "https://hooks.example.test/x", {},
                                   "2026-05-01T08:01:00+00:00")

    def test_store_batching_window_and_backoff(self, store):
        t0, t1, t2 = "2026-05-01T08:00:00+00:00", "2026-05-01T08:00:30+00:00", "2026-05-01T08:01:00+00:00"
        store.enqueue_alert(("a", "ft:1", 1, "new"), "email", "a@x.fi", {}, t0)
        store.enqueue_alert(("a", "ft:2", 1, "new"), "email", "a@x.fi", {}, t1)
        store.enqueue_alert(("b", "ft:1", 1, "new"), "email", "b@x.fi", {}, t1)
        # due = the oldest parked alert of the recipient is at or before the cutoff
        assert store.due_alert_addresses(t0, t2) == [("email", "a@x.fi")]
        assert store.due_alert_addresses(t1, t2) == [("email", "a@x.fi"), ("email", "b@x.fi")]
        store.defer_alerts("email", "a@x.fi", "2026-05-01T08:05:00+00:00", "421 try later")
        assert store.due_alert_addresses(t1, t2) == [("email", "b@x.fi")]
        assert store.due_alert_addresses(t1, "2026-05-01T08:05:00+00:00")[0] == ("email", "a@x.fi")
        rows = store.pending_alerts("email", "a@x.fi")
        assert [r["attempts"] for r in rows] == [1, 1] and rows[0]["last_error"] == "421 try later"
        assert [r["item_id"] for r in rows] == ["ft:1", "ft:2"]  # in the order they were queued

    def test_store_digest_log_one_digest_per_period(self, store):
        assert store.claim_digest("eu@kemi.fi", "2026-W19")
        assert store.claim_digest("eu@kemi.fi", "2026-W19")  # unsent claim: claimable again
        store.release_digest("eu@kemi.fi", "2026-W19")
        assert store.digest_log() == []
        assert store.claim_digest("eu@kemi.fi", "2026-W19")
        store.mark_digest_sent("eu@kemi.fi", "2026-W19", 7)
        assert not store.claim_digest("eu@kemi.fi", "2026-W19")
        assert store.claim_digest("eu@kemi.fi", "2026-W20")
        log = store.digest_log("eu@kemi.fi")
        assert [(r["period"], r["items"]) for r in log] == [("2026-W19", 7), ("2026-W20", None)]

    def test_store_recipient_lock_has_one_holder(self, store, store_twin):
        with store.recipient_lock("email", "a@x.fi") as first:
            assert first
            with store.recipient_lock("email", "a@x.fi") as again:
                assert not again  # not re-entrant: a second flush in this process must skip
            with store_twin.recipient_lock("email", "a@x.fi") as other:
                assert not other  # another connection (another alerter) must skip too
            with store_twin.recipient_lock("email", "b@x.fi") as different:
                assert different  # other recipients are not blocked
        with store_twin.recipient_lock("email", "a@x.fi") as later:
            assert later

    def test_store_recipient_lock_dies_with_its_process(self, store, store_url):
        """A SIGKILLed holder leaves nothing locked: the next alerter flushes at once."""
        if store_url is None:
            pytest.skip("an in-memory store lives in one process")
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, store_url], stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            assert holder.stdout.readline().strip() == "held"
            with store.recipient_lock("email", "held@x.fi") as mine:
                assert not mine
            holder.kill()
            holder.wait(timeout=10)
            deadline = time.monotonic() + 10  # the server notices the dead connection
            while True:
                with store.recipient_lock("email", "held@x.fi") as mine:
                    if mine or time.monotonic() > deadline:
                        break
                time.sleep(0.1)
            assert mine
        finally:
            holder.kill()
            holder.wait(timeout=10)

    def test_store_concurrent_enqueue_and_complete_never_reparks(self, store_twin_factory):
        """Alerter A completes alerts while alerter B (a redelivery after a rebalance) claims
        the same keys: every key ends sent exactly once, none is left parked."""
        keys = [("s", f"ft:{n}", 1, "new") for n in range(60)]
        a, b = store_twin_factory(), store_twin_factory()
        for key in keys:
            a.enqueue_alert(key, "email", "a@x.fi", {}, "2026-05-01T08:00:00+00:00")
        reparked: list = []

        def redeliver():
            for key in keys:
                if b.enqueue_alert(key, "email", "a@x.fi", {}, "2026-05-01T08:00:01+00:00"):
                    reparked.append(key)

        thread = threading.Thread(target=redeliver)
        thread.start()
        for key in keys:
            a.complete_alerts([key])
        thread.join(timeout=60)
        assert reparked == []
        assert a.pending_alerts() == []
        assert all(r["sent_at"] for r in a.alert_log("s")) and len(a.alert_log("s")) == 60

    def test_store_schema_is_migrated_and_recorded(self, store, store_url):
        if store_url is None:
            pytest.skip("an in-memory store has no second connection to ask")
        report = type(store).migrate(store_url, apply=False)
        assert report.pending == [] and report.before == report.latest >= 1
        again = type(store).migrate(store_url)  # idempotent
        assert again.applied == [] and again.after == again.latest


REPO = Path(__file__).resolve().parents[2]
# A child process that takes a recipient lock and keeps it until it is killed.
_HOLD_LOCK = """
import sys, time
from euradar.core.registry import open_store
store = open_store(sys.argv[1])
with store.recipient_lock("email", "held@x.fi") as mine:
    print("held" if mine else "not held", flush=True)
    time.sleep(600)
"""
