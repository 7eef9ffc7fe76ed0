"""Settings, read once from ``EURADAR_*`` environment variables at start-up and then frozen.

No module below the CLI reads the environment; everything gets a :class:`Settings` or plain
values. Defaults give the embedded mode: SQLite bus, index and store in ``./euradar-data``,
emails written as .eml files to ``./euradar-data/outbox`` unless an SMTP URL is given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from euradar.core.errors import ConfigError


def _package_file(package: str, name: str) -> Path:
    """A data file shipped in ``package``, found by name without importing that package."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"package {package} is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / name


DEFAULT_SOURCES = _package_file("euradar.crawlers", "sources.toml")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("euradar-data")
    bus_url: str = ""
    index_url: str = ""
    store_url: str = ""
    notifier_url: str = ""  # smtp://host:port or outbox:///dir
    mail_from: str = "euradar <euradar@localhost>"
    smtp_user: str | None = field(default=None, repr=False)
    smtp_password: str | None = field(default=None, repr=False)
    sources_file: Path = DEFAULT_SOURCES
    source_overrides: Mapping[str, str] = field(default_factory=dict)  # name -> base URL
    user_agent: str = "euradar/0.1 (+https://github.com/euradar/euradar; contact: euradar@lapinliitto.fi)"
    http_timeout: float = 30.0
    web_host: str = "127.0.0.1"
    web_port: int = 8765
    api_token: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    # Signs the personal manage/unsubscribe links in mails; without it a random key is kept
    # in <data_dir>/link-secret (set it when several hosts serve the same subscribers).
    link_secret: str | None = field(default=None, repr=False)
    public_url: str = "http://127.0.0.1:8765"
    alert_batch_seconds: float = 60.0
    # Always-on service (supervision, health, secrets, input caps); see README "Operating".
    smtp_allow_plaintext: bool = False  # only for a local relay without STARTTLS
    webhook_allow_hosts: tuple[str, ...] = ()  # private/loopback receivers an operator allows
    webhook_allow_unsigned: bool = False
    max_response_bytes: int = 20 * 1024 * 1024  # per response; a source's max_bytes overrides
    health_port: int | None = None  # `euradar consume ROLE`: /healthz, /readyz, /metrics
    record_attempts: int = 3  # a record failing this often in a role is dead-lettered
    restart_backoff_max: float = 60.0  # seconds between restarts of a crashing role or job
    stall_seconds: float = 300.0  # a role with lag and no progress for this long is not ready
    shutdown_seconds: float = 20.0  # SIGTERM: longest wait for roles to finish their batch

    def resolved(self) -> Settings:
        """Fill the URLs left empty with the embedded defaults under ``data_dir``."""
        d = self.data_dir.resolve()
        return type(self)(**{
            **self.__dict__,
            "data_dir": d,
            "bus_url": self.bus_url or f"sqlite:///{d}/bus.db",
            "index_url": self.index_url or f"sqlite:///{d}/index.db",
            "store_url": self.store_url or f"sqlite:///{d}/store.db",
            "notifier_url": self.notifier_url or f"outbox:///{d}/outbox",
        })


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    return None if raw is None or raw.strip() == "" else int(_float(env, name, 0))


def from_env(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read ``EURADAR_*`` variables once. ``overrides`` (from CLI flags) win over the environment.

    ``EURADAR_SOURCE_<NAME>_URL`` points one source somewhere else (tests: a local server).
    """
    env = os.environ if env is None else env
    prefix = "EURADAR_SOURCE_"
    source_overrides = {
        k[len(prefix):-len("_URL")].lower(): v
        for k, v in env.items() if k.startswith(prefix) and k.endswith("_URL") and v
    }
    values: dict[str, object] = {
        "data_dir": Path(env.get("EURADAR_DATA_DIR") or "euradar-data"),
        "bus_url": env.get("EURADAR_BUS", ""),
        "index_url": env.get("EURADAR_INDEX", ""),
        "store_url": env.get("EURADAR_STORE", ""),
        "notifier_url": env.get("EURADAR_NOTIFIER") or env.get("EURADAR_SMTP_URL", ""),
        "mail_from": env.get("EURADAR_MAIL_FROM") or Settings.mail_from,
        "smtp_user": env.get("EURADAR_SMTP_USER") or None,
        "smtp_password": env.get("EURADAR_SMTP_PASSWORD") or None,
        "sources_file": Path(env.get("EURADAR_SOURCES_FILE") or DEFAULT_SOURCES),
        "source_overrides": source_overrides,
        "user_agent": env.get("EURADAR_USER_AGENT") or Settings.user_agent,
        "http_timeout": _float(env, "EURADAR_HTTP_TIMEOUT", 30.0),
        "web_host": env.get("EURADAR_WEB_HOST") or "127.0.0.1",
        "web_port": int(_float(env, "EURADAR_WEB_PORT", 8765)),
        "api_token": env.get("EURADAR_API_TOKEN") or None,
        "webhook_secret": env.get("EURADAR_WEBHOOK_SECRET") or None,
        "link_secret": env.get("EURADAR_LINK_SECRET") or None,
        "public_url": env.get("EURADAR_PUBLIC_URL") or "",
        "alert_batch_seconds": _float(env, "EURADAR_ALERT_BATCH_SECONDS", 60.0),
        "smtp_allow_plaintext": _flag(env, "EURADAR_SMTP_ALLOW_PLAINTEXT"),
        "webhook_allow_hosts": tuple(h.strip() for h in
                                     (env.get("EURADAR_WEBHOOK_ALLOW_HOSTS") or "").split(",")
                                     if h.strip()),
        "webhook_allow_unsigned": _flag(env, "EURADAR_WEBHOOK_ALLOW_UNSIGNED"),
        "max_response_bytes": int(_float(env, "EURADAR_MAX_RESPONSE_BYTES", 20 * 1024 * 1024)),
        "health_port": _optional_int(env, "EURADAR_HEALTH_PORT"),
        "record_attempts": max(1, int(_float(env, "EURADAR_RECORD_ATTEMPTS", 3))),
        "restart_backoff_max": _float(env, "EURADAR_RESTART_BACKOFF_MAX", 60.0),
        "stall_seconds": _float(env, "EURADAR_STALL_SECONDS", 300.0),
        "shutdown_seconds": _float(env, "EURADAR_SHUTDOWN_SECONDS", 20.0),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if not values["public_url"]:
        values["public_url"] = f"http://{values['web_host']}:{values['web_port']}"
    return Settings(**values).resolved()  # type: ignore[arg-type]
