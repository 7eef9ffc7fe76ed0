"""Server-rendered pages: search with facets, item pages and source health.

Everything works without JavaScript (the search is a plain GET form); the small scripts in
``static/`` only add conveniences (filters apply on click, the live subscription preview).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from euradar.core.ports import FACET_FIELDS, SearchPage
from euradar.web import queries
from euradar.web.i18n import UI_LANGS, pick_lang
from euradar.web.params import FACET_PARAM, QUERY_FIELD_EXAMPLES, SearchParams
from euradar.web.search_help import search_help
from euradar.web.templating import lang_query, render

router = APIRouter(include_in_schema=False)
_LIST_PARAMS = {name for name, f in SearchParams.model_fields.items()
                if getattr(f.annotation, "__origin__", None) is list}
# Facets in the order an analyst narrows down: what, open or not, theme, who, where from.
FACET_ORDER = ("kind", "status", "themes", "eligibility", "programme", "lang", "source")
assert set(FACET_ORDER) == set(FACET_FIELDS)


def ui_lang(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"))


def switch_lang_url(request: Request, lang: str) -> str:
    """The current page in ``lang`` (all other parameters kept, a manage key dropped)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "k")]
    if lang != "en":
        pairs.append(("lang", lang))
    return request.url.path + ("?" + urlencode(pairs) if pairs else "")


def page_context(request: Request, lang: str, **extra: Any) -> dict[str, Any]:
    return {"switch_urls": {other: switch_lang_url(request, other)
                            for other in UI_LANGS if other != lang},
            "path": request.url.path, **extra}


@dataclass
class QueryError:
    """A search text that does not parse: the message and where, for the page."""

    text: str
    message: str
    position: int


def parse_search(request: Request) -> tuple[SearchParams, list[str], QueryError | None]:
    """SearchParams from the query string; invalid input becomes messages, not an error page.
    A search text that does not parse keeps the other parameters (filters stay as chosen) and
    comes back as a QueryError to show with a caret under the problem."""
    raw: dict[str, Any] = {}
    for key in request.query_params:
        # A plain GET form sends every field, empty ones as "": those mean "not given".
        values = [v for v in request.query_params.getlist(key) if v != ""]
        if values:
            raw[key] = values if key in _LIST_PARAMS else values[-1]
    try:
        return SearchParams.model_validate(raw), [], None
    except ValidationError as exc:
        problems = exc.errors()
    syntax = [e for e in problems if e["type"] == "query_syntax"]
    query_error = None
    if syntax:
        ctx = syntax[0].get("ctx") or {}
        query_error = QueryError(str(raw.get("q", "")), str(ctx.get("message", syntax[0]["msg"])),
                                 int(ctx.get("position", 0)))
        raw.pop("q", None)
        try:
            return SearchParams.model_validate(raw), [], query_error
        except ValidationError as again:
            problems = again.errors()
    messages = [f"{'.'.join(map(str, e['loc'])) or 'query'}: {e['msg']}" for e in problems]
    return SearchParams(), messages, query_error


def facet_groups(params: SearchParams, page: SearchPage, lang: str) -> list[dict[str, Any]]:
    """Facet checkboxes: each value with its count; a chosen value stays listed even when the
    other filters leave it no results, so it can be unticked."""
    groups = []
    for field in FACET_ORDER:
        param = FACET_PARAM[field]
        chosen = [str(v) for v in getattr(params, param)]
        counts = dict(page.facets.get(field, {}))
        for value in chosen:
            counts.setdefault(value, 0)
        if not counts:
            continue
        values = [{"value": v, "count": n, "checked": v in chosen,
                   "id": f"f-{param}-{i}"} for i, (v, n) in enumerate(counts.items())]
        groups.append({"field": field, "param": param, "values": values[:30]})
    return groups


@router.get("/")
def search_page(request: Request) -> HTMLResponse:
    lang = ui_lang(request)
    params, errors, query_error = parse_search(request)
    runtime = queries.runtime_of(request)
    if query_error is None:
        page = queries.run_search(runtime, params)
    else:  # show the problem, not results for a query the user did not mean
        page = SearchPage(total=0, hits=[], facets={}, page=1, size=params.size)
    pages = queries.page_count(page)
    help_ = search_help(runtime.index, params, lang) if not page.total and not query_error \
        else None
    extra = {"lang": lang} if lang != "en" else None
    links = {
        "prev": params.to_url("/", extra, page=params.page - 1) if params.page > 1 else None,
        "next": params.to_url("/", extra, page=params.page + 1) if params.page < pages else None,
        "csv": params.to_url("/api/export.csv", extra, page=1, size=20),
        "ics": params.to_url("/api/calendar.ics", extra, page=1, size=20),
        "clear": "/" + lang_query(lang),
    }
    return render("search.html", lang, **page_context(
        request, lang, params=params, page=page, pages=pages, errors=errors, links=links,
        facets=facet_groups(params, page, lang), today=queries.today_utc(),
        filtered=has_filters(params), query_error=query_error, help=help_,
        query_fields=QUERY_FIELD_EXAMPLES,
        shown_q=query_error.text if query_error else params.q))


def has_filters(params: SearchParams) -> bool:
    """Whether anything narrows the search besides its text (then "Clear all" is offered)."""
    return any(getattr(params, param) for param in FACET_PARAM.values()) or any(
        (params.deadline_from, params.deadline_to, params.first_seen_from, params.first_seen_to))


@router.get("/items/{item_id:path}")
def item_page(request: Request, item_id: str) -> HTMLResponse:
    lang = ui_lang(request)
    detail = queries.item_detail(queries.runtime_of(request), item_id)
    if detail is None:
        return render("not_found.html", lang, status_code=404,
                      **page_context(request, lang, item_id=item_id))
    return render("item.html", lang, **page_context(
        request, lang, item=detail.item, history=list(reversed(detail.history)),
        provenance=detail.provenance, today=queries.today_utc()))


@router.get("/sources")
def sources_page(request: Request) -> HTMLResponse:
    lang = ui_lang(request)
    rows, problem = queries.sources_overview(queries.runtime_of(request))
    return render("sources.html", lang, **page_context(request, lang, rows=rows, problem=problem))
