"""Local files into the pipeline: JSON Lines items or an RSS/Atom file, published like a crawl.

``euradar ingest FILE`` is how analysts put their own lists (and a new user the shipped samples)
through the same path as crawled items: every item goes through :class:`Publisher`, so it is
tagged, indexed and alerted on like any other, a re-ingest of an unchanged item publishes
nothing, and a changed one becomes a new version. A line that cannot become an item is
dead-lettered with its line number and the reason; the other lines go on.

JSON Lines: one object per line::

    {"id": "...", "title": "...", "text": "...", "lang": "fi", "url": "https://...",
     "kind": "call", "deadline": "2026-03-12"}

``id`` and ``title`` are required; ``text``, ``lang`` (en, fi, sv, ...), ``url`` (http or https;
without one the item points back to its line of the file), ``kind`` (call, tender, news),
``deadline`` (one date or a list; ``deadlines`` also works), ``programme``, ``status``,
``published``, ``call_ids``, ``budget`` and ``currency`` are optional. Any other key is kept in
the item's ``extra`` and named in the report's warnings, so a misspelt field does not vanish
silently.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from euradar.core.changes import derive_status
from euradar.core.errors import ConfigError, InvalidItem, SourceError
from euradar.core.models import KINDS, STATUSES, Item
from euradar.core.ports import Bus, Store
from euradar.crawlers.feeds import entry_to_item, parse_feed
from euradar.crawlers.publish import Publisher
from euradar.crawlers.report import CrawlReport
from euradar.crawlers.sources import SourceConfig
from euradar.crawlers.text import clean_text, iso_date

KNOWN_FIELDS = ("id", "title", "text", "lang", "url", "kind", "deadline", "deadlines", "programme",
                "status", "published", "call_ids", "budget", "currency")
# Kept as extra fields without a warning: where a record came from. The shipped samples carry
# "corpus_file" (tools/make_samples.py); a newcomer's first ingest should not warn about them.
PROVENANCE_FIELDS = ("corpus_file",)
MAX_LINE_CHARS = 2_000_000  # a runaway line (a whole file without newlines) is refused, not parsed
_LANG = re.compile(r"^[a-z]{2}$")
_SOURCE_NAME = re.compile(r"[^a-z0-9_]+")


@dataclasses.dataclass
class IngestReport:
    """What one ingest did: the publisher's counts, refused lines and warnings."""

    path: str
    source: str
    format: str
    records: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dead: int = 0
    refused: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def published(self) -> int:
        return self.new + self.changed


def default_source_name(path: Path) -> str:
    """``my-calls.jsonl`` -> ``file_my_calls``: a source name that says where items came from."""
    stem = _SOURCE_NAME.sub("_", path.stem.lower()).strip("_") or "items"
    return f"file_{stem}"


def detect_format(head: bytes) -> str:
    """``feed`` for RSS/Atom (the first non-blank character is ``<``), else ``jsonl``."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "feed" if stripped.startswith(b"<") else "jsonl"


def _string(record: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise InvalidItem(f"'{key}' is required", key)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidItem(f"'{key}' must be a string, got {type(value).__name__}", key)
    text = str(value).strip()
    if required and not text:
        raise InvalidItem(f"'{key}' is required", key)
    return text or None


def _dates(record: Mapping[str, Any]) -> list[str]:
    raw: Any = record.get("deadlines", record.get("deadline"))
    if raw is None or raw == "" or raw == []:
        return []
    values = raw if isinstance(raw, list) else [raw]
    days = []
    for value in values:
        day = iso_date(value) if isinstance(value, str) else None
        if not day:
            raise InvalidItem(f"deadline {value!r} is not a date (use 2026-03-12 or 12.3.2026)", "deadline")
        days.append(day)
    return days


def record_to_item(record: Any, source: str, default_kind: str, file_url: str,
                   default_lang: str | None = None) -> Item:
    """One JSON Lines record -> Item; raises InvalidItem naming the field at fault."""
    if not isinstance(record, dict):
        raise InvalidItem(f"expected a JSON object with id and title, got {type(record).__name__}")
    item_id = _string(record, "id", required=True) or ""
    title = clean_text(_string(record, "title", required=True))
    if not title:
        raise InvalidItem("'title' is required", "title")
    text = record.get("text") or ""
    if not isinstance(text, str):
        raise InvalidItem(f"'text' must be a string, got {type(text).__name__}", "text")
    lang = _string(record, "lang") or default_lang
    if lang is not None:
        lang = lang.lower()
        if not _LANG.match(lang):
            raise InvalidItem(f"'lang' must be a two-letter code such as fi, sv or en, got {lang!r}", "lang")
    kind = (_string(record, "kind") or default_kind).lower()
    if kind not in KINDS:
        raise InvalidItem(f"'kind' must be one of {', '.join(KINDS)}, got {kind!r}", "kind")
    url = _string(record, "url")
    if url is not None and not re.match(r"^https?://\S+$", url):
        raise InvalidItem(f"'url' must be an http(s) address, got {url[:80]!r}", "url")
    status = _string(record, "status")
    if status is not None and status.lower() not in STATUSES:
        raise InvalidItem(f"'status' must be one of {', '.join(STATUSES)}, got {status!r}", "status")
    call_ids = record.get("call_ids") or []
    if not isinstance(call_ids, list) or not all(isinstance(c, str) for c in call_ids):
        raise InvalidItem("'call_ids' must be a list of strings", "call_ids")
    budget = record.get("budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))):
        raise InvalidItem(f"'budget' must be a number, got {budget!r}", "budget")
    published = record.get("published")
    if published is not None and not (isinstance(published, str) and iso_date(published)):
        raise InvalidItem(f"'published' {published!r} is not a date", "published")
    deadlines = _dates(record)
    if kind in ("call", "tender"):
        status = derive_status(None, deadlines, status.lower() if status else None)
    item = Item(
        id=item_id, kind=kind, source=source, url=url or f"{file_url}#{item_id}", title=title,
        text=clean_text(text), lang=lang, programme=_string(record, "programme"),
        call_ids=[c.strip() for c in call_ids if c.strip()], deadlines=deadlines,
        status=status.lower() if status else None,
        budget=float(budget) if budget is not None else None, currency=_string(record, "currency"),
        published=iso_date(published) if published else None,
    )
    item.extra = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    return item


def _jsonl_records(data: bytes) -> Iterator[tuple[int, str, Any, str | None]]:
    """(line number, raw line, parsed value or None, error) per non-blank line."""
    for number, raw_bytes in enumerate(data.split(b"\n"), start=1):
        if number == 1:
            raw_bytes = raw_bytes.removeprefix(b"\xef\xbb\xbf")
        try:
            raw = raw_bytes.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            yield number, raw_bytes[:2000].decode("utf-8", "replace"), None, \
                f"not valid UTF-8 (byte {exc.start + 1})"
            continue
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_CHARS:
            yield number, raw[:2000], None, f"line longer than {MAX_LINE_CHARS} characters"
            continue
        try:
            yield number, raw, json.loads(raw), None
        except json.JSONDecodeError as exc:
            yield number, raw, None, f"invalid JSON ({exc.msg} at column {exc.colno})"


def ingest_jsonl(data: bytes, publisher: Publisher, report: IngestReport, default_kind: str,
                 file_url: str, default_lang: str | None = None) -> None:
    first_line: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for number, raw, record, error in _jsonl_records(data):
        report.records += 1
        item = None
        if error is None:
            try:
                item = record_to_item(record, report.source, default_kind, file_url, default_lang)
            except InvalidItem as exc:
                error = str(exc)
        if item is not None and item.id in first_line:
            error = f"id {item.id!r} is already on line {first_line[item.id]} (kept that one)"
        if item is None or error is not None:
            reason = f"line {number}: {error}"
            report.refused.append(reason)
            publisher.dead_letter(report.source, reason, raw[:20_000], f"{report.source}#line{number}")
            continue
        first_line[item.id] = number
        for key in item.extra:
            if key not in PROVENANCE_FIELDS:
                unknown.setdefault(key, number)
        publisher.publish(item)
    for key, number in unknown.items():
        report.warnings.append(f"unknown field {key!r} (first on line {number}) kept as an extra field; "
                               f"known fields: {', '.join(KNOWN_FIELDS)}")


def ingest_feed(data: bytes, publisher: Publisher, report: IngestReport, config: SourceConfig) -> None:
    crawl = CrawlReport(source=config.name, ok=True)
    try:
        parsed = parse_feed(data, "application/xml", config, crawl)
    except SourceError as exc:
        raise ConfigError(f"{report.path}: {exc}") from exc
    report.warnings += crawl.warnings
    feed_lang = _feed_lang(parsed)  # the feed's own word first, then config.lang (entry_to_item)
    for number, entry in enumerate(parsed.entries, start=1):
        report.records += 1
        try:
            item = entry_to_item(entry, feed_lang, config)
        except InvalidItem as exc:
            reason = f"entry {number}: {exc}"
            report.refused.append(reason)
            publisher.dead_letter(config.name, reason, repr(dict(entry))[:5000], f"{config.name}#entry{number}")
            continue
        publisher.publish(item)


def _feed_lang(parsed: Any) -> str | None:
    value = parsed.feed.get("language")
    code = value.strip().lower()[:2] if isinstance(value, str) else ""
    return code if _LANG.match(code) else None


def ingest_file(path: str | Path, bus: Bus, store: Store, *, source: str | None = None,
                kind: str = "news", lang: str | None = None) -> IngestReport:
    """Publish every item of a JSON Lines or RSS/Atom file through the bus like a crawl source.

    :param source: the items' source name (default ``file_<file name>``)
    :param kind: kind of items that do not say (JSON Lines) or of every feed entry
    :param lang: language of items (records, or a feed) that do not say
    :raises ConfigError: the file cannot be read, or is neither JSON Lines nor a feed
    """
    file_path = Path(path)
    try:
        data = file_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file_path}: {exc.strerror or exc}") from exc
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    name = source or default_source_name(file_path)
    file_url = file_path.resolve().as_uri()
    fmt = detect_format(data[:4096])
    report = IngestReport(path=str(file_path), source=name, format=fmt)
    publisher = Publisher(bus, store)
    if fmt == "feed":
        config = SourceConfig(name=name, kind=kind, route="feed", url=file_url, lang=lang)
        ingest_feed(data, publisher, report, config)
    else:
        ingest_jsonl(data, publisher, report, kind, file_url, lang)
    stats = publisher.stats
    report.new, report.changed, report.unchanged, report.dead = (stats.new, stats.changed, stats.unchanged,
                                                                 stats.dead)
    if report.records == 0:
        report.warnings.append("the file holds no items")
    return report
