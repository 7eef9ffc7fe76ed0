"""Regex extraction of EU call identifiers and dates (en, fi, sv) from free text."""
from __future__ import annotations

import re
from datetime import date

# Call ids: upper-case blocks joined by "-" or "/", with a year somewhere, e.g.
# HORIZON-CL6-2026-01-CIRCBIO-07, SMP-COSME-2024-CLUSTER-01, INTPA/2023/EA-RP/0177-PIN.
_CALL_ID_RE = re.compile(r"(?<![\w/-])[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+){2,}(?![\w/-])")
_YEAR_RE = re.compile(r"(?:^|[-/])(?:19|20)\d\d(?:[-/]|$)")

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # Swedish
    "januari": 1, "februari": 2, "mars": 3, "maj": 5, "juni": 6, "juli": 7, "augusti": 8,
    "oktober": 10,
    # Finnish (partitive "-kuuta" as written in dates; the stem form also accepted)
    "tammikuuta": 1, "helmikuuta": 2, "maaliskuuta": 3, "huhtikuuta": 4, "toukokuuta": 5,
    "kesäkuuta": 6, "heinäkuuta": 7, "elokuuta": 8, "syyskuuta": 9, "lokakuuta": 10,
    "marraskuuta": 11, "joulukuuta": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)(?!\d)")
_ISO_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d{2})-(\d{2})(?!\d)")
_DAY_MONTH_RE = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:\.|st|nd|rd|th)?\s+({_MONTH_NAMES})\.?,?\s+((?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_MONTH_DAY_RE = re.compile(
    rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?!\d)", re.IGNORECASE)


def extract_call_ids(text: str) -> list[str]:
    """Return EU call/topic identifiers in order of first appearance, without duplicates."""
    found = []
    for match in _CALL_ID_RE.finditer(text):
        candidate = match.group(0).rstrip("-/")
        if _YEAR_RE.search(candidate) and any(c.isalpha() for c in candidate) and candidate not in found:
            found.append(candidate)
    return found


def _iso(year: str, month: int, day: str) -> str | None:
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return None


def extract_dates(text: str) -> list[str]:
    """Return ISO dates written as 12.3.2026, 2026-03-12, 12 March 2026, March 12, 2026,
    12. maaliskuuta 2026 or 12 mars 2026, in order of appearance, without duplicates."""
    hits: list[tuple[int, str | None]] = []
    for m in _NUMERIC_RE.finditer(text):
        hits.append((m.start(), _iso(m.group(3), int(m.group(2)), m.group(1))))
    for m in _ISO_RE.finditer(text):
        hits.append((m.start(), _iso(m.group(1), int(m.group(2)), m.group(3))))
    for m in _DAY_MONTH_RE.finditer(text):
        hits.append((m.start(), _iso(m.group(3), _MONTHS[m.group(2).lower()], m.group(1))))
    for m in _MONTH_DAY_RE.finditer(text):
        hits.append((m.start(), _iso(m.group(3), _MONTHS[m.group(1).lower()], m.group(2))))
    ordered = []
    for _, iso in sorted(hits, key=lambda hit: hit[0]):
        if iso and iso not in ordered:
            ordered.append(iso)
    return ordered
