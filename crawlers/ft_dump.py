"""EU Funding & Tenders reference dump (``referenceData/grantsTenders.json``) -> Items. Pure.

Shape (real captures in shared/corpus/ftp_api/grantsTenders_sample_*.json):
``{"fundingData": {"GrantTenderObj": [ {...}, ... ]}}``, one object per grant topic or tender.

Quirks handled:

* dates are epoch milliseconds (``plannedOpeningDateLong``, ``deadlineDatesLong`` with several
  cut-offs, ``publicationDateLong``); tender deadlines carry a time (21:59 UTC);
* ``status`` is an object ``{"id": 31094502, "abbreviation": "Open"}`` and goes stale like the
  search index's: :func:`euradar.crawlers.ft_parse.resolve_status` decides from the dates;
* list fields (``tags``, ``keywords``, ``actions``, ``latestInfos``, ``programmeDivision``...)
  come either as real JSON or as JSON inside a string, varying per record;
* ``descriptionTender`` is sometimes wrapped in literal double quotes;
* tenders: the dump's ``identifier`` is the procurement reference (``INTPA/2023/EA-RP/0177-PIN``)
  but the search API's identifier is ``<uuid>`` + ``-PIN`` for prior information notices and
  puts the reference in ``callIdentifier`` (sedia_tenders capture). The id is built from the
  uuid the same way so both sources collapse into one item; the reference goes to call_ids.

The dump is ~130 MB: records are decoded one at a time with ``JSONDecoder.raw_decode`` rather
than one ``json.loads`` tree (no ijson dependency), and a body cut short raises
:class:`DumpError` saying where, after the whole records before the cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from euradar.core.errors import InvalidItem
from euradar.core.models import Item
from euradar.crawlers.ft_parse import (
    STATUS_CODES,
    TENDER_TYPES,
    TENDER_URL,
    TOPIC_URL,
    _budget_for,
    resolve_status,
)
from euradar.crawlers.text import clean_text, html_to_text, iso_date

_ARRAY = re.compile(r'"GrantTenderObj"\s*:\s*\[')
_WS = re.compile(r"[ \t\n\r]*")


def _skip_ws(text: str, pos: int) -> int:
    """The position after the JSON whitespace at ``pos`` (the pattern matches empty too)."""
    match = _WS.match(text, pos)
    return match.end() if match else pos
_HTML = re.compile(r"^\s*(<!doctype html|<html[\s>])", re.I)
STATUS_NAMES = {"forthcoming": "forthcoming", "open": "open", "closed": "closed"}


class DumpError(ValueError):
    """The body is not a (complete) grantsTenders dump."""


def iter_records(body: bytes | str) -> Iterator[Any]:
    """Yield the ``GrantTenderObj`` entries one by one (also accepts a bare JSON list).

    Raises DumpError for an HTML page, a body without the array, or a record that cannot be
    decoded (typically a truncated download); entries before that point have been yielded."""
    try:
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise DumpError(f"not UTF-8 at byte {exc.start}") from exc
    if _HTML.match(text[:1024]):
        raise DumpError("an HTML page instead of the JSON dump")
    start = _skip_ws(text, 0)
    if text.startswith("[", start):
        pos = array_start = start + 1
    else:
        match = _ARRAY.search(text)
        if not match:
            raise DumpError(f"no \"GrantTenderObj\" array in {len(text)} characters "
                            f"(starts with {text[:60]!r})")
        pos = array_start = match.end()
    decoder = json.JSONDecoder()
    count = 0
    pos = _skip_ws(text, pos)
    if not text.startswith("]", pos):
        while True:
            try:
                record, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise DumpError(f"record {count + 1} unreadable at character {exc.pos} of "
                                f"{len(text)} ({exc.msg}); the download is truncated or "
                                "corrupt") from exc
            count += 1
            yield record
            pos = _skip_ws(text, pos)
            if text.startswith(",", pos):
                pos = _skip_ws(text, pos + 1)
                continue
            if text.startswith("]", pos):
                break
            raise DumpError(f"after record {count}: expected ',' or ']' at character {pos} of "
                            f"{len(text)}; the download is truncated or corrupt")
    # The envelope around the array must still be valid JSON: its closing braces prove the
    # download ended where the server meant it to.
    try:
        json.loads(text[:array_start] + text[pos:])
    except json.JSONDecodeError as exc:
        raise DumpError(f"the envelope around the {count} records is not valid JSON "
                        f"({exc.msg}); the download is truncated or corrupt") from exc


def _loose(value: Any) -> Any:
    """A field that is real JSON in some records and JSON-in-a-string in others."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _strings(value: Any) -> list[str]:
    value = _loose(value)
    if not isinstance(value, list):
        return []
    return [clean_text(str(v)) for v in value if v not in (None, "") and not isinstance(v, dict)]


def _epoch_dates(values: Any) -> list[str]:
    values = values if isinstance(values, list) else [values]
    return sorted({d for d in (iso_date(v) for v in values if isinstance(v, (int, float))) if d})


def _source_status(status: Any) -> str | None:
    if isinstance(status, Mapping):
        code = STATUS_CODES.get(str(status.get("id")))
        return code or STATUS_NAMES.get(str(status.get("abbreviation", "")).lower())
    return STATUS_CODES.get(str(status)) if status is not None else None


def search_identifier(record: Mapping[str, Any]) -> str:
    """The identifier the search API uses for this record (see the module notes on tenders)."""
    identifier = clean_text(str(record.get("identifier") or ""))
    uuid = clean_text(str(record.get("uuid") or ""))
    if str(record.get("type")) not in TENDER_TYPES or not uuid:
        return identifier
    pin = identifier.endswith("-PIN") or record.get("procedureType") == "PRIOR_INFORMATION_NOTICE"
    return uuid + "-PIN" if pin and not uuid.endswith("-PIN") else uuid


def record_to_item(record: Any, source: str, default_kind: str, topic_url: str | None = None,
                   tender_url: str | None = None, today: date | None = None) -> Item:
    """One dump record -> Item; raises InvalidItem when identifier or title is missing."""
    if not isinstance(record, Mapping):
        raise InvalidItem(f"dump entry is a {type(record).__name__}, not an object", "record")
    reference = clean_text(str(record.get("identifier") or ""))
    if not reference:
        raise InvalidItem("dump record has no identifier", "identifier")
    title = clean_text(record.get("title") if isinstance(record.get("title"), str) else "")
    if not title:
        raise InvalidItem(f"dump record {reference} has no title", "title")
    type_code = str(record.get("type"))
    kind = "tender" if type_code in TENDER_TYPES else "call" if type_code in {"1", "2", "8"} \
        else default_kind
    ident = search_identifier(record)
    call_ids = [c for c in [clean_text(str(record.get("callIdentifier") or ""))] if c]
    if kind == "tender" and ident != reference:
        call_ids = [reference]
    published = iso_date(record.get("publicationDateLong"))
    # The search API's startDate is the planned opening for grants, the publication for tenders.
    opening = iso_date(record.get("plannedOpeningDateLong")) or (published if kind == "tender" else None)
    deadlines = _epoch_dates(record.get("deadlineDatesLong") or [])
    source_status = _source_status(record.get("status"))
    status = resolve_status(source_status, opening, deadlines, today)
    template = (tender_url or TENDER_URL) if kind == "tender" else (topic_url or TOPIC_URL)
    description = record.get("descriptionTender") or record.get("description")
    text = html_to_text(description.strip().strip('"')) if isinstance(description, str) else ""
    fp = record.get("frameworkProgramme")
    item = Item(id=f"ft:{ident}", kind=kind, source=source, url=template.format(id=ident),
                title=title, text=text, lang="en",
                programme=(fp.get("abbreviation") or None) if isinstance(fp, Mapping) else None,
                call_ids=call_ids, opening_date=opening, deadlines=deadlines, status=status)
    actions = _loose(record.get("actions"))
    if isinstance(actions, list) and actions and isinstance(actions[0], Mapping):
        types = actions[0].get("types") or []
        if types and isinstance(types[0], Mapping):
            item.type_of_action = clean_text(types[0].get("typeOfAction")) or None
    budget = _budget_for(_loose(record.get("budgetOverview")), reference)
    if budget is not None:
        item.budget, item.currency = budget, "EUR"
    infos = _loose(record.get("latestInfos"))
    cpv = record.get("mainCpv")
    extra: dict[str, Any] = {
        "source_status": source_status,
        "publication_date": published,
        "call_title": clean_text(record.get("callTitle")) or None,
        "tags": _strings(record.get("tags")),
        "keywords": _strings(record.get("keywords")),
        "buyer": clean_text(record.get("contractingAuthority")) or None,
        "reference": reference if reference != ident else None,
        "etendering_url": record.get("url") if kind == "tender" else None,
        "procedure_type": record.get("procedureType"),
        "main_cpv": cpv.get("mainCode") if isinstance(cpv, Mapping) else None,
        "places": _strings(record.get("placesOfDeliveryOrPerformance")),
    }
    if isinstance(infos, list):
        extra["latest_infos"] = [html_to_text(i.get("content")) for i in infos
                                 if isinstance(i, Mapping) and i.get("content")]
    item.extra = {k: v for k, v in extra.items() if v not in (None, [], "")}
    return item
