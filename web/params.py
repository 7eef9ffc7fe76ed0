"""Search parameters shared by the API, the exports and the UI, mapped onto :class:`Query`.

One pydantic model validates every entry point the same way, so a bad date or an unknown sort
is a 422 naming the parameter (never a 500), and the OpenAPI spec lists allowed values.
Empty strings count as "not given" because a plain HTML form sends ``deadline_from=``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from euradar.ports import Query

# Paging limits keep OFFSET far from SQLite's integer range and a page cheap to render.
MAX_PAGE = 1000
MAX_SIZE = 100

Kind = Literal["call", "tender", "news"]
Status = Literal["forthcoming", "open", "closed"]
Sort = Literal["relevance", "deadline", "first_seen"]


class SearchParams(BaseModel):
    """The query string of ``/api/search``, ``/api/export.csv``, ``/api/calendar.ics`` and ``/``."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field("", max_length=500, description="Full text; Finnish inflections match.")
    theme: list[str] = Field([], description="Theme ids (T1..T8); several are OR.")
    kind: list[Kind] = []
    programme: list[str] = []
    status: list[Status] = []
    language: list[Literal["en", "fi", "sv"]] = Field([], description="Language of the item.")
    eligibility: list[str] = []
    source: list[str] = []
    deadline_from: date | None = Field(None, description="Has a deadline on or after (ISO date).")
    deadline_to: date | None = None
    first_seen_from: date | None = None
    first_seen_to: date | None = None
    sort: Sort = "relevance"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    size: int = Field(20, ge=1, le=MAX_SIZE)

    @field_validator("deadline_from", "deadline_to", "first_seen_from", "first_seen_to",
                     mode="before")
    @classmethod
    def _empty_date_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("sort", mode="before")
    @classmethod
    def _empty_sort_is_default(cls, value: object) -> object:
        return "relevance" if value == "" else value

    @field_validator("theme", "programme", "eligibility", "source", "kind", "status", "language",
                     mode="before")
    @classmethod
    def _drop_empty_values(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        return [v for v in value if v != ""] if isinstance(value, list) else value

    @field_validator("theme")
    @classmethod
    def _theme_ids(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not (v[:1] == "T" and v[1:].isdigit() and len(v) <= 4)]
        if bad:
            raise ValueError(f"not a theme id like T3: {', '.join(map(repr, bad[:3]))}")
        return values

    @field_validator("programme", "eligibility", "source")
    @classmethod
    def _bounded_values(cls, values: list[str]) -> list[str]:
        # Free-form values: bounded so a hostile URL stays cheap to run.
        if len(values) > 50 or any(len(v) > 200 for v in values):
            raise ValueError("at most 50 values of at most 200 characters")
        return values

    @model_validator(mode="after")
    def _ranges_in_order(self) -> "SearchParams":
        for lo, hi in (("deadline_from", "deadline_to"), ("first_seen_from", "first_seen_to")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a and b and a > b:
                raise ValueError(f"{lo} ({a}) is after {hi} ({b})")
        return self

    def to_query(self, *, facets: bool = True, page: int | None = None,
                 size: int | None = None) -> Query:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return Query(
            text=self.q, themes=tuple(self.theme), kinds=tuple(self.kind),
            statuses=tuple(self.status), langs=tuple(self.language),
            programmes=tuple(self.programme), sources=tuple(self.source),
            eligibility=tuple(self.eligibility),
            deadline_from=iso(self.deadline_from), deadline_to=iso(self.deadline_to),
            first_seen_from=iso(self.first_seen_from), first_seen_to=iso(self.first_seen_to),
            sort=self.sort, page=page or self.page, size=size or self.size, facets=facets)

    def to_pairs(self, **changes: object) -> list[tuple[str, str]]:
        """The parameters as query-string pairs (defaults left out), with ``changes`` applied;
        used to build facet, paging and export links that keep the rest of the search."""
        data = self.model_dump()
        data.update(changes)
        pairs: list[tuple[str, str]] = []
        for name, value in data.items():
            default = type(self).model_fields[name].default
            if value is None or value == default:
                continue
            for v in value if isinstance(value, list) else [value]:
                pairs.append((name, v.isoformat() if isinstance(v, date) else str(v)))
        return pairs

    def to_url(self, path: str, extra: dict[str, str] | None = None, **changes: object) -> str:
        pairs = self.to_pairs(**changes) + list((extra or {}).items())
        return path + ("?" + urlencode(pairs) if pairs else "")


# The Query field and the Hit/facet name behind each SearchParams filter, for the UI's facets.
FACET_PARAM = {"kind": "kind", "status": "status", "lang": "language", "programme": "programme",
               "themes": "theme", "eligibility": "eligibility", "source": "source"}
