"""What the API and the UI both ask of the runtime: searches, item pages, sources, previews.

Kept apart from the routes so JSON and HTML answers come from the same code and cannot drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from fastapi import Request

from euradar.alerts.matching import iter_items
from euradar.core.errors import ConfigError
from euradar.core.models import Item
from euradar.core.ports import SearchPage, SourceState
from euradar.core.subscriptions import Subscription
from euradar.crawlers.sources import SourceConfig, load_sources
from euradar.runtime import Runtime
from euradar.web.params import SearchParams

# An export is for a spreadsheet or a calendar, not a dump of the whole index.
MAX_EXPORT_ITEMS = 5000


def today_utc() -> date:
    return datetime.now(UTC).date()


def runtime_of(request: Request) -> Runtime:
    """The runtime :func:`euradar.web.app.create_app` put on the application's state."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def run_search(runtime: Runtime, params: SearchParams) -> SearchPage:
    return runtime.index.search(params.to_query())


def page_count(page: SearchPage) -> int:
    return max(1, math.ceil(page.total / page.size)) if page.size else 1


def export_items(runtime: Runtime, params: SearchParams) -> list[Item]:
    """Every item of a search (all pages, in its sort order) up to MAX_EXPORT_ITEMS."""
    return list(islice(iter_items(runtime.index, params.to_query(facets=False)), MAX_EXPORT_ITEMS))


@dataclass
class ItemDetail:
    item: Item
    history: list[dict[str, Any]]

    @property
    def provenance(self) -> dict[str, Any]:
        i = self.item
        return {"source": i.source, "url": i.url, "first_seen": i.first_seen,
                "fetched_at": i.fetched_at, "content_hash": i.content_hash, "version": i.version}


def item_detail(runtime: Runtime, item_id: str) -> ItemDetail | None:
    """The indexed item (or, when the indexer lags, the store's last version) and its history."""
    item = runtime.index.get(item_id) or runtime.store.last_item(item_id)
    if item is None:
        return None
    return ItemDetail(item=item, history=runtime.store.item_history(item_id))


def _health(state: SourceState | None, enabled: bool | None) -> str:
    if enabled is False:
        return "disabled"
    if state is None or not state.last_attempt:
        return "never_run"
    if state.consecutive_failures:
        return "failing"
    if state.consecutive_empty:
        return "empty"
    return "ok"


def sources_overview(runtime: Runtime) -> tuple[list[dict[str, Any]], str | None]:
    """The configured sources with their health, plus sources known only from stored state
    (removed from the file but still in the index). Returns (rows, why the file failed)."""
    states = {s.name: s for s in runtime.store.list_source_states()}
    configs: list[SourceConfig] = []
    problem: str | None = None
    try:
        configs = load_sources(runtime.settings.sources_file, runtime.settings.source_overrides)
    except ImportError as exc:
        problem = f"the crawler package is not installed: {exc}"
    except (ConfigError, OSError) as exc:
        problem = str(exc)
    rows: list[dict[str, Any]] = []
    for cfg in configs:
        state = states.pop(cfg.name, None)
        rows.append({**_state_fields(state), "name": cfg.name, "configured": True,
                     "kind": cfg.kind, "route": cfg.route, "url": cfg.url,
                     "schedule": cfg.schedule, "enabled": cfg.enabled,
                     "health": _health(state, cfg.enabled)})
    for name, state in sorted(states.items()):
        rows.append({**_state_fields(state), "name": name, "configured": False,
                     "health": _health(state, None)})
    return rows, problem


def _state_fields(state: SourceState | None) -> dict[str, Any]:
    if state is None:
        return {}
    names = ("last_attempt", "last_success", "last_error", "last_item_count", "items_seen",
             "error_count", "consecutive_failures", "consecutive_empty")
    return {n: getattr(state, n) for n in names}


def subscription_from(data: dict[str, Any], sub_id: str | None = None) -> Subscription:
    """Build and validate a subscription; raises SubscriptionError naming the field."""
    data = {k: v for k, v in data.items() if not (k == "id" and v is None)}
    if sub_id is not None:
        data["id"] = sub_id
    return Subscription.from_dict(data)
