"""EU Funding & Tenders search API (SEDIA) records and topic details -> Items. Pure functions.

Quirks handled (all seen in the real captures under shared/corpus/ftp_api):

* every metadata value is a list of strings; some are JSON inside the string (``actions``,
  ``budgetOverview``, ``latestInfos``, ``links``, ``lots``) and may be cut mid-object: a broken
  field is skipped with a warning in ``extra["parse_warnings"]``, the record is kept;
* each topic comes once per language copy and, in the stale ``SEDIA_PRD_CENTRICITY`` index,
  again as an old version: :func:`collapse` keeps one record per identifier (English, current);
* the status code disagrees with the dates in stale rows: :func:`derive_status` decides, except
  that a source "closed" is trusted (two-stage calls close after stage 1 with a later deadline).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from euradar.core.changes import derive_status
from euradar.core.errors import InvalidItem
from euradar.core.models import Item
from euradar.crawlers.text import clean_text, html_to_text, iso_date

log = logging.getLogger(__name__)

STATUS_CODES = {"31094501": "forthcoming", "31094502": "open", "31094503": "closed"}
TENDER_TYPES = {"0"}
CALL_TYPES = {"1", "2", "8"}  # grants, grants (other), cascade funding
# frameworkProgramme ids seen in captures (the launchpad capture's _meta table).
PROGRAMME_IDS = {"43108390": "HORIZON", "44181033": "EDF"}
TOPIC_URL = ("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/"
             "opportunities/topic-details/{id}")
TENDER_URL = ("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/"
              "opportunities/tender-details/{id}")


def _first(md: Mapping[str, Any], key: str) -> str | None:
    value = md.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    return str(value)


def first_value(md: Mapping[str, Any], key: str) -> str | None:
    """The first value of a metadata field (every SEDIA value is a list of strings)."""
    return _first(md, key)


def _all(md: Mapping[str, Any], key: str) -> list[str]:
    value = md.get(key)
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]


def _json_field(md: Mapping[str, Any], key: str, warnings: list[str]) -> Any:
    raw = _first(md, key)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        warnings.append(f"{key}: not valid JSON ({exc.msg} at {exc.pos} of {len(raw)} chars)")
        return None


def fingerprint(result: Mapping[str, Any]) -> str:
    """Stable hash of a search record; an unchanged record needs no topic-detail request."""
    raw = json.dumps(result.get("metadata", result), sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def records(envelope: Any) -> list[dict[str, Any]]:
    """The result records of a search envelope (also accepts a bare list)."""
    if isinstance(envelope, list):
        return [r for r in envelope if isinstance(r, dict)]
    if not isinstance(envelope, dict) or not isinstance(envelope.get("results"), list):
        raise ValueError("not a search API envelope: no 'results' list")
    return [r for r in envelope["results"] if isinstance(r, dict)]


def collapse(results: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One record per identifier, preferring the English copy from the current index.

    Returns (kept, broken): broken records lack an identifier and cannot be grouped.
    """
    best: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
    broken: list[dict[str, Any]] = []
    for index, result in enumerate(results):
        md = result.get("metadata") or {}
        ident = _first(md, "identifier")
        if not ident:
            broken.append(result)
            continue
        lang = result.get("language") or _first(md, "language")
        rank = (0 if lang == "en" else 1, 0 if _first(md, "DATASOURCE") != "SEDIA_PRD_CENTRICITY" else 1,
                index)
        if ident not in best or rank < best[ident][0]:
            best[ident] = (rank, result)
    kept = sorted(best.values(), key=lambda pair: pair[0][2])
    return [result for _, result in kept], broken


def _budget_for(overview: Any, identifier: str) -> float | None:
    """Sum of the yearly budgets of the actions of this topic in a budgetOverview object."""
    if not isinstance(overview, dict):
        return None
    total, found = 0.0, False
    for actions in (overview.get("budgetTopicActionMap") or {}).values():
        for action in actions or []:
            name = str(action.get("action", ""))
            if name.split(" - ")[0].strip() != identifier:
                continue
            for amount in (action.get("budgetYearMap") or {}).values():
                try:
                    total += float(amount)
                    found = True
                except (TypeError, ValueError):
                    continue
    return total if found and total > 0 else None


def _programme(md: Mapping[str, Any], call_ids: list[str]) -> str | None:
    fp = _first(md, "frameworkProgramme")
    if fp in PROGRAMME_IDS:
        return PROGRAMME_IDS[fp]
    for call_id in call_ids:
        if "/" not in call_id and "-" in call_id:
            return call_id.split("-")[0]
    return None


def resolve_status(source_status: str | None, opening: str | None, deadlines: list[str],
                   today: date | None = None) -> str | None:
    if source_status == "closed":
        return "closed"
    return derive_status(opening, deadlines, source_status, today=today)


def record_to_item(result: Mapping[str, Any], source: str, default_kind: str,
                   topic_url: str | None = None, today: date | None = None) -> Item:
    """One search record -> Item; raises InvalidItem when identifier or title is missing."""
    md = result.get("metadata")
    if not isinstance(md, Mapping):
        raise InvalidItem("record has no metadata object", "metadata")
    identifier = _first(md, "identifier")
    if not identifier:
        raise InvalidItem("record has no identifier", "identifier")
    title = clean_text(_first(md, "title") or result.get("summary"))
    if not title:
        raise InvalidItem(f"record {identifier} has no title", "title")
    warnings: list[str] = []
    type_code = _first(md, "type")
    kind = "tender" if type_code in TENDER_TYPES else "call" if type_code in CALL_TYPES else default_kind
    call_ids = _all(md, "callIdentifier")
    opening = iso_date(_first(md, "startDate"))
    deadlines = [d for d in (iso_date(v) for v in _all(md, "deadlineDate")) if d]
    status = resolve_status(STATUS_CODES.get(_first(md, "status") or ""), opening, deadlines, today)
    url = _first(md, "url") or result.get("url") or ""
    # Stale index rows point at the topicDetails JSON; users need the portal page.
    if "/topic-details/" not in url and "/tender-details/" not in url:
        template = topic_url or (TENDER_URL if kind == "tender" else TOPIC_URL)
        url = template.format(id=identifier)
    text = html_to_text(_first(md, "descriptionByte")) or clean_text(_first(md, "description"))
    item = Item(id=f"ft:{identifier}", kind=kind, source=source, url=url, title=title, text=text,
                lang=result.get("language") or _first(md, "language"),
                programme=_programme(md, call_ids), call_ids=call_ids, opening_date=opening,
                deadlines=deadlines, status=status)
    actions = _json_field(md, "actions", warnings)
    if isinstance(actions, list) and actions:
        types = actions[0].get("types") or []
        if types and isinstance(types[0], dict):
            item.type_of_action = clean_text(types[0].get("typeOfAction")) or None
    item.type_of_action = clean_text(_first(md, "typesOfAction")) or item.type_of_action
    budget = _budget_for(_json_field(md, "budgetOverview", warnings), identifier)
    if budget is None and kind == "tender":
        try:
            budget = float(_first(md, "cftEstimatedOverallContractAmount") or "")
            item.currency = _first(md, "cftEstimatedOverallContractCurrency") or "EUR"
        except ValueError:
            budget = None
    if budget is not None:
        item.budget = budget
        item.currency = item.currency or "EUR"
    infos = _json_field(md, "latestInfos", warnings)
    extra: dict[str, Any] = {
        "fingerprint": fingerprint(result),
        "datasource": _first(md, "DATASOURCE"),
        "source_status": STATUS_CODES.get(_first(md, "status") or ""),
        "deadline_model": _first(md, "deadlineModel"),
        "call_title": clean_text(_first(md, "callTitle")) or None,
    }
    if isinstance(infos, list):
        extra["latest_infos"] = [html_to_text(i.get("content")) for i in infos if isinstance(i, dict)]
    authority = _json_field(md, "cftLeadContractingAuthorityCode", warnings)
    if isinstance(authority, list) and authority and isinstance(authority[0], dict):
        extra["buyer"] = authority[0].get("name")
    if warnings:
        extra["parse_warnings"] = warnings
        log.warning("source %s: %s: %s", source, identifier, "; ".join(warnings))
    item.extra = {k: v for k, v in extra.items() if v not in (None, [], "")}
    return item


def enrich_with_details(item: Item, payload: Any, today: date | None = None) -> Item:
    """Fill description, conditions, budget, type of action, documents (and deadlines when the
    search record had none) from a ``topicDetails/<id>.json`` payload. The search record stays
    authoritative for dates and status because the index is refreshed more often."""
    details = payload.get("TopicDetails") if isinstance(payload, dict) else None
    if not isinstance(details, dict):
        raise ValueError("not a topic-detail payload: no 'TopicDetails' object")
    identifier = item.id.removeprefix("ft:")
    description = html_to_text(details.get("description"))
    if description and len(description) >= len(item.text):
        item.text = description
    conditions = html_to_text(details.get("conditions"))
    if conditions:
        item.extra["conditions"] = conditions[:20000]
    budget = _budget_for(details.get("budgetOverviewJSONItem"), identifier)
    if budget is not None:
        item.budget, item.currency = budget, item.currency or "EUR"
    fp = details.get("frameworkProgramme")
    if isinstance(fp, dict) and fp.get("abbreviation"):
        item.programme = fp["abbreviation"]
    actions = details.get("actions") or []
    if actions and isinstance(actions[0], dict):
        types = actions[0].get("types") or []
        if types and not item.type_of_action:
            item.type_of_action = clean_text(types[0].get("typeOfAction")) or None
        if not item.deadlines:
            item.deadlines = sorted({d for d in (iso_date(x) for x in actions[0].get("deadlineDates") or []) if d})
        if not item.opening_date:
            item.opening_date = iso_date(actions[0].get("plannedOpeningDate"))
        item.status = resolve_status(item.status, item.opening_date, item.deadlines, today)
    documents = []
    for dossier in (details.get("additionalDossiers") or []) + (details.get("infoPackDossiers") or []):
        if isinstance(dossier, dict):
            documents.append(dossier.get("url") or dossier.get("fileName") or dossier.get("title"))
    item.documents = sorted({d for d in documents if d}) or item.documents
    infos = details.get("latestInfos")
    if isinstance(infos, list) and infos:
        item.extra["latest_infos"] = [html_to_text(i.get("content")) for i in infos if isinstance(i, dict)]
    item.extra["details"] = True
    return item


def carry_details(item: Item, previous: Item, today: date | None = None) -> Item:
    """The topic details did not change (HTTP 304): take over what the stored version had from
    them, on top of the fresh search record."""
    if len(previous.text) > len(item.text):
        item.text = previous.text
    for key in ("conditions", "latest_infos"):
        if key in previous.extra:
            item.extra[key] = previous.extra[key]
    if previous.budget is not None:
        item.budget, item.currency = previous.budget, previous.currency or item.currency
    item.programme = previous.programme or item.programme
    item.type_of_action = item.type_of_action or previous.type_of_action
    item.documents = previous.documents or item.documents
    if not item.deadlines and previous.deadlines:
        item.deadlines = list(previous.deadlines)
    item.opening_date = item.opening_date or previous.opening_date
    item.status = resolve_status(item.status, item.opening_date, item.deadlines, today)
    item.extra["details"] = True
    return item
