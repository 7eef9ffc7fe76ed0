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

SCHEMA = "euradar.event/1"


def dumps_event(event: Event) -> bytes:
    payload = {
        "schema": SCHEMA,
        "type": event.type,
        "item": event.item.to_dict(),
        "changes": [vars(c) for c in event.changes],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def loads_event(raw: bytes) -> Event:
    """Decode a bus message; raises :class:`InvalidItem` with the reason when it is not one."""
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
    try:
        item = Item.from_dict(data["item"])
        changes = [Change(**c) for c in data.get("changes") or []]
    except TypeError as exc:
        raise InvalidItem(f"malformed item or change: {exc}") from exc
    return Event(type=data["type"], item=item, changes=changes)


def dead_letter_payload(stage: str, reason: str, key: str | None, original: bytes | str | None,
                        source: str | None = None) -> bytes:
    """The value put on the dead-letter topic: why, where, and the original bytes as text."""
    if isinstance(original, bytes):
        original = original.decode("utf-8", errors="replace")
    return json.dumps(
        {"stage": stage, "reason": reason, "key": key, "source": source, "original": original},
        ensure_ascii=False,
    ).encode("utf-8")
