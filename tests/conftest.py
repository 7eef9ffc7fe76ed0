"""Shared pytest wiring: the ``--services`` flag and the real Kafka / Elasticsearch / PostgreSQL
fixtures.

Tests marked ``services`` need real Kafka and Elasticsearch (``infra/services.sh start``) named
by ``EURADAR_TEST_KAFKA`` (``127.0.0.1:9092``) and ``EURADAR_TEST_ES_URL``
(``http://127.0.0.1:9200``), or real PostgreSQL (``infra/postgres.sh start``) named by
``EURADAR_TEST_POSTGRES_URL`` (``postgresql://euradar:...@127.0.0.1:54329/euradar``, printed
by ``infra/postgres.sh url``). Unset -> the tests skip and say so. With ``--services`` or
``EURADAR_REQUIRE_SERVICES=1`` (CI) an unset variable fails them instead; a variable that is set
but points at nothing always fails (someone asked for that service).
"""

from __future__ import annotations

import os

import pytest

HOW = ("set EURADAR_TEST_KAFKA=127.0.0.1:9092 and EURADAR_TEST_ES_URL=http://127.0.0.1:9200 "
       "(infra/services.sh start)")


def pytest_addoption(parser):
    parser.addoption("--services", action="store_true", default=False,
                     help="fail (never skip) tests marked 'services' when Kafka/Elasticsearch "
                          "are not configured; same as EURADAR_REQUIRE_SERVICES=1")


def services_required(config) -> bool:
    return bool(config.getoption("--services")) or os.environ.get("EURADAR_REQUIRE_SERVICES") == "1"


def _service(request, env: str, probe) -> str:
    value = os.environ.get(env, "").strip()
    if not value:
        if services_required(request.config):
            pytest.fail(f"{env} is not set but services are required: {HOW}", pytrace=False)
        pytest.skip(f"{env} not set: {HOW}")
    problem = probe(value)
    if problem:
        pytest.fail(f"{env}={value} is not usable: {problem} ({HOW})", pytrace=False)
    return value


def _probe_kafka(bootstrap: str) -> str | None:
    try:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), bootstrap_timeout_ms=5000,
                                 request_timeout_ms=5000, client_id="euradar-test-probe")
        try:
            admin.list_topics()
        finally:
            admin.close()
    except Exception as exc:  # any failure is reported, not raised
        return f"{type(exc).__name__}: {exc}"
    return None


def _probe_es(url: str) -> str | None:
    try:
        from elasticsearch import Elasticsearch

        es = Elasticsearch(url, request_timeout=5, max_retries=0)
        try:
            es.cluster.health(wait_for_status="yellow", timeout="5s")
        finally:
            es.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url(request) -> str:
    """URL of a real PostgreSQL whose user may create databases (skips or fails as above)."""
    from tests.support.postgres import probe

    how = "set EURADAR_TEST_POSTGRES_URL=$(bash infra/postgres.sh url) (after infra/postgres.sh start)"
    value = os.environ.get("EURADAR_TEST_POSTGRES_URL", "").strip()
    if not value:
        if services_required(request.config):
            pytest.fail(f"EURADAR_TEST_POSTGRES_URL is not set but services are required: {how}",
                        pytrace=False)
        pytest.skip(f"EURADAR_TEST_POSTGRES_URL not set: {how}")
    problem = probe(value)
    if problem:
        pytest.fail(f"EURADAR_TEST_POSTGRES_URL is not usable: {problem} ({how})", pytrace=False)
    return value


@pytest.fixture(scope="session")
def kafka_bootstrap(request) -> str:
    """``host:port`` of a real Kafka broker (skips or fails as described above)."""
    return _service(request, "EURADAR_TEST_KAFKA", _probe_kafka)


@pytest.fixture(scope="session")
def es_url(request) -> str:
    """``http://host:port`` of a real Elasticsearch (skips or fails as described above)."""
    return _service(request, "EURADAR_TEST_ES_URL", _probe_es).rstrip("/")
