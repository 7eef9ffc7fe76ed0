"""The source list (``crawlers/sources.toml``) loaded into validated :class:`SourceConfig` objects.

An override (``Settings.source_overrides``, from ``EURADAR_SOURCE_<NAME>_URL``) replaces the
source's URL. Option URLs of the same source (keys ending in ``_url`` or, for lists, ``_urls``:
the F&T topic-detail URL on another EU host, a site's sitemap) are *rebased* onto the
override's scheme and host, keeping their paths, so one override moves a whole source to a
test server and the crawler never leaves it.

A source that is off says why (``disabled_reason``), in words a user can act on; ``euradar
sources`` prints it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from euradar.core.errors import ConfigError
from euradar.core.models import KINDS

ROUTES = ("spider", "feed", "dump")
SPIDERS = ("ft_portal", "ted", "site")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEDULE = re.compile(r"^(\d+)([smhd])$")  # seconds are for tests and benchmarks
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class SourceConfig:
    """One crawlable source. ``options`` holds the route-specific settings (spider selectors,
    F&T query terms, TED expert query ...); ``allowed_hosts`` is where the crawler may go."""

    name: str
    kind: str
    route: str
    url: str
    lang: str | None = None
    schedule: str = "1d"
    enabled: bool = True
    spider: str | None = None
    verified: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    disabled_reason: str | None = None

    @property
    def schedule_seconds(self) -> int:
        number, unit = _SCHEDULE.match(self.schedule).groups()  # type: ignore[union-attr]
        return int(number) * _UNIT_SECONDS[unit]

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        urls = [self.url] + [v for k, v in self.options.items()
                             if k.endswith("_url") and isinstance(v, str)]
        urls += [u for k, v in self.options.items() if k.endswith("_urls") and isinstance(v, list)
                 for u in v if isinstance(u, str)]
        hosts = {urlsplit(u.replace("{", "").replace("}", "")).hostname for u in urls}
        return tuple(sorted(h for h in hosts if h))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "route": self.route, "url": self.url,
                "lang": self.lang, "schedule": self.schedule, "enabled": self.enabled,
                "spider": self.spider, "verified": self.verified, "options": dict(self.options),
                "disabled_reason": self.disabled_reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceConfig:
        return validate_source(data.get("name", "?"), data)


def _fail(name: str, fld: str, message: str) -> ConfigError:
    return ConfigError(f"source {name!r}: field {fld!r}: {message}")


def _rebase(url: str, origin: str) -> str:
    """Put ``url``'s path and query on ``origin``'s scheme and host."""
    o, u = urlsplit(origin), urlsplit(url)
    return urlunsplit((o.scheme, o.netloc, u.path, u.query, u.fragment))


def validate_source(name: str, raw: Mapping[str, Any]) -> SourceConfig:
    """Check one ``[sources.<name>]`` table; every error names the source and the field."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(str(name), "name", "must be lower-case letters, digits and _ (it becomes "
                    "the env var EURADAR_SOURCE_<NAME>_URL)")
    known = {"name", "kind", "route", "url", "lang", "schedule", "enabled", "spider",
             "verified", "options", "disabled_reason"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(name, unknown[0], f"unknown field (known: {', '.join(sorted(known))})")
    for key in ("kind", "route", "url"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            raise _fail(name, key, "is required and must be a non-empty string")
    if raw["kind"] not in KINDS:
        raise _fail(name, "kind", f"must be one of {', '.join(KINDS)}, got {raw['kind']!r}")
    if raw["route"] not in ROUTES:
        raise _fail(name, "route", f"must be one of {', '.join(ROUTES)}, got {raw['route']!r}")
    parts = urlsplit(raw["url"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(name, "url", f"must be an absolute http(s) URL, got {raw['url']!r}")
    schedule = raw.get("schedule", "1d")
    if not isinstance(schedule, str) or not _SCHEDULE.match(schedule):
        raise _fail(name, "schedule", f"must look like 15m, 6h or 1d, got {schedule!r}")
    for key in ("enabled", "verified"):
        if key in raw and not isinstance(raw[key], bool):
            raise _fail(name, key, f"must be true or false, got {raw[key]!r}")
    lang = raw.get("lang")
    if lang is not None and (not isinstance(lang, str) or not re.match(r"^[a-z]{2}$", lang)):
        raise _fail(name, "lang", f"must be a two-letter language code, got {lang!r}")
    spider = raw.get("spider")
    if raw["route"] == "spider":
        if spider not in SPIDERS:
            raise _fail(name, "spider", f"route 'spider' needs spider = one of {', '.join(SPIDERS)}"
                        f", got {spider!r}")
    elif spider is not None:
        raise _fail(name, "spider", "only allowed with route = 'spider'")
    options = raw.get("options", {})
    if not isinstance(options, Mapping):
        raise _fail(name, "options", "must be a table")
    if spider == "site":
        _check_site_options(name, options)
    if spider == "ted" and not isinstance(options.get("query"), str):
        raise _fail(name, "options.query", "the TED spider needs an expert query string")
    page_size = options.get("page_size", 100)
    if not isinstance(page_size, int) or not 1 <= page_size <= 100:
        # The F&T search API silently caps pageSize at 100; more would lose records.
        raise _fail(name, "options.page_size", f"must be an integer 1..100, got {page_size!r}")
    for key in ("full_every", "revisit"):
        if key in options and (not isinstance(options[key], str) or not _SCHEDULE.match(options[key])):
            raise _fail(name, f"options.{key}", f"must look like 12h or 1d, got {options[key]!r}")
    reason = raw.get("disabled_reason")
    enabled = raw.get("enabled", True)
    if reason is not None and not isinstance(reason, str):
        raise _fail(name, "disabled_reason", "must be a string")
    if not enabled and not (reason or "").strip():
        raise _fail(name, "disabled_reason", "a disabled source must say why, in words a user can "
                    "act on (what to check or change before enabling it)")
    return SourceConfig(name=name, kind=raw["kind"], route=raw["route"], url=raw["url"],
                        lang=lang, schedule=schedule, enabled=enabled,
                        spider=spider, verified=raw.get("verified", False), options=dict(options),
                        disabled_reason=reason.strip() if reason else None)


_SITE_SELECTORS = ("link_selector", "title_selector", "text_selector", "date_selector",
                   "deadline_selector")


def _check_site_options(name: str, options: Mapping[str, Any]) -> None:
    """The site spider needs no options; the ones given must make sense."""
    for key in _SITE_SELECTORS:
        if key in options and (not isinstance(options[key], str) or not options[key].strip()):
            raise _fail(name, f"options.{key}", "must be a CSS selector string (optional refinement)")
    for key in ("sitemap_url", "feed_url"):
        value = options.get(key)
        if value is not None and (not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https")):
            raise _fail(name, f"options.{key}", f"must be an absolute http(s) URL, got {value!r}")
    extra = options.get("listing_urls", [])
    if not isinstance(extra, list) or any(not isinstance(u, str) or urlsplit(u).scheme not in ("http", "https")
                                          for u in extra):
        raise _fail(name, "options.listing_urls", "must be a list of absolute http(s) URLs")
    pattern = options.get("link_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise _fail(name, "options.link_pattern", f"is not a valid regular expression: {exc}") from exc
    for key in ("max_pages", "max_new_pages"):
        if key in options and (not isinstance(options[key], int) or options[key] < 1):
            raise _fail(name, f"options.{key}", f"must be a positive integer, got {options[key]!r}")


def apply_override(source: SourceConfig, url: str) -> SourceConfig:
    def moved(key: str, value: Any) -> Any:
        if key.endswith("_url") and isinstance(value, str):
            return _rebase(value, url)
        if key.endswith("_urls") and isinstance(value, list):
            return [_rebase(v, url) if isinstance(v, str) else v for v in value]
        return value

    options = {k: moved(k, v) for k, v in source.options.items()}
    return validate_source(source.name, {**source.to_dict(), "url": url, "options": options})


def load_sources(path: Path | str, overrides: Mapping[str, str] | None = None) -> list[SourceConfig]:
    """Read and validate the source list; raises ConfigError naming the source and field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"sources file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"sources file {path}: invalid TOML: {exc}") from exc
    tables = data.get("sources")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"sources file {path}: no [sources.<name>] tables")
    sources = []
    for name, raw in tables.items():
        if not isinstance(raw, dict):
            raise _fail(name, "sources", "must be a table")
        sources.append(validate_source(name, raw))
    by_name = {s.name: s for s in sources}
    for name, url in (overrides or {}).items():
        if name not in by_name:
            raise ConfigError(f"EURADAR_SOURCE_{name.upper()}_URL: no source named {name!r} "
                              f"(known: {', '.join(sorted(by_name))})")
        by_name[name] = apply_override(by_name[name], url)
    return [by_name[s.name] for s in sources]


def find_source(sources: list[SourceConfig], name: str) -> SourceConfig:
    for source in sources:
        if source.name == name:
            return source
    raise ConfigError(f"no source named {name!r} (known: {', '.join(s.name for s in sources)})")
