"""Where the real Kafka and Elasticsearch are, for the tests that need them.

Unset: the test is skipped with the reason. In CI (``EURADAR_REQUIRE_SERVICES=1``) a missing or
unreachable service fails the test instead: service tests never skip silently there.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def service_urls() -> tuple[str, str]:
    """(kafka host:port, Elasticsearch URL) or skip/fail with the reason."""
    kafka = os.environ.get("EURADAR_TEST_KAFKA", "")
    es = os.environ.get("EURADAR_TEST_ES_URL", "")
    required = os.environ.get("EURADAR_REQUIRE_SERVICES") == "1"
    problem = None
    if not kafka or not es:
        problem = ("EURADAR_TEST_KAFKA / EURADAR_TEST_ES_URL not set: start Kafka and "
                   "Elasticsearch with `bash infra/services.sh start` (bash test.sh does)")
    else:
        host, _, port = kafka.partition(":")
        es_parts = urlsplit(es)
        if not _reachable(host, int(port or 9092)):
            problem = f"Kafka not reachable at {kafka}"
        elif not _reachable(es_parts.hostname or "127.0.0.1", es_parts.port or 9200):
            problem = f"Elasticsearch not reachable at {es}"
    if problem:
        if required:
            pytest.fail(problem + " (required in CI)")
        pytest.skip(problem)
    return kafka, es
