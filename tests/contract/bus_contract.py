"""What every Bus backend guarantees. Subclass with a ``bus`` fixture; run unchanged on all."""

from __future__ import annotations

import uuid

import pytest


def _topic() -> str:
    return f"contract.{uuid.uuid4().hex[:8]}"


def _drain(consumer, want: int, rounds: int = 40) -> list:
    got: list = []
    for _ in range(rounds):
        got += consumer.poll(100, timeout=0.5)
        if len(got) >= want:
            break
    return got


class BusContract:
    @pytest.fixture
    def bus(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def test_bus_delivers_in_order_per_key(self, bus):
        topic = _topic()
        for i in range(10):
            bus.publish(topic, f"k{i % 2}", f"v{i}".encode())
        bus.flush()
        c = bus.consumer([topic], group=f"g-{uuid.uuid4().hex[:6]}")
        got = _drain(c, 10)
        assert len(got) == 10
        for key in ("k0", "k1"):
            values = [m.value.decode() for m in got if m.key == key]
            assert values == sorted(values, key=lambda v: int(v[1:]))
        assert all(m.topic == topic for m in got)
        c.close()

    def test_bus_committed_records_are_not_redelivered(self, bus):
        topic, group = _topic(), f"g-{uuid.uuid4().hex[:6]}"
        for i in range(3):
            bus.publish(topic, "k", f"{i}".encode())
        bus.flush()
        c = bus.consumer([topic], group=group)
        assert len(_drain(c, 3)) == 3
        c.commit()
        c.close()
        bus.publish(topic, "k", b"3")
        bus.flush()
        c2 = bus.consumer([topic], group=group)
        got = _drain(c2, 1)
        assert [m.value for m in got] == [b"3"]
        c2.close()

    def test_bus_uncommitted_records_come_back_after_restart(self, bus):
        topic, group = _topic(), f"g-{uuid.uuid4().hex[:6]}"
        for i in range(4):
            bus.publish(topic, "k", f"{i}".encode())
        bus.flush()
        c = bus.consumer([topic], group=group)
        assert len(_drain(c, 4)) == 4
        c.close()  # "crash": no commit
        c2 = bus.consumer([topic], group=group)
        assert [m.value for m in _drain(c2, 4)] == [b"0", b"1", b"2", b"3"]
        c2.close()

    def test_bus_rewind_returns_to_committed_position(self, bus):
        topic, group = _topic(), f"g-{uuid.uuid4().hex[:6]}"
        for i in range(4):
            bus.publish(topic, "k", f"{i}".encode())
        bus.flush()
        c = bus.consumer([topic], group=group)
        first = _drain(c, 4)
        assert len(first) == 4
        c.rewind()
        again = _drain(c, 4)
        assert [m.value for m in again] == [m.value for m in first]
        c.close()

    def test_bus_groups_are_independent(self, bus):
        topic = _topic()
        bus.publish(topic, "k", b"x")
        bus.flush()
        a = bus.consumer([topic], group=f"a-{uuid.uuid4().hex[:6]}")
        b = bus.consumer([topic], group=f"b-{uuid.uuid4().hex[:6]}")
        assert [m.value for m in _drain(a, 1)] == [b"x"]
        a.commit()
        assert [m.value for m in _drain(b, 1)] == [b"x"]
        a.close()
        b.close()

    def test_bus_poll_on_empty_topic_returns_nothing(self, bus):
        topic = _topic()
        c = bus.consumer([topic], group=f"g-{uuid.uuid4().hex[:6]}")
        assert c.poll(10, timeout=0.2) == []
        c.close()

    def test_bus_keeps_bytes_exactly(self, bus):
        topic = _topic()
        payload = "Määräaika 12.3.2026 – Sápmi ✓".encode() + bytes(range(0, 32))
        bus.publish(topic, "ft:HORIZON-CL6-2026-01-CIRCBIO-07", payload)
        bus.flush()
        c = bus.consumer([topic], group=f"g-{uuid.uuid4().hex[:6]}")
        got = _drain(c, 1)
        assert got[0].value == payload and got[0].key == "ft:HORIZON-CL6-2026-01-CIRCBIO-07"
        c.close()

    def test_bus_reports_group_lag_per_partition_and_answers_ping(self, bus):
        """Health reads lag from the bus, not from the role's consumer (another thread or
        another process may ask): records after the group's committed position."""
        topic, group = _topic(), f"g-{uuid.uuid4().hex[:6]}"
        for i in range(7):
            bus.publish(topic, f"k{i}", b"v")
        bus.flush()
        bus.ping()
        assert sum(bus.group_lag(group, [topic]).values()) == 7  # never committed: all of it
        c = bus.consumer([topic], group=group)
        got = _drain(c, 7)
        assert len(got) == 7
        c.commit()
        lag = bus.group_lag(group, [topic])
        assert lag and set(lag.values()) == {0} and all(t == topic for t, _ in lag)
        bus.publish(topic, "k-late", b"v")
        bus.flush()
        assert sum(bus.group_lag(group, [topic]).values()) == 1
        c.close()
