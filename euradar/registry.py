"""Backends chosen by URL scheme. Imports are lazy, so the embedded install needs neither
kafka-python nor the Elasticsearch client, and a missing extra gives an actionable error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from euradar.errors import ConfigError

if TYPE_CHECKING:
    from euradar.ports import Bus, Index, Notifier, Store
    from euradar.settings import Settings


def _missing(extra: str, exc: ImportError) -> ConfigError:
    return ConfigError(f"{exc.name} is not installed: run pip install 'euradar[{extra}]' "
                       f"(or pip install -e '.[{extra}]' in a checkout)")


def open_bus(url: str) -> "Bus":
    if url.startswith("memory://"):
        from infra.bus.memory import MemoryBus

        return MemoryBus()
    if url.startswith("sqlite://"):
        from infra.bus.sqlite import SqliteBus

        return SqliteBus(url)
    if url.startswith("kafka://"):
        try:
            from infra.bus.kafka import KafkaBus
        except ImportError as exc:
            raise _missing("kafka", exc) from exc
        return KafkaBus(url)
    raise ConfigError(f"EURADAR_BUS: unknown bus URL {url!r} (memory://, sqlite:///path, kafka://host:port)")


def open_index(url: str) -> "Index":
    if url.startswith(("memory://", "sqlite://")):
        from infra.index.sqlite import SqliteIndex

        return SqliteIndex(url)
    if url.startswith(("http://", "https://")):
        try:
            from infra.index.elasticsearch import ElasticsearchIndex
        except ImportError as exc:
            raise _missing("es", exc) from exc
        return ElasticsearchIndex(url)
    raise ConfigError(f"EURADAR_INDEX: unknown index URL {url!r} (sqlite:///path, http://host:9200)")


def open_store(url: str) -> "Store":
    if url.startswith(("memory://", "sqlite://")):
        from infra.store.sqlite import SqliteStore

        return SqliteStore(url)
    raise ConfigError(f"EURADAR_STORE: unknown store URL {url!r} (sqlite:///path)")


def open_notifier(settings: "Settings") -> "Notifier":
    url = settings.notifier_url
    if url.startswith(("smtp://", "smtps://")):
        from infra.notify.email import SmtpNotifier

        return SmtpNotifier(url, settings.mail_from, settings.smtp_password)
    if url.startswith("outbox://"):
        from infra.notify.email import OutboxNotifier

        return OutboxNotifier(url, settings.mail_from)
    raise ConfigError(f"EURADAR_NOTIFIER: unknown notifier URL {url!r} (smtp://host:port, outbox:///dir)")
