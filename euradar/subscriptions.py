"""Subscriptions (profiles): who hears about what, and how.

A subscription is plain data, validated here with errors that name the field, so the same
checks serve the CLI, the YAML file kept under version control and the HTTP API.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from euradar.errors import ConfigError
from euradar.models import KINDS

LANGS = ("fi", "en", "sv")
FREQUENCIES = ("immediate", "daily", "weekly")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_THEME = re.compile(r"^T\d+$")


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
    def from_dict(cls, data: dict[str, Any]) -> "Subscription":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown field(s): {', '.join(unknown)}")
        data = dict(data)
        data.setdefault("id", new_id())
        if not data.get("name"):
            data["name"] = data.get("email") or data["id"]
        sub = cls(**data)
        sub.validate()
        return sub

    def validate(self) -> None:
        """Raise ConfigError naming the first wrong field."""
        from euradar.matching import parse_keywords

        if not self.email and not self.webhook_url:
            raise ConfigError("a subscription needs an email or a webhook_url")
        if self.email and not _EMAIL.match(self.email):
            raise ConfigError(f"email: {self.email!r} is not an email address")
        if self.webhook_url and not re.match(r"^https?://", self.webhook_url):
            raise ConfigError(f"webhook_url: must start with http:// or https://")
        if self.lang not in LANGS:
            raise ConfigError(f"lang: must be one of {', '.join(LANGS)}, got {self.lang!r}")
        for t in self.themes:
            if not _THEME.match(str(t)):
                raise ConfigError(f"themes: {t!r} is not a theme id like T3")
        for k in self.kinds:
            if k not in KINDS:
                raise ConfigError(f"kinds: {k!r} is not one of {', '.join(KINDS)}")
        if self.frequency not in FREQUENCIES:
            raise ConfigError(f"frequency: must be one of {', '.join(FREQUENCIES)}")
        if any(not isinstance(r, int) or r < 0 for r in self.reminders):
            raise ConfigError("reminders: must be a list of whole days before the deadline")
        try:
            parse_keywords(self.keywords)
        except ValueError as exc:
            raise ConfigError(f"keywords: {exc}") from exc


def new_id() -> str:
    return uuid.uuid4().hex[:12]
