"""The schema of an item event on the bus (``euradar.event/1``), types included.

Checked where events cross the bus boundary: when a producer encodes one
(:func:`euradar.core.codec.dumps_event`) and when a consumer decodes one
(:func:`euradar.core.codec.loads_event`). A malformed event is therefore dead-lettered with the
reason on its way in, instead of crashing a role somewhere in the middle (a number as title, a
list as text, a lone surrogate that no encoder accepts, a text too long for the tagger's
pipeline). Pure functions; :class:`~euradar.core.errors.InvalidItem` names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from euradar.core.errors import InvalidItem

# Bounds on what one event may hold. A whole event must fit in one Kafka record (the broker's
# default message.max.bytes is about 1 MB), and spaCy refuses documents past 1,000,000
# characters (E088); the tagger itself reads at most TAG_TEXT_CHARS of a text (below).
MAX_TEXT_CHARS = 400_000
MAX_SHORT_CHARS = 10_000  # titles, URLs, ids and every other single-line field
MAX_LIST_ITEMS = 1_000
MAX_EVENT_BYTES = 1_000_000  # the raw record, before JSON decoding

_REQUIRED_STR = ("id", "kind", "source", "url", "title")
_OPTIONAL_STR = ("lang", "programme", "opening_date", "status", "currency", "type_of_action",
                 "published", "first_seen", "fetched_at")
_STR_LISTS = ("call_ids", "deadlines", "eligibility", "documents", "flags", "geography")


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def check_text(value: str, field: str, limit: int) -> None:
    """A string that every encoder accepts (no lone surrogates) and within ``limit``."""
    if len(value) > limit:
        raise InvalidItem(f"{len(value):,} characters, at most {limit:,} allowed", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidItem(f"holds a lone surrogate at character {exc.start} "
                          "(not valid Unicode text)", field) from exc


def _check_json(value: Any, field: str, depth: int = 0) -> None:
    """Free-form JSON (``extra``, theme evidence, change values): any shape, valid text."""
    if depth > 20:
        raise InvalidItem("nested too deeply", field)
    if isinstance(value, str):
        check_text(value, field, MAX_TEXT_CHARS)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidItem(f"keys must be strings, got {_type_name(k)}", field)
            check_text(k, field, MAX_SHORT_CHARS)
            _check_json(v, f"{field}.{k}", depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_json(v, field, depth + 1)
    elif value is not None and not isinstance(value, bool | int | float):
        raise InvalidItem(f"must be JSON data, got {_type_name(value)}", field)


def validate_item_dict(data: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidItem` unless ``data`` is a well-typed item dict (the wire form of
    :class:`~euradar.core.models.Item`). Unknown keys are allowed (newer producers)."""
    if not isinstance(data, Mapping):
        raise InvalidItem(f"item must be an object, got {_type_name(data)}", "item")
    for name in _REQUIRED_STR:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            got = "missing" if name not in data else f"got {_type_name(value)} {value!r:.40}"
            raise InvalidItem(f"required, must be a non-empty string ({got})", name)
        check_text(value, name, MAX_SHORT_CHARS)
    text = data.get("text", "")
    if not isinstance(text, str):
        raise InvalidItem(f"must be a string, got {_type_name(text)}", "text")
    check_text(text, "text", MAX_TEXT_CHARS)
    for name in _OPTIONAL_STR:
        value = data.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise InvalidItem(f"must be a string or null, got {_type_name(value)}", name)
            check_text(value, name, MAX_SHORT_CHARS)
    for name in _STR_LISTS:
        value = data.get(name, [])
        if not isinstance(value, list):
            raise InvalidItem(f"must be a list of strings, got {_type_name(value)}", name)
        if len(value) > MAX_LIST_ITEMS:
            raise InvalidItem(f"{len(value)} entries, at most {MAX_LIST_ITEMS}", name)
        for entry in value:
            if not isinstance(entry, str):
                raise InvalidItem(f"must be a list of strings, holds {_type_name(entry)}", name)
            check_text(entry, name, MAX_SHORT_CHARS)
    for name, values in (("deadlines", data.get("deadlines") or []),
                         ("opening_date", [data.get("opening_date") or "2000-01-01"])):
        for value in values:
            try:
                date.fromisoformat(value[:10])
            except ValueError as exc:
                raise InvalidItem(f"{value!r:.40} is not an ISO date (2026-03-12...)",
                                  name) from exc
    budget = data.get("budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int | float)):
        raise InvalidItem(f"must be a number or null, got {_type_name(budget)}", "budget")
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidItem(f"must be an integer >= 1, got {version!r:.40}", "version")
    content_hash = data.get("content_hash", "")
    if not isinstance(content_hash, str):
        raise InvalidItem(f"must be a string, got {_type_name(content_hash)}", "content_hash")
    themes = data.get("themes", [])
    if not isinstance(themes, list) or not all(
            isinstance(t, Mapping) and isinstance(t.get("id"), str) for t in themes):
        raise InvalidItem("must be a list of objects with a string id", "themes")
    _check_json(themes, "themes")
    extra = data.get("extra", {})
    if not isinstance(extra, Mapping):
        raise InvalidItem(f"must be an object, got {_type_name(extra)}", "extra")
    _check_json(extra, "extra")


def validate_changes(changes: Any) -> None:
    """``changes`` of an event: a list of {field, old, new, text} objects."""
    if changes is None:
        return
    if not isinstance(changes, list):
        raise InvalidItem(f"must be a list, got {_type_name(changes)}", "changes")
    for change in changes:
        if not isinstance(change, Mapping) or set(change) != {"field", "old", "new", "text"}:
            raise InvalidItem("each change must be an object with field, old, new, text",
                              "changes")
        if not isinstance(change["field"], str) or not isinstance(change["text"], str):
            raise InvalidItem("a change's field and text must be strings", "changes")
        _check_json(dict(change), "changes")


# The tagger reads at most this much of a text: calls put their substance first (scope,
# expected outcomes), and the pipeline's time grows faster than the length (measured on this
# 2-core machine under load: 5,000 chars 0.2 s, 20,000 1.1 s, 100,000 12 s). Longer texts are
# cut and flagged, never refused; the index keeps the whole text.
TAG_TEXT_CHARS = 30_000
TRUNCATED_FLAG = "text_truncated"


def cap_for_tagging(text: str, limit: int = TAG_TEXT_CHARS) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters (at a space when one is near), and whether it was."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind(" ", limit - 200, limit)
    return text[: cut if cut > 0 else limit], True
