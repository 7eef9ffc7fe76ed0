"""Request and response bodies of the HTTP API (they are also the OpenAPI spec's schemas)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from euradar.core.models import Item


class ItemOut(BaseModel):
    """An item as the index holds it (see :class:`euradar.core.models.Item`)."""

    id: str
    kind: Literal["call", "tender", "news"]
    source: str
    url: str
    title: str
    text: str = ""
    lang: str | None = None
    programme: str | None = None
    call_ids: list[str] = []
    opening_date: str | None = None
    deadlines: list[str] = []
    status: Literal["forthcoming", "open", "closed"] | None = None
    budget: float | None = None
    currency: str | None = None
    eligibility: list[str] = []
    type_of_action: str | None = None
    documents: list[str] = []
    published: str | None = None
    first_seen: str | None = None
    fetched_at: str | None = None
    content_hash: str = ""
    version: int = 1
    themes: list[dict[str, Any]] = Field(default=[], description="[{id, score, evidence: [{text, term}]}]")
    flags: list[str] = []
    geography: list[str] = []
    extra: dict[str, Any] = {}

    @classmethod
    def of(cls, item: Item) -> ItemOut:
        return cls(**item.to_dict())


class HitOut(BaseModel):
    item: ItemOut
    score: float
    highlights: list[str] = Field(default=[], description="HTML-escaped snippets; matches in <mark>")
    next_deadline: str | None = None


class WayOutOut(BaseModel):
    kind: str = Field(description="drop (a filter in force), theme or english")
    label: str
    total: int = Field(description="results of that search")
    url: str = Field(description="the same search with this change, as /api/search?...")


class SearchOut(BaseModel):
    total: int
    page: int
    size: int
    pages: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]] = Field(default={}, description="field -> value -> count")
    index_empty: bool = Field(default=False, description="nothing has been crawled yet")
    load_hint: str | None = Field(default=None, description="how to load items, when empty")
    ways_out: list[WayOutOut] = Field(default=[], description=(
        "with zero hits: each filter in force with the results without it, a theme or the "
        "English term to try"))


class Provenance(BaseModel):
    source: str
    url: str
    first_seen: str | None
    fetched_at: str | None
    content_hash: str
    version: int


class VersionOut(BaseModel):
    version: int
    seen_at: str
    content_hash: str | None = None
    changes: list[dict[str, Any]] = Field(default=[], description="[{field, old, new, text}]")


class ItemDetailOut(BaseModel):
    item: ItemOut
    provenance: Provenance
    history: list[VersionOut]


class SubscriptionIn(BaseModel):
    """A subscription as a client sends it; the domain checks (euradar.core.subscriptions) run after
    these type checks and their messages come back as 422 too."""

    # strict: JSON types as documented (no "active": 0 or "days": "3" coerced behind the back).
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                           description="Ignored on PUT (the path names it); generated if absent.")
    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320,
                              pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$",
                              description="An email or a webhook_url is required")
    lang: Literal["fi", "en", "sv"] = "en"
    organisation: str | None = Field(default=None, max_length=200)
    themes: list[Annotated[str, Field(pattern=r"^T\d+$")]] = Field(default=[], max_length=50)
    keywords: str = Field(default="", max_length=1000)
    kinds: list[Literal["call", "tender", "news"]] = []
    programmes: list[str] = Field(default=[], max_length=50)
    eligibility: list[str] = Field(default=[], max_length=50)
    geography: list[str] = Field(default=[], max_length=50)
    min_budget: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    deadline_horizon_days: int | None = Field(default=None, ge=0, le=3650)
    frequency: Literal["immediate", "daily", "weekly"] = "immediate"
    webhook_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    reminders: list[Annotated[int, Field(ge=0, le=365)]] = Field(default=[14, 3], max_length=10)
    active: bool = True


class SubscriptionPatch(BaseModel):
    """A partial update: only the fields sent change; ``null`` resets a field to its default."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320,
                              pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
    lang: Literal["fi", "en", "sv"] | None = None
    organisation: str | None = Field(default=None, max_length=200)
    themes: list[Annotated[str, Field(pattern=r"^T\d+$")]] | None = Field(default=None,
                                                                         max_length=50)
    keywords: str | None = Field(default=None, max_length=1000)
    kinds: list[Literal["call", "tender", "news"]] | None = None
    programmes: list[str] | None = Field(default=None, max_length=50)
    eligibility: list[str] | None = Field(default=None, max_length=50)
    geography: list[str] | None = Field(default=None, max_length=50)
    min_budget: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    deadline_horizon_days: int | None = Field(default=None, ge=0, le=3650)
    frequency: Literal["immediate", "daily", "weekly"] | None = None
    webhook_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    reminders: list[Annotated[int, Field(ge=0, le=365)]] | None = Field(default=None,
                                                                       max_length=10)
    active: bool | None = None


class SubscriptionOut(BaseModel):
    id: str
    name: str
    email: str | None
    lang: str
    organisation: str | None
    themes: list[str]
    keywords: str
    kinds: list[str]
    programmes: list[str]
    eligibility: list[str]
    geography: list[str]
    min_budget: float | None
    deadline_horizon_days: int | None
    frequency: str
    webhook_url: str | None
    reminders: list[int]
    active: bool


class PreviewMatch(BaseModel):
    item: ItemOut
    reasons: list[str] = Field(default=[], description="Why it matched, in the asked language")
    why: dict[str, Any] = Field(default={}, description="The same reasons as data: themes "
                                "with evidence words, keyword terms that hit, eligibility, area")
    status: str | None = None
    closed: bool = Field(default=False, description="Closed now")
    alerted: bool = Field(default=True, description="Would have been mailed: False for an "
                          "item already closed when first seen")


class PreviewOut(BaseModel):
    days: int
    total: int
    alerted: int = Field(default=0, description="How many of the matches would have been mailed")
    scanned: int = 0
    truncated: bool = Field(default=False, description="The scan limit was reached")
    matches: list[PreviewMatch]


class SourceOut(BaseModel):
    name: str
    display_name: str | None = Field(default=None, description="The name people read (English)")
    health: Literal["ok", "failing", "empty", "never_run", "disabled"]
    configured: bool = Field(description="Listed in the sources file (False: state only)")
    kind: str | None = None
    route: str | None = None
    url: str | None = None
    schedule: str | None = None
    enabled: bool | None = None
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_item_count: int = 0
    items_seen: int = 0
    error_count: int = 0
    consecutive_failures: int = 0
    consecutive_empty: int = 0


class SourcesOut(BaseModel):
    sources: list[SourceOut]
    config_error: str | None = Field(default=None, description="Why the source list could not be read")


class ErrorOut(BaseModel):
    detail: Any
