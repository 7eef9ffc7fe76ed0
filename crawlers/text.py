"""Text, URL and date normalization shared by every crawl route. Pure functions."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import html as lxml_html

# Invisible characters seen in real F&T captures (U+FEFF inside <em>) and typical CMS output.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)
_BLOCK_TAGS = ("p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "ul", "ol",
               "table", "section", "article", "blockquote")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_text(value: str | None) -> str:
    """Plain text: entities decoded, invisible characters dropped, whitespace collapsed per line."""
    if not value:
        return ""
    value = html.unescape(value).translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(value: str | None) -> str:
    """HTML fragment -> readable text with paragraph breaks. Tolerates cut or broken HTML (the
    corpus has descriptions cut at 900 characters mid-tag)."""
    if not value:
        return ""
    if "<" not in value:
        return clean_text(value)
    try:
        root = lxml_html.fragment_fromstring(value, create_parent="div")
    except Exception:  # lxml raises several types on garbage; fall back to tag stripping
        return clean_text(re.sub(r"<[^>]*>?", " ", value))
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() == "li":
                el.text = "- " + (el.text or "")
    return clean_text(root.text_content())


# Query parameters that only track the visitor; two URLs differing in them are the same page.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|"
                       r"at_\w+|pk_\w+|piwik_\w+|wt\.\w+|cmp|ref|source|xtor)$", re.I)


def canonical_url(url: str) -> str:
    """Lower-case scheme/host, no default port, no fragment, tracking params removed and the
    remaining params sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k))
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


def url_item_id(url: str) -> str:
    return "url:" + hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?$")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
# Finnish month names are compounds of "-kuu" and come inflected ("tammikuuta"); Swedish ones
# are close to English. Matched by stem, so the partitive and genitive forms work too.
_FI_MONTHS = ("tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys",
              "loka", "marras", "joulu")
_SV_MONTHS = {"januari": 1, "februari": 2, "mars": 3, "maj": 5, "juni": 6, "juli": 7,
              "augusti": 8, "oktober": 10}
_MONTH_WORD = r"[A-Za-zÅÄÖåäö]+"
_TEXT_DATE = re.compile(rf"(\d{{1,2}})\.?\s+({_MONTH_WORD})\s+(\d{{4}})")
_US_DATE = re.compile(rf"({_MONTH_WORD})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})")


def month_number(word: str) -> int | None:
    """1..12 for an English, Finnish or Swedish month name (or a 3-letter abbreviation)."""
    w = word.lower().rstrip(".")
    if w in _MONTHS:
        return _MONTHS[w]
    if w in _SV_MONTHS:
        return _SV_MONTHS[w]
    for index, stem in enumerate(_FI_MONTHS, 1):
        if w.startswith(stem + "kuu"):
            return index
    if len(w) >= 3:
        for name, number in _MONTHS.items():
            if name.startswith(w) and (len(w) == 3 or w == "sept"):
                return number
    return None


def iso_date(value: object) -> str | None:
    """Normalize the date forms the sources use to ISO 8601.

    ``2027-02-04T00:00:00.000+0000`` -> ``2027-02-04`` (a midnight time carries no information);
    ``2026-10-08T17:00:00.000+0100`` -> ``2026-10-08T17:00:00+01:00``; epoch milliseconds (topic
    details, bulk dump) -> date; TED ``2026-07-01+02:00`` -> ``2026-07-01``; ``30/11/2023`` and
    ``17.3.2025`` -> ``2025-03-17``; ``17 March 2025`` -> ``2025-03-17``. Unknown -> None.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) >= 11):
        stamp = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        return stamp.date().isoformat() if stamp.time() == datetime.min.time() else stamp.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})([+-]\d{2}:\d{2}|Z)$", text)  # TED date with offset
    if m:
        return m.group(1)
    m = _ISO.match(text)
    if m:
        y, mo, d, hh, mm, ss, tz = m.groups()
        try:
            day = date(int(y), int(mo), int(d))
        except ValueError:
            return None
        if hh is None or (hh, mm, ss or "00") == ("00", "00", "00"):
            return day.isoformat()
        offset = "+00:00" if tz in (None, "Z") else tz[:3] + ":" + tz[-2:]
        return f"{day.isoformat()}T{hh}:{mm}:{ss or '00'}{offset}"
    m = _DMY.match(text)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return None
    return _worded_date(text)


def _worded_date(text: str) -> str | None:
    for pattern, order in ((_TEXT_DATE, (1, 2, 3)), (_US_DATE, (2, 1, 3))):
        for m in pattern.finditer(text):
            day, month, year = (m.group(i) for i in order)
            number = month_number(month)
            if number is None:
                continue
            try:
                return date(int(year), number, int(day)).isoformat()
            except ValueError:
                continue
    return None


def first_date(text: str | None) -> str | None:
    """The first recognizable date inside free text ("Deadline: 17.3.2025 klo 16.15")."""
    if not text:
        return None
    found = all_dates(text)
    return found[0] if found else None


_ANY_DATE = re.compile(
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}"
    rf"|\d{{1,2}}\.?\s+{_MONTH_WORD}\s+\d{{4}}|{_MONTH_WORD}\.?\s+\d{{1,2}},?\s+\d{{4}}")


def all_dates(text: str | None) -> list[str]:
    """Every recognizable date in free text, in order of appearance (ISO dates)."""
    if not text:
        return []
    out = []
    for m in _ANY_DATE.finditer(text):
        found = iso_date(m.group(0))
        if found:
            out.append(found)
    return out
