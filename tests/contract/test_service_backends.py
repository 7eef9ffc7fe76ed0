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
