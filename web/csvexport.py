"""CSV export of a search: lean columns an analyst can sort in a spreadsheet.

Two dialects: ``excel`` (comma-separated) and ``excel-fi`` (semicolon-separated: Excel with
Finnish or Swedish regional settings uses the comma as the decimal sign and expects ``;``
between fields, so a comma file opens as one column). Both start with a UTF-8 byte-order mark,
without which Excel reads ä and ö as mojibake; headers come in the reader's language.

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
HEADERS = {
    "en": COLUMNS,
    "fi": ("tunniste", "tyyppi", "tila", "otsikko", "ohjelma", "määräaika", "budjetti", "teemat",
           "osoite", "havaittu ensi kerran"),
    "sv": ("id", "typ", "status", "rubrik", "program", "sista dag", "budget", "teman", "adress",
           "först sedd"),
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExcelFi(csv.excel):
    delimiter = ";"


DIALECTS: dict[str, type[csv.Dialect]] = {"excel": csv.excel, "excel-fi": ExcelFi}


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def item_row(item: Item) -> list[str]:
    budget = f"{item.budget:.0f}" if item.budget is not None else ""
    values = (item.id, item.kind, item.status, item.title, item.programme,
              item.next_deadline() or "", budget, " ".join(item.theme_ids), item.url,
              item.first_seen)
    return [safe_cell(v) for v in values]


def to_csv(items: Iterable[Item], dialect: type[csv.Dialect] = csv.excel,
           lang: str = "en") -> str:
    """The whole CSV as text, BOM first."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, dialect=dialect, lineterminator="\r\n")
    writer.writerow(HEADERS.get(lang, COLUMNS))
    for item in items:
        writer.writerow(item_row(item))
    return out.getvalue()
