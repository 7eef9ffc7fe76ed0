"""Search parameters shared by the API, the exports and the UI, mapped onto :class:`Query`.

One pydantic model validates every entry point the same way, so a bad date or an unknown sort
is a 422 naming the parameter (never a 500), and the OpenAPI spec lists allowed values.
The API is strict (an empty date is an error); the UI drops the empty fields a plain HTML form
sends (``deadline_from=``) before validating.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from euradar.core.ports import Query
from euradar.core.query_syntax import QuerySyntaxError, parse_query

# Paging limits keep OFFSET far from SQLite's integer range and a page cheap to render.
MAX_PAGE = 1000
MAX_SIZE = 100
# Results past this one are not paged (Elasticsearch's default result window): narrow instead.
MAX_RESULT_WINDOW = 10_000
# Field filters as typed in every interface language (the page shows them as code).
QUERY_FIELD_EXAMPLES = ("theme:T3", "programme:HORIZON", "status:open", "kind:call", "lang:fi")
QUERY_HELP = ('words, "a phrase", AND / OR / NOT (upper case) or -word, (parentheses), '
              "prefix*, " + " ".join(QUERY_FIELD_EXAMPLES))

Kind = Literal["call", "tender", "news"]
Status = Literal["forthcoming", "open", "closed"]
Sort = Literal["relevance", "deadline", "first_seen"]
ThemeId = Annotated[str, Field(pattern=r"^T\d{1,3}$")]
# Free-form values are bounded so a hostile URL stays cheap to run.
FilterValue = Annotated[str, Field(min_length=1, max_length=200)]


def _iso_date_text(value: object) -> object:
    # Without this pydantic would also take "0" or "1700000000" as a Unix timestamp.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be an ISO date like 2026-03-12")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class SearchParams(BaseModel):
    """The query string of ``/api/search``, ``/api/export.csv``, ``/api/calendar.ics`` and ``/``."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field(default="", max_length=500, description=(
        "The query language: " + QUERY_HELP + ". Finnish and Swedish inflections match. "
        "A query that does not parse is a 422 whose `type` is `query_syntax`, with the "
        "`position` (0-based) of the problem."))
    theme: list[ThemeId] = Field(default=[], max_length=50, description="Theme ids (T1..T8); OR.")
    kind: list[Kind] = []
    programme: list[FilterValue] = Field(default=[], max_length=50)
    status: list[Status] = []
    language: list[Literal["en", "fi", "sv"]] = Field(default=[], description="Language of the item.")
    eligibility: list[FilterValue] = Field(default=[], max_length=50, description="e.g. smes")
    source: list[FilterValue] = Field(default=[], max_length=50)
    deadline_from: IsoDate | None = Field(default=None, description="Has a deadline on or after this day.")
    deadline_to: IsoDate | None = None
    first_seen_from: IsoDate | None = None
    first_seen_to: IsoDate | None = None
    sort: Sort = "relevance"
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    size: int = Field(default=20, ge=1, le=MAX_SIZE)

    @field_validator("q")
    @classmethod
    def _query_parses(cls, value: str) -> str:
        try:
            parse_query(value)
        except QuerySyntaxError as exc:
            raise PydanticCustomError("query_syntax", "{message}", {
                "message": str(exc), "position": exc.position}) from exc
        return value

    @model_validator(mode="after")
    def _ranges_in_order(self) -> SearchParams:
        for lo, hi in (("deadline_from", "deadline_to"), ("first_seen_from", "first_seen_to")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a and b and a > b:
                raise ValueError(f"{lo} ({a}) is after {hi} ({b})")
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise ValueError(f"page {self.page} of {self.size} goes past result "
                             f"{MAX_RESULT_WINDOW:,}; narrow the search or sort differently")
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
