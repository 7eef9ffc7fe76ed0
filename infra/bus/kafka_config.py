"""What both sides of the Kafka bus share: the parsed ``kafka://`` URL, topic naming, client
options and the error wrapper. Its own module so the producer side (:mod:`.kafka`) and the
consumer side (:mod:`.kafka_consumer`) depend on it, not on each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from euradar.core.errors import BusUnavailable, ConfigError
from euradar.core.ports import Message


def parse_kafka_url(url: str) -> dict[str, Any]:
    """``kafka://h:p,h2:p2?partitions=3&...`` -> settings dict (pure; unit-tested)."""
    parsed = urlparse(url)
    if parsed.scheme != "kafka":
        raise ConfigError(f"not a kafka URL: {url!r} (kafka://host:port)")
    hosts = [h.strip() for h in parsed.netloc.split(",") if h.strip()]
    if not hosts:
        raise ConfigError(f"kafka URL without broker: {url!r} (kafka://host:port)")
    q = {k: v[-1] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
    known = {"partitions", "replication", "retention_ms", "topic_prefix", "timeout_ms", "client_id"}
    unknown = sorted(set(q) - known)
    if unknown:
        raise ConfigError(f"kafka URL: unknown parameter(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")

    def _int(name: str, default: int | None, minimum: int = 1) -> int | None:
        raw = q.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ConfigError(f"kafka URL: {name} must be an integer, got {raw!r}") from exc
        if value < minimum:
            raise ConfigError(f"kafka URL: {name} must be >= {minimum}, got {value}")
        return value

    return {
        "bootstrap": hosts,
        "partitions": _int("partitions", 6),
        "replication": _int("replication", 1),
        "retention_ms": _int("retention_ms", None, minimum=-1),
        "topic_prefix": q.get("topic_prefix", ""),
        "timeout_ms": _int("timeout_ms", 10_000, minimum=100),
        "client_id": q.get("client_id") or "euradar",
    }


def unavailable(what: str, exc: BaseException) -> BusUnavailable:
    return BusUnavailable(f"kafka {what} failed: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class KafkaConfig:
    """One cluster and namespace: brokers, topic defaults and the installation's prefix."""

    bootstrap: list[str]
    partitions: int = 6
    replication: int = 1
    retention_ms: int | None = None
    topic_prefix: str = ""
    timeout_ms: int = 10_000
    client_id: str = "euradar"

    @classmethod
    def from_url(cls, url: str) -> KafkaConfig:
        return cls(**parse_kafka_url(url))

    def physical(self, topic: str) -> str:
        """The topic name on the broker (with ``topic_prefix``)."""
        return self.topic_prefix + topic

    def group(self, group: str) -> str:
        """The consumer group on the broker: two installations on one cluster (two prefixes)
        must not share the group "tagger" and each other's rebalances."""
        return self.topic_prefix + group

    def logical(self, topic: str) -> str:
        p = self.topic_prefix
        return topic[len(p):] if p and topic.startswith(p) else topic

    def client_options(self) -> dict[str, Any]:
        """Options every kafka-python client of this bus gets."""
        return {
            "bootstrap_servers": self.bootstrap,
            "client_id": self.client_id,
            "bootstrap_timeout_ms": self.timeout_ms,
            "request_timeout_ms": max(self.timeout_ms, 5_000),
            "reconnect_backoff_max_ms": 2_000,
        }

    def message(self, record: Any) -> Message:
        """A kafka-python ConsumerRecord as our Message, with the logical topic name."""
        key = record.key.decode("utf-8", errors="replace") if record.key is not None else ""
        return Message(self.logical(record.topic), key,
                       record.value if record.value is not None else b"",
                       record.offset, record.partition)
