"""Subscriptions (profiles): who hears about what, and how.

A subscription is plain data, validated here with errors that name the field, so the same
checks serve the CLI, the YAML file kept under version control and the HTTP API.

* who: ``name``, ``email``, ``lang`` (fi|en|sv), ``organisation`` (a municipality; the
  organisation ``operators`` marks the people who hear about failing or silent sources)
* what: ``themes``, ``keywords`` (AND/OR/NOT), ``kinds``, ``programmes``, ``eligibility``
  (e.g. "local authority"), ``geography``, ``min_budget``, ``deadline_horizon_days``
* how: ``frequency`` immediate|daily|weekly (daily and weekly go to digests), ``email`` and/or
  ``webhook_url``, and ``reminders``: days before a deadline (default 14 and 3; [] for none)
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from euradar.core.errors import ConfigError
from euradar.core.models import KINDS
from euradar.core.query_syntax import QuerySyntaxError, parse_query

LANGS = ("fi", "en", "sv")
FREQUENCIES = ("immediate", "daily", "weekly")
OPERATORS_ORGANISATION = "operators"
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_THEME = re.compile(r"^T\d+$")
_LIST_FIELDS = ("themes", "kinds", "programmes", "eligibility", "geography", "reminders")


class SubscriptionError(ConfigError):
    """A subscription is invalid; ``field`` names the culprit (None: the whole entry)."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass
class Subscription:
    """A profile. ``keywords`` is an expression: words and "quoted phrases" with AND, OR, NOT
    and parentheses (adjacent terms mean AND), matched on normalized words in any language."""

    id: str
    name: str
    email: str | None = None
    lang: str = "en"
    organisation: str | None = None
    themes: list[str] = field(default_factory=list)
    keywords: str = ""
    kinds: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    eligibility: list[str] = field(default_factory=list)
    geography: list[str] = field(default_factory=list)
    min_budget: float | None = None
    deadline_horizon_days: int | None = None
    frequency: str = "immediate"
    webhook_url: str | None = None
    reminders: list[int] = field(default_factory=lambda: [14, 3])
    active: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        if not isinstance(data, dict):
            raise SubscriptionError("a subscription must be a mapping of field: value")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SubscriptionError(f"unknown field (known: {', '.join(sorted(known))})",
                                    unknown[0])
        data = dict(data)
        for name in _LIST_FIELDS:
            # YAML authors write ``themes: T3`` as often as ``themes: [T3]``; both mean one item.
            if isinstance(data.get(name), (str, int)) and not isinstance(data.get(name), bool):
                data[name] = [data[name]]
            if data.get(name) is None and name in data:
                data[name] = [] if name != "reminders" else [14, 3]
        data.setdefault("id", new_id())
        data["id"] = str(data["id"])
        if not data.get("name"):
            # Not the webhook URL itself: it often carries a secret, and names are shown.
            hook = re.match(r"^https?://([^/:?#@]+)", str(data.get("webhook_url") or ""))
            data["name"] = data.get("email") or (hook.group(1) if hook else "") or data["id"]
        if data.get("keywords") is None:
            data["keywords"] = ""
        sub = cls(**data)
        sub.validate()
        return sub

    def updated(self, changes: dict[str, Any]) -> Subscription:
        """A copy with only the fields in ``changes`` replaced (PATCH semantics: a field left
        out keeps its value; ``None`` resets it to its default). Validated like a new one."""
        if not isinstance(changes, dict):
            raise SubscriptionError("changes must be a mapping of field: value")
        if "id" in changes and changes["id"] not in (None, self.id):
            raise SubscriptionError("the id of a subscription cannot be changed", "id")
        data = {**self.to_dict(), **{k: v for k, v in changes.items() if k != "id"}}
        for name, value in changes.items():
            if value is None and name in FIELD_DEFAULTS:
                data[name] = FIELD_DEFAULTS[name]
        return Subscription.from_dict(data)

    @property
    def is_operator(self) -> bool:
        return (self.organisation or "").strip().lower() == OPERATORS_ORGANISATION

    def validate(self) -> None:
        """Raise SubscriptionError naming the first wrong field."""
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", self.id):
            raise SubscriptionError(f"{self.id!r} must be 1-64 letters, digits, '.', '_' or '-'",
                                    "id")
        if not self.email and not self.webhook_url:
            raise SubscriptionError("a subscription needs an email or a webhook_url", "email")
        if self.email and not (isinstance(self.email, str) and _EMAIL.match(self.email)):
            raise SubscriptionError(f"{self.email!r} is not an email address", "email")
        if self.webhook_url and not re.match(r"^https?://\S+$", str(self.webhook_url)):
            raise SubscriptionError("must start with http:// or https://", "webhook_url")
        if self.lang not in LANGS:
            raise SubscriptionError(f"must be one of {', '.join(LANGS)}, got {self.lang!r}", "lang")
        for name in _LIST_FIELDS:
            if not isinstance(getattr(self, name), list):
                raise SubscriptionError("must be a list, e.g. [a, b]", name)
        for name in ("themes", "kinds", "programmes", "eligibility", "geography"):
            for value in getattr(self, name):
                if not isinstance(value, str) or not value.strip():
                    raise SubscriptionError(f"{value!r} must be a non-empty text", name)
        for t in self.themes:
            if not _THEME.match(t):
                raise SubscriptionError(f"{t!r} is not a theme id like T3", "themes")
        for k in self.kinds:
            if k not in KINDS:
                raise SubscriptionError(f"{k!r} is not one of {', '.join(KINDS)}", "kinds")
        if self.frequency not in FREQUENCIES:
            raise SubscriptionError(f"must be one of {', '.join(FREQUENCIES)}, got "
                                    f"{self.frequency!r}", "frequency")
        if any(isinstance(r, bool) or not isinstance(r, int) or not 0 <= r <= 365
               for r in self.reminders):
            raise SubscriptionError("must be whole days before the deadline (0-365), e.g. [14, 3]",
                                    "reminders")
        self.reminders = sorted(set(self.reminders), reverse=True)
        if self.min_budget is not None and (isinstance(self.min_budget, bool) or not isinstance(
                self.min_budget, (int, float)) or self.min_budget < 0):
            raise SubscriptionError("must be a non-negative number of euros", "min_budget")
        if self.deadline_horizon_days is not None and (
                isinstance(self.deadline_horizon_days, bool)
                or not isinstance(self.deadline_horizon_days, int)
                or self.deadline_horizon_days < 0):
            raise SubscriptionError("must be a whole number of days", "deadline_horizon_days")
        if not isinstance(self.active, bool):
            raise SubscriptionError("must be true or false", "active")
        if not isinstance(self.keywords, str):
            raise SubscriptionError("must be a text expression", "keywords")
        try:
            parse_query(self.keywords)
        except QuerySyntaxError as exc:
            raise SubscriptionError(str(exc), "keywords") from exc


FIELD_DEFAULTS: dict[str, Any] = {"lang": "en", "keywords": "", "frequency": "immediate",
                                  "active": True, "name": ""}


def new_id() -> str:
    return uuid.uuid4().hex[:12]
