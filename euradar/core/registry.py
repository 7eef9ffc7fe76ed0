"""Backends chosen by URL scheme and found by name, so the core imports no adapter.

Each table maps a URL scheme to ``"module:Class"``; the module is imported only when that
backend is asked for. The embedded install therefore needs neither kafka-python nor the
Elasticsearch client, and a missing extra gives an actionable error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from euradar.core.errors import ConfigError
from euradar.core.ports import Bus, Index, Notifier, Store
from euradar.core.settings import Settings

BUSES = {
    "memory": ("euradar.infra.bus.memory:MemoryBus", None),
    "sqlite": ("euradar.infra.bus.sqlite:SqliteBus", None),
    "kafka": ("euradar.infra.bus.kafka:KafkaBus", "kafka"),
}
INDEXES = {
    "memory": ("euradar.infra.index.embedded:EmbeddedIndex", None),
    "sqlite": ("euradar.infra.index.embedded:EmbeddedIndex", None),
    "http": ("euradar.infra.index.elasticsearch:ElasticsearchIndex", "es"),
    "https": ("euradar.infra.index.elasticsearch:ElasticsearchIndex", "es"),
}
STORES = {
    "memory": ("euradar.infra.store.sqlite:SqliteStore", None),
    "sqlite": ("euradar.infra.store.sqlite:SqliteStore", None),
    "postgresql": ("euradar.infra.store.postgres:PostgresStore", "postgres"),
    "postgres": ("euradar.infra.store.postgres:PostgresStore", "postgres"),
}
_STORE_EXAMPLES = "sqlite:///path, postgresql://user:password@host:5432/db"
NOTIFIERS = {
    "smtp": ("euradar.infra.notify.email:SmtpNotifier", None),
    "smtps": ("euradar.infra.notify.email:SmtpNotifier", None),
    "outbox": ("euradar.infra.notify.email:OutboxNotifier", None),
}
WEBHOOK = ("euradar.infra.notify.webhook:WebhookNotifier", None)


def load(target: tuple[str, str | None]) -> Any:
    """Import ``"module:Class"``; a missing optional package names the extra to install."""
    path, extra = target
    module, _, name = path.partition(":")
    try:
        return getattr(import_module(module), name)
    except ImportError as exc:
        if extra is None:
            raise
        raise ConfigError(f"{exc.name} is not installed: run pip install 'euradar[{extra}]' "
                          f"(or pip install -e '.[{extra}]' in a checkout)") from exc


def _pick(table: Mapping[str, tuple[str, str | None]], url: str, setting: str, examples: str) -> Any:
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in table:
        raise ConfigError(f"{setting}: unknown URL {url!r} ({examples})")
    return load(table[scheme])


def open_bus(url: str) -> Bus:
    cls = _pick(BUSES, url, "EURADAR_BUS", "memory://, sqlite:///path, kafka://host:port")
    bus: Bus = cls() if url.startswith("memory://") else cls(url)
    return bus


def open_index(url: str) -> Index:
    cls = _pick(INDEXES, url, "EURADAR_INDEX", "sqlite:///path, http://host:9200")
    index: Index = cls(url)
    return index


def open_store(url: str) -> Store:
    """The store named by ``url``; it applies pending schema migrations as it opens."""
    cls = _pick(STORES, url, "EURADAR_STORE", _STORE_EXAMPLES)
    store: Store = cls(url)
    return store


def migrate_store(url: str, apply: bool = True) -> Any:
    """Apply (or with ``apply=False`` only list) the store's pending schema migrations;
    returns the backend's MigrationReport (``euradar migrate``)."""
    cls = _pick(STORES, url, "EURADAR_STORE", _STORE_EXAMPLES)
    return cls.migrate(url, apply=apply)


def open_notifier(settings: Settings) -> Notifier:
    """The email notifier: SMTP, or .eml files in an outbox directory."""
    url = settings.notifier_url
    cls = _pick(NOTIFIERS, url, "EURADAR_NOTIFIER", "smtp://host:port, outbox:///dir")
    notifier: Notifier
    if url.startswith("outbox://"):
        notifier = cls(url, settings.mail_from)
    else:
        notifier = cls(url, settings.mail_from, settings.smtp_password,
                       allow_plaintext=settings.smtp_allow_plaintext)
    return notifier


def open_webhook(settings: Settings, bus: Bus | None) -> Notifier:
    """The webhook notifier (signed with ``Settings.webhook_secret``; failed deliveries are
    dead-lettered on ``bus``). The one place it is built."""
    cls = load(WEBHOOK)
    notifier: Notifier = cls(settings.webhook_secret, bus, timeout=settings.http_timeout,
                             allow_hosts=settings.webhook_allow_hosts,
                             allow_unsigned=settings.webhook_allow_unsigned)
    return notifier
