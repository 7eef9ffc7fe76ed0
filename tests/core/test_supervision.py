"""Supervised roles: a crash restarts the role with backoff and is counted; a record that
fails every time is dead-lettered with stage, error and traceback after N attempts, and the
role goes on with the rest; nothing is committed that was not handled."""

from __future__ import annotations

import json
import threading
import time

from prometheus_client import REGISTRY

from euradar.consumers.runner import run_consumer
from euradar.core.supervisor import RecordFailures, Supervisor
from euradar.core.topics import DEAD_LETTER, ITEMS_RAW
from euradar.infra.bus.memory import MemoryBus
from tests.services.support import event_bytes, tagged_item, wait_until


def restarts(task: str) -> float:
    return REGISTRY.get_sample_value("euradar_restarts_total", {"task": task}) or 0.0


def test_supervisor_restarts_with_backoff_and_counts():
    stop = threading.Event()
    calls: list[float] = []

    def flaky(state):
        calls.append(time.monotonic())
        if len(calls) <= 3:
            raise RuntimeError(f"boom {len(calls)}")
        state.beat()
        stop.wait()

    before = restarts("flaky")
    sup = Supervisor(stop, backoff_base=0.05, backoff_max=1.0)
    state = sup.spawn("flaky", flaky)
    assert wait_until(lambda: len(calls) == 4, timeout=10)
    assert state.restarts == 3 and state.status == "running"
    assert state.last_error == "RuntimeError: boom 3"
    assert restarts("flaky") - before == 3
    gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2  # exponential backoff
    stop.set()
    assert sup.join(5) == [] and state.status == "stopped"


def _publish(bus, run: str, n: int) -> None:
    for i in range(n):
        bus.publish(ITEMS_RAW, f"svc:{run}:{i}", event_bytes(tagged_item(run, i)))


def test_record_that_always_fails_is_dead_lettered_after_n_attempts_and_the_rest_goes_on():
    bus = MemoryBus()
    _publish(bus, "r1", 10)
    handled: list[str] = []

    def handle(events):
        for _msg, event in events:
            if event.item.id == "svc:r1:4":
                raise IndexError("string index out of range")
        handled.extend(e.item.id for _, e in events)

    failures = RecordFailures()
    stop = threading.Event()
    sup = Supervisor(stop, backoff_base=0.01, backoff_max=0.05)

    def role(state):
        consumer = bus.consumer([ITEMS_RAW], "tagger")
        try:
            run_consumer(consumer, bus, "tagger", handle, stop=stop, batch_size=4,
                         poll_timeout=0.05, failures=failures, max_attempts=3, state=state)
        finally:
            consumer.close()

    state = sup.spawn("tagger-test", role)
    assert wait_until(lambda: bus.topic_size(DEAD_LETTER) == 1 and len(set(handled)) == 9, 10)
    stop.set()
    sup.join(5)
    assert sorted(set(handled)) == sorted(f"svc:r1:{i}" for i in range(10) if i != 4)
    assert state.restarts == 2  # attempts 1 and 2 restart the role; the 3rd dead-letters
    dead = json.loads(bus.read_topic(DEAD_LETTER)[0].value)
    assert dead["stage"] == "tagger" and dead["key"] == "svc:r1:4"
    assert dead["error"] == "IndexError" and dead["attempts"] == 3
    assert "failed 3 times" in dead["reason"] and "string index out of range" in dead["reason"]
    assert "IndexError" in dead["traceback"] and "in handle" in dead["traceback"]
    assert bus.group_lag("tagger", [ITEMS_RAW]) == {(ITEMS_RAW, 0): 0}  # all committed


def test_a_passing_error_loses_no_record():
    bus = MemoryBus()
    _publish(bus, "r2", 6)
    handled: list[str] = []
    fail_once = {"armed": True}

    def handle(events):
        if fail_once["armed"]:
            fail_once["armed"] = False
            raise RuntimeError("injected")
        handled.extend(e.item.id for _, e in events)

    stop = threading.Event()
    failures = RecordFailures()

    def role(state):
        consumer = bus.consumer([ITEMS_RAW], "indexer")
        run_consumer(consumer, bus, "indexer", handle, stop=stop, batch_size=3,
                     poll_timeout=0.05, failures=failures, state=state)

    sup = Supervisor(stop, backoff_base=0.01)
    sup.spawn("indexer-test", role)
    assert wait_until(lambda: len(handled) == 6, 10)
    stop.set()
    sup.join(5)
    assert sorted(handled) == sorted(f"svc:r2:{i}" for i in range(6))
    assert bus.topic_size(DEAD_LETTER) == 0
