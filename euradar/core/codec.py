"""Versioned JSON wire format for bus messages.

``{"schema": "euradar.event/1", "type": "new"|"changed", "item": {...}, "changes": [...]}``.
A consumer refuses an unknown major schema with :class:`InvalidItem` (dead-lettered) rather than
guessing; unknown item keys are ignored so producers may add fields.
"""

from __future__ import annotations

import json
from typing import Any

from euradar.core.errors import InvalidItem
from euradar.core.models import Change, Event, Item
from euradar.core.schema import MAX_EVENT_BYTES, validate_changes, validate_item_dict

SCHEMA = "euradar.event/1"
MAX_DEAD_ORIGINAL = 200_000  # characters of the refused record kept in its dead letter


def dumps_event(event: Event) -> bytes:
    """Encode an event; raises :class:`InvalidItem` when it breaks the schema, so a producer
    dead-letters it instead of putting it on the bus."""
    item = event.item.to_dict()
    changes = [dict(vars(c)) for c in event.changes]
    validate_item_dict(item)
    validate_changes(changes)
    payload = {"schema": SCHEMA, "type": event.type, "item": item, "changes": changes}
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidItem(f"event is {len(raw):,} bytes, at most {MAX_EVENT_BYTES:,} allowed")
    return raw


def loads_event(raw: bytes) -> Event:
    """Decode a bus message; raises :class:`InvalidItem` with the reason when it is not a
    well-typed event (:mod:`euradar.core.schema`)."""
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidItem(f"record is {len(raw):,} bytes, at most {MAX_EVENT_BYTES:,} allowed")
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidItem(f"not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidItem("event must be a JSON object")
    schema = data.get("schema", "")
    if not isinstance(schema, str) or not schema.startswith("euradar.event/1"):
        raise InvalidItem(f"unsupported schema {schema!r}, expected {SCHEMA}", "schema")
    if data.get("type") not in ("new", "changed"):
        raise InvalidItem(f"unknown event type {data.get('type')!r}", "type")
    if not isinstance(data.get("item"), dict):
        raise InvalidItem("event has no item object", "item")
    validate_changes(data.get("changes"))
    try:
        item = Item.from_dict(data["item"])  # validates the item's schema
        changes = [Change(**c) for c in data.get("changes") or []]
    except (TypeError, ValueError) as exc:
        raise InvalidItem(f"malformed item or change: {exc}") from exc
    return Event(type=data["type"], item=item, changes=changes)


def dead_letter_payload(stage: str, reason: str, key: str | None, original: bytes | str | None,
                        source: str | None = None, extra: dict[str, Any] | None = None) -> bytes:
    """The value put on the dead-letter topic: why, where, and the original bytes as text."""
    if isinstance(original, bytes):
        original = original.decode("utf-8", errors="replace")
    record: dict[str, Any] = {"stage": stage, "reason": reason, "key": key, "source": source,
                              "original": original, **(extra or {})}
    if original is not None and len(original) > MAX_DEAD_ORIGINAL:
        # A dead letter must fit in one bus record too; the reason says what was wrong.
        record["original"] = original[:MAX_DEAD_ORIGINAL]
        record["original_truncated_from"] = len(original)
    try:
        return json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in the original: JSON escapes keep it readable
        return json.dumps(record, ensure_ascii=True, default=str).encode("ascii")
