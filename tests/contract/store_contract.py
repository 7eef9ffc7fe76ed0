"""What every Store backend guarantees."""

from __future__ import annotations

import dataclasses

import pytest

from euradar.core.models import Change
from euradar.core.ports import SourceState
from euradar.core.subscriptions import Subscription
from tests.contract.sample_items import sample_items


class StoreContract:
    @pytest.fixture
    def store(self):  # pragma: no cover - overridden
        raise NotImplementedError

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
