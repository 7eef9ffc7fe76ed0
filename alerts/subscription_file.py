"""Subscriptions kept in a YAML file under version control.

::

    defaults:            # optional; merged into every entry
      lang: fi
      organisation: Rovaniemi
    subscriptions:
      - id: rovaniemi-energy          # stable id; derived from email+name when left out
        name: Rovaniemi energy
        email: kehitys@rovaniemi.fi
        themes: [T3]
        keywords: 'hydrogen OR "wind power" NOT offshore'
        eligibility: [local authority]
        frequency: weekly
        reminders: [14, 3]

Validation walks the YAML node tree so that every error names the file, the line and the
field: ``subs.yaml line 12: subscription 'rovaniemi-energy', themes: 'X3' is not a theme id
like T3``. All entries are checked and every problem reported before anything is saved.

Loading changes only the fields an entry (or ``defaults``) writes: a stored subscription keeps
its webhook, reminders or geography when the file does not mention them, the same as PATCH in
the API and ``euradar subscribe --id``. To clear a field, write it empty (``geography: []``).
``dump`` writes every field that is set, so dump-edit-load never loses anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from euradar.core.errors import ConfigError
from euradar.core.ports import Store
from euradar.core.subscriptions import Subscription, SubscriptionError

PLACEHOLDER = "stored@subscription.invalid"


class SubscriptionFileError(ConfigError):
    """One line per problem found; ``problems`` holds them for callers (e.g. the web API)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class FileEntry:
    """One validated entry and the fields it (or the defaults) actually wrote."""

    sub: Subscription
    fields: frozenset[str]
    partial: bool = False  # names a stored subscription and leaves out email and webhook_url


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)  # kept (sync without prune)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _value_lines(node: yaml.MappingNode) -> dict[str, int]:
    return {k.value: _line(v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def stable_id(entry: dict[str, Any]) -> str:
    """An id for entries written without one, stable across loads of the same file."""
    basis = f"{entry.get('email') or entry.get('webhook_url') or ''}|{entry.get('name') or ''}"
    return "y" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:11]


def parse_subscriptions(text: str, name: str = "subscriptions.yaml") -> list[Subscription]:
    """Validate the whole file; raise SubscriptionFileError listing every problem."""
    return [entry.sub for entry in parse_entries(text, name)]


def parse_entries(text: str, name: str = "subscriptions.yaml") -> list[FileEntry]:
    """Like :func:`parse_subscriptions`, keeping which fields each entry wrote."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SubscriptionFileError([f"{name}{where}: not valid YAML: "
                                     f"{getattr(exc, 'problem', None) or exc}"]) from exc
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise SubscriptionFileError([f"{name} line 1: expected a mapping with a "
                                     "'subscriptions:' list"])
    top = dict((k.value, v) for k, v in root.value)
    problems: list[str] = []
    unknown = sorted(set(data) - {"defaults", "subscriptions"})
    for key in unknown:
        problems.append(f"{name} line {_line(top[key])}: unknown top-level key {key!r} "
                        "(expected defaults, subscriptions)")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(f"{name} line {_line(top['defaults'])}: defaults must be a mapping")
        defaults = {}
    entries = data.get("subscriptions") or []
    entry_nodes = top["subscriptions"].value if "subscriptions" in top else []
    if not isinstance(entries, list):
        raise SubscriptionFileError(problems + [
            f"{name} line {_line(top['subscriptions'])}: subscriptions must be a list (- ...)"])
    subs: list[FileEntry] = []
    seen: dict[str, int] = {}
    for entry, node in zip(entries, entry_nodes, strict=False):
        line = _line(node)
        if not isinstance(entry, dict) or not isinstance(node, yaml.MappingNode):
            problems.append(f"{name} line {line}: each subscription must be a mapping of "
                            "field: value")
            continue
        lines = _value_lines(node)
        merged = {**defaults, **entry}
        merged.setdefault("id", stable_id(merged))
        label = merged.get("id")
        # An entry naming a stored subscription by id may leave out where alerts go: it changes
        # the fields it writes. It is checked with a stand-in address here, and sync() refuses
        # it if no such subscription is stored.
        partial = "id" in entry and not merged.get("email") and not merged.get("webhook_url")
        try:
            sub = Subscription.from_dict({**merged, "email": PLACEHOLDER} if partial else merged)
        except SubscriptionError as exc:
            at = lines.get(exc.field or "", line)
            problems.append(f"{name} line {at}: subscription {label!r}, "
                            f"{exc.field + ': ' if exc.field else ''}{exc.reason}")
            continue
        except (TypeError, ValueError) as exc:
            problems.append(f"{name} line {line}: subscription {label!r}: {exc}")
            continue
        if sub.id in seen:
            problems.append(f"{name} line {lines.get('id', line)}: id {sub.id!r} is used twice "
                            f"(first on line {seen[sub.id]})")
            continue
        seen[sub.id] = lines.get("id", line)
        subs.append(FileEntry(sub, frozenset(set(defaults) | set(entry)), partial))
    if problems:
        raise SubscriptionFileError(problems)
    return subs


def load_entries(path: str | Path) -> list[FileEntry]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SubscriptionFileError([f"{path}: cannot read: {exc.strerror}"]) from exc
    return parse_entries(text, str(path))


def load_file(path: str | Path) -> list[Subscription]:
    return [entry.sub for entry in load_entries(path)]


def sync(store: Store, subs: Sequence[Subscription | FileEntry],
         prune: bool = False) -> SyncReport:
    """Upsert the file's subscriptions; with ``prune`` delete stored ones not in the file.
    A :class:`FileEntry` changes only the fields it wrote; a bare Subscription replaces."""
    report = SyncReport()
    missing = [s.sub.id for s in subs if isinstance(s, FileEntry) and s.partial
               and store.get_subscription(s.sub.id) is None]
    if missing:  # checked before anything is written
        raise SubscriptionFileError([f"subscription {i!r} is not stored yet, so it needs an email "
                                     "or a webhook_url" for i in missing])
    wanted = {(s.sub if isinstance(s, FileEntry) else s).id for s in subs}
    for given in subs:
        sub = given.sub if isinstance(given, FileEntry) else given
        old = store.get_subscription(sub.id)
        if old is not None and isinstance(given, FileEntry):
            sub = old.updated({f: getattr(sub, f) for f in given.fields if f != "id"})
        if old is not None and old.to_dict() == sub.to_dict():
            report.unchanged.append(sub.id)
            continue
        store.save_subscription(sub)
        (report.updated if old is not None else report.created).append(sub.id)
    for other in store.list_subscriptions():
        if other.id not in wanted:
            if prune:
                store.delete_subscription(other.id)
                report.deleted.append(other.id)
            else:
                report.not_in_file.append(other.id)
    return report


def dump(subs: list[Subscription]) -> str:
    """YAML for the given subscriptions, loadable again by :func:`parse_subscriptions`."""
    entries = []
    for sub in subs:
        data = sub.to_dict()
        entries.append({k: v for k, v in data.items()
                        if v not in (None, "", []) or k in ("reminders",)})
    return yaml.safe_dump({"subscriptions": entries}, allow_unicode=True, sort_keys=False)
