"""Shared pieces of the always-on drills: both backend pairs, the environment a subprocess or
an in-process runtime gets, raw events to publish, and exact counts to assert on."""

from __future__ import annotations

import json
import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from euradar.core.codec import dumps_event
from euradar.core.models import Event, Item
from euradar.core.settings import Settings, from_env
from euradar.core.topics import ALL_TOPICS, DEAD_LETTER, ITEMS_RAW
from euradar.runtime import Runtime

NO_SOURCES = """# synthetic: one disabled source, so the scheduler crawls nothing in these drills
[sources.off]
kind = "news"
route = "feed"
url = "http://127.0.0.1:9/feed.xml"
enabled = false
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_item(run: str, n: int) -> Item:
    """An untagged call (the tagger gives it T3: hydrogen, wind power), unique to this run."""
    return Item(id=f"ao:{run}:{n}", kind="call", source="drill",
                url=f"https://drill.example.test/{run}/item-{n}",
                title=f"Hydrogen valley pilot {n}",
                text="Renewable hydrogen production and wind power in Arctic conditions.",
                lang="en", programme="HORIZON", deadlines=["2030-06-30"], status="open",
                first_seen="2026-05-01T08:00:00+00:00")


def raw_event(item: Item) -> bytes:
    return dumps_event(Event(type="new", item=item))


@dataclass
class Pair:
    """One backend pair (embedded: SQLite bus and index; distributed: Kafka and Elasticsearch)
    in a private namespace, with the environment the CLI would read."""

    name: str
    tmp: Path
    env: dict[str, str]
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def settings(self, **overrides: object) -> Settings:
        return from_env(self.env, **overrides)

    def runtime(self, **overrides: object) -> Runtime:
        return Runtime.open(self.settings(**overrides))

    def publish(self, rt: Runtime, values: list[tuple[str, bytes]], topic: str = ITEMS_RAW) -> None:
        for key, value in values:
            rt.bus.publish(topic, key, value)
        rt.bus.flush()

    def dead(self, rt: Runtime) -> list[dict]:
        return [json.loads(m.value) for m in rt.bus.read_topic(DEAD_LETTER, 100_000)]  # type: ignore[attr-defined]

    def outbox_items(self) -> Counter:
        """item number -> in how many mails it was alerted (to anyone)."""
        seen: Counter = Counter()
        pattern = re.compile(rf"https://drill\.example\.test/{self.run}/item-(\d+)\b")
        for path in sorted((self.tmp / "outbox").glob("*.eml")):
            msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            body = msg.get_body(preferencelist=("plain",))
            text = body.get_content() if body else ""
            for n in set(pattern.findall(text)):
                seen[int(n)] += 1
        return seen


def make_pair(request, tmp_path: Path, name: str) -> Iterator[Pair]:
    sources = tmp_path / "sources.toml"
    sources.write_text(NO_SOURCES, encoding="utf-8")
    run = uuid.uuid4().hex[:8]
    env = {"EURADAR_DATA_DIR": str(tmp_path), "EURADAR_STORE": f"sqlite:///{tmp_path}/store.db",
           "EURADAR_NOTIFIER": f"outbox:///{tmp_path}/outbox", "EURADAR_SOURCES_FILE": str(sources),
           "EURADAR_ALERT_BATCH_SECONDS": "0", "EURADAR_RESTART_BACKOFF_MAX": "2",
           "EURADAR_WEB_PORT": str(free_port()), "EURADAR_STALL_SECONDS": "300"}
    if name == "embedded":
        env |= {"EURADAR_BUS": f"sqlite:///{tmp_path}/bus.db",
                "EURADAR_INDEX": f"sqlite:///{tmp_path}/index.db"}
    else:
        kafka = request.getfixturevalue("kafka_bootstrap")
        es = request.getfixturevalue("es_url")
        env |= {"EURADAR_BUS": f"kafka://{kafka}?topic_prefix=ao{run}.&partitions=2",
                "EURADAR_INDEX": f"{es}?prefix=test-ao-{run}"}
    pair = Pair(name, tmp_path, env, run)
    yield pair
    if name != "embedded":
        from euradar.infra.bus.kafka import KafkaBus
        from euradar.infra.index.elasticsearch import ElasticsearchIndex

        bus = KafkaBus(env["EURADAR_BUS"])
        index = ElasticsearchIndex(env["EURADAR_INDEX"])
        try:
            bus.delete_topics(list(ALL_TOPICS))
            index.drop()
        except Exception:  # clean-up is best effort; a stopped service is the test's failure
            pass
        finally:
            bus.close()
            index.close()


PAIRS = [pytest.param("embedded"), pytest.param("kafka-es", marks=pytest.mark.services)]


class Background:
    """Run ``target`` in a thread (a runtime's service loop) and keep what it returned."""

    def __init__(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        self.result: object = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = target(*args)
            except BaseException as exc:  # reported by the test
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the service did not stop in time"
        assert self.error is None, repr(self.error)
