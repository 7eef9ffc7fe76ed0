"""TED API v3 search responses -> tender Items. Pure functions.

Field names differ between eForms versions and between the ``fields`` a client asks for
(``notice-title`` vs ``TI``, ``buyer-name`` vs ``organisation-name-buyer``, ``publication-date``
vs ``PD``), so each value is looked up under its known aliases. Multilingual values are dicts
keyed by ISO 639-2/B codes (``fin``, ``swe``, ``eng``); the title is taken in the notice's own
language when that is one our users read, else in the configured order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from euradar.core.changes import derive_status
from euradar.core.errors import InvalidItem
from euradar.core.models import Item
from euradar.crawlers.text import clean_text, iso_date

LANG_2 = {"fin": "fi", "swe": "sv", "eng": "en", "nor": "no", "dan": "da", "deu": "de",
          "fra": "fr", "pol": "pl", "est": "et"}
NOTICE_PAGE = "https://ted.europa.eu/en/notice/-/detail/{id}"
ALIASES = {
    "number": ("publication-number", "ND"),
    "title": ("notice-title", "TI"),
    "buyer": ("buyer-name", "organisation-name-buyer"),
    "published": ("publication-date", "PD"),
    "deadline_date": ("deadline-receipt-tender-date-lot",),
    "deadline_time": ("deadline-receipt-tender-time-lot",),
    "value": ("estimated-value-lot", "total-value", "estimated-value-proc"),
    "currency": ("estimated-value-cur-lot", "total-value-cur", "estimated-value-cur-proc"),
    "description": ("description-proc", "description-lot"),
    "documents": ("document-url-lot",),
    "official_language": ("official-language",),
    "cpv": ("classification-cpv", "main-classification-lot"),
}


def _get(notice: Mapping[str, Any], name: str) -> Any:
    for key in ALIASES[name]:
        if notice.get(key) not in (None, "", [], {}):
            return notice[key]
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    # The captures hold HTML-escaped text inside JSON ("Falu Energi &amp;").
    return clean_text(html.unescape(str(value))) if value is not None else ""


def pick_language(values: Mapping[str, Any] | None, preferred: Sequence[str],
                  original: str | None = None) -> tuple[str | None, str]:
    """(language code, text) of the best available language."""
    if not isinstance(values, Mapping) or not values:
        return None, ""
    lowered = {k.lower(): v for k, v in values.items()}
    order = ([original] if original in preferred else []) + list(preferred) + sorted(lowered)
    for code in order:
        if code and lowered.get(code):
            value = lowered[code]
            text = "; ".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
            return code, text
    return None, ""


def notices(envelope: Any) -> list[dict[str, Any]]:
    if not isinstance(envelope, dict) or not isinstance(envelope.get("notices"), list):
        raise ValueError("not a TED search response: no 'notices' list")
    return [n for n in envelope["notices"] if isinstance(n, dict)]


def notice_number(notice: Mapping[str, Any]) -> str | None:
    number = _get(notice, "number")
    return str(number) if number else None


def publication_date(notice: Mapping[str, Any]) -> str | None:
    value = _get(notice, "published")
    return str(value) if value else None


def notice_to_item(notice: Mapping[str, Any], source: str, preferred: Sequence[str] = ("fin", "swe", "eng"),
                   notice_page: str = NOTICE_PAGE, today: date | None = None) -> Item:
    number = _get(notice, "number")
    if not number:
        raise InvalidItem("notice has no publication number", "publication-number")
    buyer_values = _get(notice, "buyer")
    original = None
    official = [str(x).lower() for x in _as_list(_get(notice, "official_language"))]
    if official:
        original = official[0]
    elif isinstance(buyer_values, Mapping) and len(buyer_values) == 1:
        original = next(iter(buyer_values)).lower()  # buyers are named in the notice's language
    lang3, title = pick_language(_get(notice, "title"), preferred, original)
    if not title:
        raise InvalidItem(f"notice {number} has no title", "notice-title")
    _, buyer = pick_language(buyer_values, preferred, original)
    _, description = pick_language(_get(notice, "description"), preferred, original)
    times = _as_list(_get(notice, "deadline_time"))
    deadlines = []
    for index, raw in enumerate(_as_list(_get(notice, "deadline_date"))):
        day = iso_date(raw)
        if not day:
            continue
        clock = str(times[index] if index < len(times) else "")
        has_time = re.match(r"^\d{2}:\d{2}:\d{2}", clock) and not clock.startswith("00:00:00")
        deadlines.append(f"{day}T{clock}" if has_time else day)
    links = notice.get("links") or {}
    html_links = links.get("html") if isinstance(links, Mapping) else None
    url = None
    if isinstance(html_links, Mapping):
        url = html_links.get("ENG") or next(iter(html_links.values()), None)
    url = url or notice_page.format(id=number)
    values = [v for v in _as_list(_get(notice, "value")) if v not in (None, "")]
    budget = None
    try:
        budget = sum(float(v) for v in values) if values else None
    except (TypeError, ValueError):
        budget = None
    currencies = _as_list(_get(notice, "currency"))
    item = Item(
        id=f"ted:{number}", kind="tender", source=source, url=url, title=title, text=description,
        lang=LANG_2.get(lang3 or "", lang3), deadlines=deadlines,
        status=derive_status(None, deadlines, "open" if deadlines else None, today=today),
        budget=budget, currency=str(currencies[0]) if budget is not None and currencies else None,
        documents=sorted({str(d) for d in _as_list(_get(notice, "documents"))}),
        published=iso_date(_get(notice, "published")),
    )
    item.extra = {k: v for k, v in {
        "buyer": buyer or None,
        "cpv": sorted({str(c) for c in _as_list(_get(notice, "cpv"))}) or None,
        "notice_type": notice.get("notice-type"),
    }.items() if v}
    return item
