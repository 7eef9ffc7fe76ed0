"""The consumer loop: commit after the side effect, dead-letter poison, retry transient faults."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, datetime

import pytest

from euradar.consumers.alerter import AlerterHandler
from euradar.consumers.indexer import IndexerHandler
from euradar.consumers.runner import Backoff, run_consumer
from euradar.core.codec import dumps_event
from euradar.core.errors import IndexUnavailable
from euradar.core.models import Event
from euradar.core.subscriptions import Subscription
from euradar.core.topics import DEAD_LETTER, ITEMS_TAGGED
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.bus.sqlite import SqliteBus
from euradar.infra.index.embedded import EmbeddedIndex
from euradar.infra.notify.email import SmtpNotifier
from euradar.infra.store.sqlite import SqliteStore
from tests.contract.sample_items import sample_items
from tests.support.smtp import SmtpServer, body_text


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


class Crash(BaseException):
    """Stands for SIGKILL at one exact point; BaseException so no handler swallows it."""


class CrashOnFirstCommit:
    """Wraps a real consumer: the first commit dies before reaching the bus."""

    def __init__(self, inner):
        self.inner, self.crashed = inner, False

    def poll(self, *a, **kw):
        return self.inner.poll(*a, **kw)

    def rewind(self):
        self.inner.rewind()

    def close(self):
        self.inner.close()

    def commit(self):
        if not self.crashed:
            self.crashed = True
            raise Crash()
        self.inner.commit()


def _publish_tagged(bus, items):
    for item in items:
        bus.publish(ITEMS_TAGGED, item.id, dumps_event(Event("new", item)))


def test_alerter_killed_between_send_and_commit_sends_no_duplicate(tmp_path, smtp):
    bus = SqliteBus(f"sqlite:///{tmp_path}/bus.db")
    store = SqliteStore(f"sqlite:///{tmp_path}/store.db")
    store.save_subscription(Subscription.from_dict({"id": "all", "email": "eu@kemi.fi"}))
    items = sample_items()
    _publish_tagged(bus, items)
    notifier = SmtpNotifier(smtp.url, "euradar@test", allow_plaintext=True)

    day = datetime(2026, 8, 3, 8, 0, tzinfo=UTC)  # after the sample items were first seen
    consumer = CrashOnFirstCommit(bus.consumer([ITEMS_TAGGED], "alerter"))
    with pytest.raises(Crash):
        run_consumer(consumer, bus, "alerter", AlerterHandler(store, notifier, clock=lambda: day),
                     until_idle=True)
    assert len(smtp.wait_for(1)) == 1  # the side effect happened, the commit did not

    # restart: the whole batch is redelivered, the ledger says it was sent
    restarted = bus.consumer([ITEMS_TAGGED], "alerter")
    stats = run_consumer(restarted, bus, "alerter", AlerterHandler(store, notifier, clock=lambda: day),
                         until_idle=True)
    assert stats.records == len(items)
    assert len(smtp.messages) == 1
    text = body_text(smtp.messages[0])
    closed = [i for i in items if i.status == "closed"]
    assert closed, "the sample holds a call that was closed when first seen"
    for item in items:
        # nothing lost: every item is in the one mail, except the one closed when first seen
        assert (item.title in text) is (item not in closed)
    assert bus.consumer([ITEMS_TAGGED], "alerter").poll(10, 0.1) == []


def test_poison_record_is_dead_lettered_and_the_rest_processed(tmp_path):
    bus = SqliteBus(f"sqlite:///{tmp_path}/bus.db")
    index = EmbeddedIndex("memory://")
    good = sample_items()[:2]
    _publish_tagged(bus, good[:1])
    bus.publish(ITEMS_TAGGED, "broken", b'{"schema": "euradar.event/1", "type": "new", "item": {"id"')
    _publish_tagged(bus, good[1:])
    stats = run_consumer(bus.consumer([ITEMS_TAGGED], "indexer"), bus, "indexer",
                         IndexerHandler(index, bus), until_idle=True)
    assert stats.dead == 1 and index.count() == 2
    dead = [json.loads(m.value) for m in bus.read_topic(DEAD_LETTER)]
    assert dead[0]["stage"] == "indexer" and dead[0]["key"] == "broken"
    assert "JSON" in dead[0]["reason"] and dead[0]["original"].startswith('{"schema"')


class FlakyIndex:
    """The real index behind a switch that makes it refuse writes (an ES outage)."""

    def __init__(self, inner, failures):
        self.inner, self.failures = inner, failures

    def upsert(self, items):
        if self.failures:
            self.failures -= 1
            raise IndexUnavailable("HTTP 503 from the index")
        return self.inner.upsert(items)


def test_transient_failure_backs_off_without_commit_then_resumes(tmp_path):
    bus = SqliteBus(f"sqlite:///{tmp_path}/bus.db")
    index = EmbeddedIndex("memory://")
    _publish_tagged(bus, sample_items())
    stats = run_consumer(bus.consumer([ITEMS_TAGGED], "indexer"), bus, "indexer",
                         IndexerHandler(FlakyIndex(index, failures=3), bus), until_idle=True,
                         backoff=Backoff(base=0.01))
    assert stats.retries == 3 and index.count() == 5


def test_indexer_keeps_the_latest_version_of_a_batch():
    index = EmbeddedIndex("memory://")
    item = sample_items()[0]
    v2 = dataclasses.replace(item, version=2, title="Renamed topic")
    from euradar.core.ports import Message

    IndexerHandler(index, MemoryBus())([(Message(ITEMS_TAGGED, item.id, b"", 1), Event("new", item)),
                           (Message(ITEMS_TAGGED, item.id, b"", 2), Event("changed", v2))])
    assert index.get(item.id).title == "Renamed topic"


def test_stop_event_ends_a_running_consumer(tmp_path):
    bus = SqliteBus(f"sqlite:///{tmp_path}/bus.db")
    stop = threading.Event()
    t = threading.Thread(target=run_consumer, args=(bus.consumer([ITEMS_TAGGED], "x"), bus, "x",
                                                    lambda events: None), kwargs={"stop": stop})
    t.start()
    stop.set()
    t.join(timeout=5)
    assert not t.is_alive()


class RefusingIndex:
    """The real index, except that it refuses one item for good (as ES does on a mapping error)."""

    def __init__(self, inner, refuse_id):
        self.inner, self.refuse_id = inner, refuse_id

    def upsert(self, items):
        from euradar.core.errors import RefusedItems

        self.inner.upsert([i for i in items if i.id != self.refuse_id])
        if any(i.id == self.refuse_id for i in items):
            raise RefusedItems("refused", {self.refuse_id: "mapper_parsing_exception: budget"})
        return len(items)


def test_items_refused_for_good_are_dead_lettered_and_the_batch_commits(tmp_path):
    bus = SqliteBus(f"sqlite:///{tmp_path}/bus.db")
    index = EmbeddedIndex("memory://")
    items = sample_items()
    _publish_tagged(bus, items)
    stats = run_consumer(bus.consumer([ITEMS_TAGGED], "indexer"), bus, "indexer",
                         IndexerHandler(RefusingIndex(index, items[1].id), bus), until_idle=True)
    assert stats.records == 5 and stats.retries == 0 and index.count() == 4
    dead = [json.loads(m.value) for m in bus.read_topic(DEAD_LETTER)]
    assert [d["key"] for d in dead] == [items[1].id]
    assert "mapper_parsing_exception" in dead[0]["reason"]
    assert bus.consumer([ITEMS_TAGGED], "indexer").poll(10, 0.1) == []
