"""CSV export of a search: lean columns an analyst can sort in a spreadsheet.

Crawled titles are hostile: a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some spreadsheets strip before evaluating) would run as a formula in
Excel or LibreOffice. Such cells get a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from euradar.core.models import Item

COLUMNS = ("id", "kind", "status", "title", "programme", "deadline", "budget", "themes", "url",
           "first_seen")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def item_row(item: Item) -> list[str]:
    budget = f"{item.budget:.0f}" if item.budget is not None else ""
    values = (item.id, item.kind, item.status, item.title, item.programme,
              item.next_deadline() or "", budget, " ".join(item.theme_ids), item.url,
              item.first_seen)
    return [safe_cell(v) for v in values]


def to_csv(items: Iterable[Item]) -> str:
    """The whole CSV as text. Starts with a UTF-8 byte-order mark because Excel, which most of
    our analysts open it in, otherwise reads ä and ö as mojibake."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow(item_row(item))
    return out.getvalue()
