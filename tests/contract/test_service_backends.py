"""The unchanged contract suites on the distributed backends: real Kafka and Elasticsearch.

Run: ``infra/services.sh start`` then
``EURADAR_TEST_KAFKA=127.0.0.1:9092 EURADAR_TEST_ES_URL=http://127.0.0.1:9200 pytest -m services``.
Each test gets a fresh topic namespace / index and removes it afterwards.
"""

from __future__ import annotations

import uuid

import pytest

from tests.contract.bus_contract import BusContract
from tests.contract.index_contract import IndexContract

pytestmark = pytest.mark.services


class TestKafkaBus(BusContract):
    @pytest.fixture
    def bus(self, kafka_bootstrap):
        from euradar.infra.bus.kafka import KafkaBus, unique_prefix

        b = KafkaBus(f"kafka://{kafka_bootstrap}?topic_prefix={unique_prefix('contract')}")
        yield b
        try:
            b.delete_topics([b.logical(t) for t in list(b._known_topics)])
        finally:
            b.close()


def test_kafka_group_names_carry_the_installation_prefix(kafka_bootstrap):
    """Two installations on one cluster must not share the group "tagger"."""
    from kafka import KafkaAdminClient

    from euradar.infra.bus.kafka import KafkaBus, unique_prefix

    prefix = unique_prefix("inst")
    bus = KafkaBus(f"kafka://{kafka_bootstrap}?topic_prefix={prefix}")
    consumer = bus.consumer(["euradar.items.raw"], group="tagger")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap.split(","))
    try:
        listed = admin.list_groups() if hasattr(admin, "list_groups") \
            else admin.list_consumer_groups()
        groups = {g["group_id"] if isinstance(g, dict) else g[0] for g in listed}
        assert f"{prefix}tagger" in groups
    finally:
        consumer.close()
        admin.close()
        bus.delete_topics(["euradar.items.raw"])
        bus.close()


def test_kafka_fresh_groups_on_fresh_topics_all_join_and_read(kafka_bootstrap):
    """Each new topic makes the group leader assign before it knows the partitions, then rejoin.
    kafka-python 3.0 could lose that second join when a short poll timed out during it, and the
    member sat unassigned with heartbeats off (infra/bus/kafka_consumer.py _unstick_rejoin).
    Twenty rounds: about one join in 25 hit it on this machine under load."""
    from euradar.infra.bus.kafka import KafkaBus, unique_prefix

    bus = KafkaBus(f"kafka://{kafka_bootstrap}?topic_prefix={unique_prefix('joins')}")
    topics = [f"joins.{n}" for n in range(20)]
    try:
        for topic in topics:
            bus.publish(topic, "k", topic.encode())
            bus.flush()
            consumer = bus.consumer([topic], group=f"g-{uuid.uuid4().hex[:6]}")
            try:
                got = consumer.poll(max_records=10, timeout=10.0)
                assert [m.value for m in got] == [topic.encode()], topic
            finally:
                consumer.close()
    finally:
        bus.delete_topics(topics)
        bus.close()


class TestElasticsearchIndex(IndexContract):
    @pytest.fixture
    def index(self, es_url):
        from euradar.infra.index.elasticsearch import ElasticsearchIndex

        i = ElasticsearchIndex(f"{es_url}?prefix=test-contract-{uuid.uuid4().hex[:10]}")
        i.ensure()
        yield i
        try:
            i.drop()
        finally:
            i.close()


def test_an_elasticsearch_index_of_schema_v1_is_moved_to_v2(es_url, caplog):
    """An installation from before the query language: its v1 index is copied into v2 from the
    items kept in _source, behind the same alias, and v1 is deleted."""
    import json
    from pathlib import Path

    from elasticsearch import Elasticsearch

    from euradar.core.ports import Query
    from euradar.infra.index.elasticsearch import ElasticsearchIndex
    from tests.contract.sample_items import sample_items

    prefix = f"test-migrate-{uuid.uuid4().hex[:10]}"
    client = Elasticsearch(es_url)
    v1 = json.loads((Path(__file__).parents[2] / "infra/index/mappings/items-v1.json").read_text())
    client.indices.create(index=f"{prefix}-v1", mappings=v1["mappings"],
                          settings={"number_of_replicas": 0},
                          aliases={prefix: {"is_write_index": True}})
    for item in sample_items():
        days = sorted({d[:10] for d in item.deadlines})
        client.index(index=prefix, id=item.id, refresh=True, document={
            "id": item.id, "kind": item.kind, "status": item.status, "lang": item.lang,
            "programme": item.programme, "source": item.source, "themes": item.theme_ids,
            "eligibility": item.eligibility, "deadlines": days,
            "deadline_list": [{"day": d} for d in days], "first_seen": item.first_seen,
            "first_seen_day": (item.first_seen or "")[:10] or None, "version": item.version,
            "title_norm": "old", "body_norm": "old", "doc": item.to_dict()})
    index = ElasticsearchIndex(f"{es_url}?prefix={prefix}")
    try:
        index.ensure()
        assert "moving" in caplog.text and f"{prefix}-v1" in caplog.text
        assert set(client.indices.get_alias(name=prefix)) == {f"{prefix}-v2"}
        assert not client.indices.exists(index=f"{prefix}-v1")
        assert index.count() == 5
        page = index.search(Query(text="hydrogen OR recycl*"))  # v2 fields, re-analysed
        assert {h.item.id for h in page.hits} == {"url:presscorner-1",
                                                  "ft:HORIZON-CL6-2026-01-CIRCBIO-07"}
        assert index.search(Query(text="status:closed")).total == 1
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        index.close()
        client.close()


def test_kafka_consumer_keeping_up_with_a_trickle_reads_it_in_batches(kafka_bootstrap):
    """With the broker's default (answer a fetch once it holds one byte) a consumer keeping up
    with its producer got 2-3 records a poll, and each batch paid an Elasticsearch bulk request
    and a synchronous commit. The broker now holds a fetch for up to 64 KiB or 250 ms
    (infra/bus/kafka_consumer.py): a record every 20 ms arrives several to a batch."""
    import threading
    import time

    from euradar.infra.bus.kafka import KafkaBus, unique_prefix

    bus = KafkaBus(f"kafka://{kafka_bootstrap}?topic_prefix={unique_prefix('trickle')}")
    topic = "trickle"
    try:
        bus.publish(topic, "warm", b"warm")
        bus.flush()
        consumer = bus.consumer([topic], group=f"g-{uuid.uuid4().hex[:6]}")
        assert [m.value for m in consumer.poll(max_records=10, timeout=10.0)] == [b"warm"]
        consumer.commit()

        def trickle() -> None:
            for n in range(60):
                bus.publish(topic, f"k{n}", b"x" * 200)
                bus.flush()
                time.sleep(0.02)

        producer = threading.Thread(target=trickle)
        producer.start()
        sizes: list[int] = []
        try:
            while sum(sizes) < 60:
                batch = consumer.poll(max_records=500, timeout=10.0)
                assert batch, f"the trickle stopped arriving after {sum(sizes)} records"
                sizes.append(len(batch))
                consumer.commit()
        finally:
            producer.join()
            consumer.close()
        assert sum(sizes) == 60
        assert sum(sizes) / len(sizes) >= 3, sizes
    finally:
        bus.delete_topics([topic])
        bus.close()


def test_an_elasticsearch_index_made_with_an_older_text_analysis_is_reanalysed(es_url, caplog):
    """The tokens are made in Python: when the analysis changes (a better lemmatiser), items
    indexed before are re-indexed from _source at the next start, as the embedded index is
    rebuilt. Here the stored tokens lack the new reading: "järnvägar" was only "järnvägare"."""
    from elasticsearch import Elasticsearch

    from euradar.core.ports import Query
    from euradar.infra.index.elasticsearch import ANALYSIS_META, ElasticsearchIndex
    from tests.contract.sample_items import nordic_items

    prefix = f"test-reanalyse-{uuid.uuid4().hex[:10]}"
    client = Elasticsearch(es_url)
    first = ElasticsearchIndex(f"{es_url}?prefix={prefix}&refresh=true")
    try:
        first.upsert(nordic_items())
        assert first.search(Query(text="järnväg")).total == 1
        # what an index written by the earlier analysis holds: no "järnväg" token, no fingerprint
        item = next(i for i in nordic_items() if i.id == "local:sv-vatgas")
        hit = client.get(index=first.index_name, id=item.id, _source=["doc"])
        old = {"id": item.id, "doc": hit["_source"]["doc"], "title_norm": "vätgas lagra i norra sverige",
               "body_norm": "beredskapsövning i norrbotten samla kommun och räddningstjänst ny järnvägare "
                            "planera", "words": [], "tags": [], "facets": []}
        client.index(index=first.index_name, id=item.id, document=old, refresh=True)
        client.indices.put_mapping(index=first.index_name, meta={"euradar_schema": "items-v2"})
        assert first.search(Query(text="järnväg")).total == 0
        second = ElasticsearchIndex(f"{es_url}?prefix={prefix}")
        second.ensure()
        assert "re-indexing" in caplog.text
        assert {h.item.id for h in second.search(Query(text="järnväg")).hits} == {item.id}
        assert second.count() == len(nordic_items())
        meta = client.indices.get_mapping(index=first.index_name)[first.index_name]["mappings"]["_meta"]
        assert meta[ANALYSIS_META] and meta["euradar_schema"] == "items-v2"
        caplog.clear()
        ElasticsearchIndex(f"{es_url}?prefix={prefix}").ensure()  # now current: nothing to do
        assert "re-indexing" not in caplog.text
        second.close()
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        first.close()
        client.close()
