"""One content page -> title, main text, dates, deadlines, documents. Pure functions.

The main text comes from trafilatura (boilerplate removal that knows WordPress, Drupal and
most other CMSs). What the site *states* wins over what is guessed: JSON-LD (``Article``,
``Event``, Yoast's ``@graph``), Open Graph and ``<time datetime>`` come before dates read
from the text. Deadlines and opening dates of calls are read from JSON-LD, from elements
marked as deadlines, and from the text next to the words that announce them in English,
Finnish and Swedish ("Deadline: 15 January 2027", "Hakuaika päättyy 31.10.2026 klo 16.15",
"Haku on auki 1.9.–31.10.2026", "Sista ansökningsdag 3 mars 2027"). Optional CSS selectors
per source override each guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import html as lxml_html
from parsel import Selector
from trafilatura.settings import use_config

from euradar.crawlers.site_links import DOCUMENT_EXTENSIONS, decode_html, parse_html
from euradar.crawlers.text import all_dates, canonical_url, clean_text, html_to_text, iso_date

_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "80")  # call pages can be short
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "20")
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no signal-based timeout inside Scrapy

_CONTENT_TYPES = {"article", "newsarticle", "blogposting", "report", "event", "businessevent",
                  "educationevent", "grant", "monetarygrant", "jobposting", "legislation",
                  "announcement", "specialannouncement"}
# Words that announce a deadline; the date follows them ("Deadline: 15.1.2027") ...
_DEADLINE_BEFORE = re.compile(
    r"deadline|closing date|clos(?:es|ing) on|call closes|submission(?:s)? (?:by|until|deadline)|"
    r"apply by|applications? (?:by|until|must be (?:submitted|received))|due date|open until|"
    r"määräaika|päättyy|viimeistään|jätettävä|sista ansökningsdag|sista dag|ansökningstiden (?:går ut|löper ut)|"
    r"senast|stänger", re.I)
# ... or, in Finnish, come after it ("Haku on auki 31.10.2026 asti").
_DEADLINE_AFTER = re.compile(r"\b(asti|saakka|mennessä)\b", re.I)
_OPENING = re.compile(r"\b(opens|opening date|open from|call opens|start date|alkaa|avautuu|aukeaa|"
                      r"öppnar|öppen från)\b", re.I)
_OPENING_AFTER = re.compile(r"\b(alkaen|lähtien)\b", re.I)  # "1.9.2026 alkaen"
# A call without a deadline because it never closes: open, not "unknown".
_CONTINUOUS = re.compile(r"at any time|continuous(?:ly)? open|continuous call|open continuously|rolling basis|"
                         r"jatkuva haku|jatkuvasti auki|jatkuvasti avoin|löpande|fortlöpande", re.I)
_PERIOD = re.compile(r"hakuaika|haku on auki|application period|call (?:is )?open|submission period|"
                     r"ansökningsperiod|ansökningstid|open from", re.I)
# "1.9.–31.10.2026", "1.9.2026 – 31.10.2026", "17.2–17.3.2025" (the first year may be left out)
_DMY_RANGE = re.compile(r"(\d{1,2})\.(\d{1,2})\.?(\d{4})?\s*(?:[-–—]|to|till|asti)\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_PUBLISHED_WORDS = re.compile(r"published|julkaistu|publicerad|posted|updated|päivitetty|uppdaterad", re.I)


@dataclass
class PageData:
    title: str = ""
    text: str = ""
    lang: str | None = None
    published: str | None = None
    modified: str | None = None
    opening: str | None = None
    deadlines: list[str] = field(default_factory=list)
    continuous: bool = False  # a call that can be applied for at any time
    documents: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # field -> where it came from
    json_ld_types: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ structured data
def json_ld_nodes(tree: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, ``@graph`` flattened; broken blocks are skipped."""
    nodes: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(<!--|<!\[CDATA\[)|(-->|\]\]>)\s*$", "", raw)
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            node = stack.pop(0)
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
                nodes.append(node)
    return nodes


def _types(node: Mapping[str, Any]) -> list[str]:
    value = node.get("@type", [])
    return [str(v).lower() for v in (value if isinstance(value, list) else [value])]


def _ld_text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return clean_text(str(value)) if value else ""


def _main_node(nodes: list[dict[str, Any]], url: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the content node, the WebPage node): content types first, the one about this URL."""
    here = canonical_url(url)

    def about_here(node: Mapping[str, Any]) -> bool:
        ref = node.get("url") or node.get("@id") or ""
        return isinstance(ref, str) and canonical_url(ref.split("#")[0] or url) == here

    content = [n for n in nodes if set(_types(n)) & _CONTENT_TYPES]
    pages = [n for n in nodes if "webpage" in _types(n) or "itempage" in _types(n)]
    content.sort(key=lambda n: not about_here(n))
    pages.sort(key=lambda n: not about_here(n))
    return (content[0] if content else None), (pages[0] if pages else None)


def _meta(tree: Any, *names: str) -> str | None:
    for name in names:
        found = tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
        if found and found[0].strip():
            return str(found[0]).strip()
    return None


def _clean_title(title: str) -> str:
    """'Call 7 – Interreg Aurora' -> 'Call 7': <title> and og:title carry the site name."""
    parts = re.split(r"\s+[|–—-]\s+", title)
    return parts[0] if len(parts) > 1 and len(parts[0]) >= 8 else title


def _lang(tree: Any) -> str | None:
    raw = (tree.get("lang") or tree.xpath("string(//html/@lang)") or _meta(tree, "og:locale") or "")
    code = str(raw).strip().lower()[:2]
    return code if re.match(r"^[a-z]{2}$", code) else None


# ------------------------------------------------------------------------------ dates in text
def _valid(day: str | None) -> bool:
    return bool(day) and 2000 <= int(str(day)[:4]) <= 2100


def is_continuous(text: str) -> bool:
    return bool(_CONTINUOUS.search(text))


def find_period_and_deadlines(text: str) -> tuple[str | None, list[str]]:
    """(opening date, deadlines) announced in free text. A date counts as a deadline only next
    to a word that announces one, so publication dates and event dates are left alone."""
    opening: str | None = None
    deadlines: list[str] = []
    lines = [line.strip() for line in text.split("\n")]
    for index, line in enumerate(lines):
        if not line:
            continue
        for m in _DMY_RANGE.finditer(line):
            if not (_PERIOD.search(line) or _DEADLINE_BEFORE.search(line)):
                continue
            d1, m1, y1, d2, m2, y2 = m.groups()
            try:
                start = date(int(y1 or y2), int(m1), int(d1)).isoformat()
                end = date(int(y2), int(m2), int(d2)).isoformat()
            except ValueError:
                continue
            opening = opening or start
            deadlines.append(end)
        ranged = bool(_DMY_RANGE.search(line))
        for m in _DEADLINE_BEFORE.finditer(line):
            after = line[m.end():m.end() + 120]
            found = [] if ranged else all_dates(after)
            if not found and not line[m.end():].strip(" :.-–") and index + 1 < len(lines):
                found = all_dates(lines[index + 1])[:1]  # "Deadline" / "15.1.2027" on two lines
            deadlines.extend(found[:3])
        for m in _DEADLINE_AFTER.finditer(line):
            before = all_dates(line[max(0, m.start() - 40):m.start()])
            if before and not ranged:
                deadlines.append(before[-1])
        for m in _OPENING.finditer(line):
            found = all_dates(line[m.end():m.end() + 80])
            if found and not opening:
                opening = found[0]
        for m in _OPENING_AFTER.finditer(line):
            before = all_dates(line[max(0, m.start() - 40):m.start()])
            if before and not opening:
                opening = before[-1]
    valid = sorted({d for d in deadlines if _valid(d)})
    return (opening if _valid(opening) else None), valid


# ------------------------------------------------------------------------------ the page
def extract_page(body: bytes | str, url: str, kind: str,
                 selectors: Mapping[str, str] | None = None) -> PageData:
    """Everything a page says about itself. ``selectors`` (title_selector, text_selector,
    date_selector, deadline_selector) override the guesses where they match."""
    html_text = decode_html(body)
    tree = parse_html(html_text)
    data = PageData(lang=_lang(tree))
    nodes = json_ld_nodes(tree)
    data.json_ld_types = sorted({t for n in nodes for t in _types(n)})
    node, webpage = _main_node(nodes, url)
    extracted = trafilatura.extract(html_text, url=url, output_format="json", with_metadata=True,
                                    include_comments=False, include_tables=True, include_links=False,
                                    deduplicate=False, config=_CONFIG)
    meta: dict[str, Any] = json.loads(extracted) if extracted else {}

    # title
    h1 = [clean_text(h.text_content()) for h in tree.xpath("//main//h1|//article//h1|//h1")]
    for origin, value in (("json-ld", _ld_text(node.get("headline") or node.get("name")) if node else ""),
                          ("h1", next((h for h in h1 if h), "")),
                          ("og:title", _clean_title(clean_text(_meta(tree, "og:title") or ""))),
                          ("trafilatura", clean_text(meta.get("title") or "")),
                          ("title", _clean_title(clean_text(tree.xpath("string(//title)"))))):
        if value:
            data.title, data.sources["title"] = value[:500], origin
            break

    # main text
    text = clean_text(meta.get("text") or "")
    if text:
        data.sources["text"] = "trafilatura"
    else:
        main = tree.xpath("//main|//article|//*[@role='main']")
        text = html_to_text(lxml_html.tostring(main[0] if main else tree.body, encoding="unicode")) \
            if (main or tree.body is not None) else ""
        data.sources["text"] = "html" if text else "none"
    data.text = text

    # dates the site states
    times = tree.xpath("//article//time/@datetime|//main//time/@datetime")
    stated: list[tuple[str, Any]] = [
        ("json-ld", node.get("datePublished") if node else None),
        ("json-ld", webpage.get("datePublished") if webpage else None),
        ("meta", _meta(tree, "article:published_time", "og:published_time", "dcterms.date", "DC.date.issued", "date")),
        ("time", times[0] if times else None)]
    for origin, value in stated:
        # trafilatura's own date is a guess from anywhere in the page ("Programme 2021"); not used.
        day = iso_date(_ld_text(value)) if value else None
        if day:
            data.published, data.sources["published"] = day, origin
            break
    modified = (node and node.get("dateModified")) or (webpage and webpage.get("dateModified")) \
        or _meta(tree, "article:modified_time", "og:updated_time")
    data.modified = iso_date(_ld_text(modified)) if modified else None

    if kind in ("call", "tender"):
        _call_dates(tree, node, data, html_text)
    data.documents = _documents(tree, url)
    if selectors:
        _apply_selectors(Selector(text=html_text), selectors, data)
    return data


def _call_dates(tree: Any, node: Mapping[str, Any] | None, data: PageData, html_text: str) -> None:
    if node:
        stated = [iso_date(_ld_text(node.get(k))) for k in ("applicationDeadline", "validThrough",
                                                            "expires", "endDate") if node.get(k)]
        if any(stated):
            data.deadlines = sorted({d for d in stated if d and _valid(d)})
            data.sources["deadline"] = "json-ld"
        start = iso_date(_ld_text(node.get("startDate"))) if node.get("startDate") else None
        if start:
            data.opening, data.sources["opening"] = start, "json-ld"
    if not data.deadlines:
        marked = tree.xpath("//*[contains(translate(@class, 'DEADLINE', 'deadline'), 'deadline') or "
                            "contains(@class, 'maaraaika') or contains(@class, 'closing')]")
        found = sorted({d for el in marked for d in all_dates(el.get("datetime") or "")
                        + all_dates(clean_text(el.text_content())) if _valid(d)})
        if found:
            data.deadlines, data.sources["deadline"] = found, "marked element"
    if not data.deadlines or not data.opening:
        opening, deadlines = find_period_and_deadlines(data.text)
        if not deadlines:
            # Call facts often sit in a box that boilerplate removal drops; read the whole page.
            opening_all, deadlines = find_period_and_deadlines(_visible_text(tree))
            opening = opening or opening_all
        if deadlines and not data.deadlines:
            data.deadlines, data.sources["deadline"] = deadlines, "text"
        if opening and not data.opening:
            data.opening, data.sources["opening"] = opening, "text"
    if not data.deadlines and _CONTINUOUS.search(data.text):
        data.continuous = True


def _visible_text(tree: Any) -> str:
    body = tree.body if tree.body is not None else tree
    copy = lxml_html.fromstring(lxml_html.tostring(body))
    for bad in copy.xpath("//script|//style|//nav|//noscript|//template"):
        bad.drop_tree()
    return html_to_text(lxml_html.tostring(copy, encoding="unicode"))


def _documents(tree: Any, url: str) -> list[str]:
    out = []
    for href in tree.xpath("//main//a/@href|//article//a/@href|//*[@role='main']//a/@href") \
            or tree.xpath("//a/@href"):
        absolute = urljoin(url, str(href).strip())
        path = urlsplit(absolute).path.lower()
        if absolute.startswith(("http://", "https://")) and path.endswith(DOCUMENT_EXTENSIONS[:11]):
            out.append(absolute)
    return sorted(set(out))[:50]


def _apply_selectors(sel: Selector, selectors: Mapping[str, str], data: PageData) -> None:
    def texts(key: str) -> list[str]:
        css = selectors.get(key)
        return [t for t in (clean_text(v) for v in sel.css(css).getall()) if t] if css else []

    if titles := texts("title_selector"):
        data.title, data.sources["title"] = titles[0], "selector"
    if body := texts("text_selector"):
        data.text, data.sources["text"] = "\n".join(body), "selector"
    if dates := [d for t in texts("date_selector") for d in [iso_date(t) or next(iter(all_dates(t)), None)] if d]:
        data.published, data.sources["published"] = dates[0], "selector"
    if deadlines := sorted({d for t in texts("deadline_selector") for d in all_dates(t) if _valid(d)}):
        data.deadlines, data.sources["deadline"] = deadlines, "selector"


def filled_fields(values: Iterable[tuple[str, Any]]) -> list[str]:
    """The names of the fields that hold something (for `euradar sources check`)."""
    return [name for name, value in values if value not in (None, "", [], {})]
