"""What changed between two versions of an item, in words and values. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from euradar.core.models import Change, Item


def fmt_date(value: str | None) -> str:
    """ISO date -> 12.03.2026 (the form Finnish and most EU readers expect)."""
    if not value:
        return "none"
    try:
        return date.fromisoformat(value[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return value


def _fmt_money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "none"
    return f"{value:,.0f} {currency or 'EUR'}".replace(",", " ")


def diff_items(old: Item, new: Item) -> list[Change]:
    """The meaningful changes from ``old`` to ``new``; noise (whitespace, fetch time) is ignored
    because callers only diff items whose content hashes differ."""
    changes: list[Change] = []

    def add(field: str, a: Any, b: Any, text: str) -> None:
        changes.append(Change(field=field, old=a, new=b, text=text))

    if old.deadlines != new.deadlines:
        a, b = old.deadlines, new.deadlines
        if len(a) == len(b) == 1 or (a and b and len(a) == len(b)):
            moved = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
            for x, y in moved:
                add("deadline", x, y, f"deadline {fmt_date(x)} -> {fmt_date(y)}")
        else:
            add("deadlines", a, b, "deadlines " + (", ".join(map(fmt_date, a)) or "none")
                + " -> " + (", ".join(map(fmt_date, b)) or "none"))
    if old.status != new.status:
        add("status", old.status, new.status, f"status {old.status or 'unknown'} -> {new.status}")
    if old.opening_date != new.opening_date:
        add("opening_date", old.opening_date, new.opening_date,
            f"opening date {fmt_date(old.opening_date)} -> {fmt_date(new.opening_date)}")
    if old.budget != new.budget:
        add("budget", old.budget, new.budget, "budget " + _fmt_money(old.budget, old.currency)
            + " -> " + _fmt_money(new.budget, new.currency))
    added_docs = [d for d in new.documents if d not in old.documents]
    if added_docs:
        add("documents", None, added_docs, f"{len(added_docs)} new document(s): "
            + ", ".join(added_docs[:5]))
    if " ".join(old.title.split()) != " ".join(new.title.split()):
        add("title", old.title, new.title, f"title changed to \"{new.title}\"")
    if old.type_of_action != new.type_of_action:
        add("type_of_action", old.type_of_action, new.type_of_action,
            f"type of action {old.type_of_action} -> {new.type_of_action}")
    if old.eligibility != new.eligibility:
        add("eligibility", old.eligibility, new.eligibility, "eligibility changed")
    if " ".join(old.text.split()) != " ".join(new.text.split()):
        add("text", None, None, "description updated")
    return changes


def derive_status(opening: str | None, deadlines: list[str], source_status: str | None,
                  today: date | None = None) -> str | None:
    """Status from the dates when they contradict the source (a stale "open" after the last
    deadline, "forthcoming" after opening). Without dates the source's word stands."""
    today = today or datetime.now(UTC).date()
    day = today.isoformat()
    if deadlines and max(d[:10] for d in deadlines) < day:
        return "closed"
    if opening and opening[:10] > day:
        return "forthcoming"
    if deadlines and (opening is None or opening[:10] <= day):
        if source_status == "forthcoming" and opening is None:
            return "forthcoming"
        return "open"
    return source_status
