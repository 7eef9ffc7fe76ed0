"""Finding the content links of a listing page without per-site selectors. Pure functions.

A listing page (WordPress archive, Drupal view, a table of calls) is mostly chrome: menus,
breadcrumbs, sidebars, footers, pagination. What remains in the main region is a run of
*entries*, each pointing at one content page. An entry is found from its link upwards: the
largest block around the link that points at no other content page (``<article>``,
``<div class="views-row">``, ``<tr>``). Entries that are siblings under one parent form the
listing; a lone link elsewhere in the main region (``contact us``) is left out whenever a real
run of two or more entries exists. The entry's text is kept: it is the change signal (a
listing that shows a moved deadline) and a fallback for title and deadline.

Sitemaps and feeds are parsed here too: they give more links and ``lastmod`` change signals.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector
from w3lib.encoding import html_to_unicode

from euradar.crawlers.text import canonical_url, clean_text

# Links that lead to documents rather than pages: kept as documents, never crawled as pages.
DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods",
                       ".rtf", ".zip", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".mp4",
                       ".mp3", ".ics", ".xml", ".rss", ".csv", ".txt")
# Archive, taxonomy, account and search paths of the usual CMSs (English, Finnish, Swedish).
_NOT_CONTENT = re.compile(
    r"/(category|categories|tag|tags|author|page|feed|search|haku|sok|wp-admin|wp-login\.php|"
    r"wp-content|wp-json|login|user|users|taxonomy/term|kategoria|avainsana|tagi|aihe|"
    r"comments|print|share|rss)(/|$)|/(node|user)/\d+/(edit|delete)", re.I)
_CHROME_TAGS = ("nav", "aside", "form", "script", "style", "noscript", "template", "iframe",
                "svg", "button", "select", "dialog")
_CHROME_ROLES = ("navigation", "banner", "contentinfo", "search", "complementary", "dialog")
_CHROME_TOKENS = ("menu", "nav", "breadcrumb", "sidebar", "widget", "cookie", "share", "social",
                  "skip", "site-header", "site-footer", "masthead", "pager", "pagination",
                  "region-header", "region-footer", "l-header", "l-footer", "footer", "toolbar",
                  "visually-hidden", "screen-reader", "sr-only")
# The same words inside a compound class ("top-menu", "menu--main", "page-header").
_CHROME_PART = re.compile(r"(^|[-_])(menu|nav|navbar|navigation|breadcrumbs?|sidebar|header|footer|"
                          r"toolbar|pager|pagination)([-_]|$)")
_HIDDEN_TOKENS = ("visually-hidden", "screen-reader-text", "sr-only", "element-invisible", "hidden")
_MAIN_XPATHS = ("//main", "//*[@role='main']", "//*[@id='main-content']", "//*[@id='content']",
                "//*[contains(concat(' ', normalize-space(@class), ' '), ' main-content ')]",
                "//*[@id='main']", "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
                "//body")
_NEXT_WORDS = ("next", "next page", "older posts", "older entries", "seuraava", "seuraava sivu",
               "vanhemmat", "nästa", "nästa sida", "äldre", "›", "»", "→", ">")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass
class Link:
    """A content page a listing, sitemap or feed points at."""

    url: str  # canonical, absolute
    title: str = ""  # the best anchor text (fallback title)
    context: str = ""  # text of the listing entry (fallback text, deadline hint)
    published: str | None = None  # <time datetime> in the entry, feed date
    lastmod: str | None = None  # sitemap <lastmod> or feed <updated>
    found_via: str = "listing"

    @property
    def signature(self) -> str:
        """What the source shows about this link; when it changes, the page is fetched again."""
        raw = "\n".join((self.title, self.context, self.lastmod or ""))
        return hashlib.sha1(re.sub(r"\s+", " ", raw).strip().encode("utf-8")).hexdigest()[:16]


@dataclass
class ListingPage:
    links: list[Link] = field(default_factory=list)
    next_url: str | None = None
    feeds: list[str] = field(default_factory=list)  # feeds the page advertises (<link rel=alternate>)
    anchors: int = 0  # every <a href> on the page, to tell "nothing found" from "no links at all"


def decode_html(body: bytes | str, content_type: str | None = None) -> str:
    """Text of an HTML body: the charset of the Content-Type header, a BOM or <meta charset>
    (w3lib, as Scrapy's ``response.text``), so bytes before the <meta> cannot mislead it."""
    if isinstance(body, str):
        return body
    _, text = html_to_unicode(content_type, body)
    return str(text)


def parse_html(body: bytes | str) -> Any:
    """An lxml HTML tree of a page (bytes are decoded with :func:`decode_html`)."""
    text = decode_html(body).lstrip("\ufeff")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str with an encoding declaration
    return lxml_html.document_fromstring(text or "<html></html>")


def same_site(host: str | None, hosts: Iterable[str]) -> bool:
    """``www.x.eu`` and ``x.eu`` are one site; nothing else is."""
    if not host:
        return False
    bare = host.lower().removeprefix("www.")
    return any(bare == h.lower().removeprefix("www.") for h in hosts)


def is_document(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(DOCUMENT_EXTENSIONS)


def _tokens(el: Any) -> list[str]:
    return str(el.get("class", "") + " " + el.get("id", "")).lower().split()


def _is_chrome(el: Any) -> bool:
    if el.tag in _CHROME_TAGS or el.get("role", "").lower() in _CHROME_ROLES:
        return True
    if el.get("aria-hidden") == "true" or el.get("hidden") is not None:
        return True
    if el.tag in ("header", "footer") and not any(a.tag == "article" for a in el.iterancestors()):
        return True  # the site's header/footer; an article's own header holds its title link
    return any(t.startswith(_CHROME_TOKENS) or _CHROME_PART.search(t) for t in _tokens(el)
               if not t.startswith(("entry-", "node-", "node__", "views-", "field-", "post-", "wp-block-post")))


def _is_hidden(el: Any) -> bool:
    return any(t in _HIDDEN_TOKENS for t in _tokens(el)) or el.get("aria-hidden") == "true"


def visible_text(el: Any) -> str:
    """Text a reader sees: screen-reader-only spans ("Read more<span> about X</span>") left out."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node.tag, str) and not _is_hidden(node) and node.tag not in ("script", "style"):
            parts.append(node.text or "")
            for child in node:
                walk(child)
        if node is not el:
            parts.append(node.tail or "")

    walk(el)
    return clean_text("".join(parts))


def find_next(tree: Any, page_url: str, hosts: Iterable[str]) -> str | None:
    """The next page of a paginated listing: rel=next, WordPress/Drupal pager classes, or a
    link whose text says "next" (English, Finnish, Swedish)."""
    hosts = list(hosts)
    candidates = tree.xpath("//link[@rel='next']/@href | //a[contains(concat(' ', @rel, ' '), ' next ')]/@href")
    for a in tree.xpath("//a[@href]"):
        classes = " ".join(_tokens(a) + [t for p in a.iterancestors("li", "span", "div") for t in _tokens(p)][:6])
        text = clean_text(a.text_content()).lower()
        label = (a.get("aria-label") or a.get("title") or "").lower()
        if re.search(r"(^|[\s_-])next([\s_-]|$)", classes) or text in _NEXT_WORDS \
                or label.startswith(("next", "seuraava", "nästa")):
            candidates.append(a.get("href"))
    current = canonical_url(page_url)
    for href in candidates:
        url = canonical_url(urljoin(page_url, href.strip()))
        if url != current and same_site(urlsplit(url).hostname, hosts) and not url.startswith("javascript"):
            return url
    return None


def advertised_feeds(tree: Any, page_url: str) -> list[str]:
    out = []
    for link in tree.xpath("//link[@rel='alternate'][@href]"):
        if (link.get("type") or "").lower() in _FEED_TYPES:
            out.append(canonical_url(urljoin(page_url, link.get("href").strip())))
    return out


def _main_region(tree: Any) -> Any:
    for xpath in _MAIN_XPATHS:
        for found in tree.xpath(xpath):
            if found.xpath(".//a[@href]"):  # Drupal's <a id="main-content"> is only a skip target
                return found
    return tree


def _candidate_url(href: str | None, page_url: str, hosts: list[str], skip: set[str]) -> str | None:
    if not href or href.strip().startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    url = canonical_url(urljoin(page_url, href.strip()))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not same_site(parts.hostname, hosts):
        return None
    if url in skip or url.rstrip("/") in skip or parts.path in ("", "/") or is_document(url):
        return None
    if _NOT_CONTENT.search(parts.path) or re.search(r"(^|&)(page|paged|s|q)=", parts.query):
        return None
    return url


def find_links(tree: Any, page_url: str, hosts: Iterable[str], link_selector: str | None = None,
               link_pattern: re.Pattern[str] | None = None, skip: Iterable[str] = ()) -> ListingPage:
    """The content links of a listing page, each with its entry's text and date."""
    hosts = list(hosts)
    page = ListingPage(next_url=find_next(tree, page_url, hosts), feeds=advertised_feeds(tree, page_url))
    skip_set = {canonical_url(page_url), canonical_url(page_url).rstrip("/")}
    skip_set.update(canonical_url(s) for s in skip)
    if page.next_url:
        skip_set.add(page.next_url)
    page.anchors = len(tree.xpath("//a[@href]"))
    if link_selector:
        # The per-source refinement: the selector names the links, no guessing.
        sel = Selector(text=lxml_html.tostring(tree, encoding="unicode"))
        seen: set[str] = set()
        for href in sel.css(link_selector).getall():
            url = _candidate_url(href, page_url, hosts, skip_set)
            if url and url not in seen and (not link_pattern or link_pattern.search(url)):
                seen.add(url)
                page.links.append(Link(url=url))
        _fill_from_anchors(tree, page_url, page.links)
        return page
    main = _main_region(tree)
    by_url: dict[str, list[Any]] = defaultdict(list)
    urls_below: dict[Any, set[str]] = defaultdict(set)
    for a in main.iter("a"):
        if any(_is_chrome(el) for el in [a, *a.iterancestors()] if el is not main and main in el.iterancestors()) \
                or _is_chrome(a):
            continue
        url = _candidate_url(a.get("href"), page_url, hosts, skip_set)
        if not url or (link_pattern and not link_pattern.search(url)):
            continue
        by_url[url].append(a)
        for el in [a, *a.iterancestors()]:
            urls_below[el].add(url)
            if el is main:
                break
    entries: dict[str, Any] = {}
    for url, anchors in by_url.items():
        entry = anchors[0]
        for el in anchors[0].iterancestors():
            if el is main or urls_below[el] != {url}:
                break
            entry = el
        entries[url] = entry
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for url, entry in entries.items():
        parent = entry.getparent()
        groups[(id(parent), entry.tag)].append(url)
    runs = [urls for urls in groups.values() if len(urls) >= 2]
    keep = {u for urls in runs for u in urls} if runs else set(entries)
    for url in entries:  # document order
        if url not in keep:
            continue
        entry = entries[url]
        # The heading's link names the entry; "Read more" links do not.
        anchors = sorted(by_url[url], key=lambda a: not (a.get("rel") == "bookmark" or any(
            p.tag in ("h1", "h2", "h3", "h4", "h5", "h6") for p in a.iterancestors())))
        title = next((t for t in (visible_text(a) or clean_text(a.get("title") or a.get("aria-label") or "")
                                  for a in anchors) if t), "")
        if not title:
            heading = entry.xpath(".//h1|.//h2|.//h3|.//h4")
            title = clean_text(heading[0].text_content()) if heading else ""
        times = entry.xpath(".//time/@datetime")
        page.links.append(Link(url=url, title=title, context=_entry_text(entry),
                               published=times[0].strip() if times else None))
    return page


def _fill_from_anchors(tree: Any, page_url: str, links: list[Link]) -> None:
    by_url = {link.url: link for link in links}
    for a in tree.iter("a"):
        url = canonical_url(urljoin(page_url, (a.get("href") or "").strip()))
        if url in by_url and not by_url[url].title:
            by_url[url].title = clean_text(a.text_content())


def _entry_text(entry: Any) -> str:
    """The entry's text; a table row's cells are labelled with the column headers
    ("Hakuaika: 1.9.–31.10.2026"), so the words that announce a date come with it."""
    if entry.tag != "tr":
        return _block_text(entry)
    table = next(entry.iterancestors("table"), None)
    headers = [clean_text(th.text_content()) for th in table.xpath("./thead//th")] if table is not None else []
    cells = entry.xpath("./td|./th")
    if not headers or len(headers) != len(cells):
        return _block_text(entry)
    return "\n".join(f"{h}: {_block_text(c)}" if h else _block_text(c) for h, c in zip(headers, cells, strict=True))


_BREAKS = ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "time", "dd", "dt")


def _block_text(el: Any) -> str:
    """The visible text of one entry, a line per block, cell by cell for table rows."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "template") or _is_hidden(node):
            return
        if node.tag in _BREAKS:
            parts.append("\n")
        elif node.tag in ("td", "th"):
            parts.append(" | ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    text = clean_text("".join(parts))
    return re.sub(r"^\s*\|\s*|\s*\|\s*$", "", text, flags=re.M)[:2000]


@dataclass
class Sitemap:
    pages: list[Link] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # a sitemap index names other sitemaps


def parse_sitemap(body: bytes, base_url: str, hosts: Iterable[str]) -> Sitemap:
    """``<urlset>`` (pages with lastmod) or ``<sitemapindex>`` (more sitemaps); raises
    ValueError when the body is not a sitemap (an HTML error page, say). Relative ``<loc>``
    values (against the protocol, but seen) are read against ``base_url``."""
    hosts = list(hosts)
    try:
        root = etree.fromstring(body.lstrip(), parser=etree.XMLParser(recover=True, resolve_entities=False,
                                                                     no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    if root is None or etree.QName(root).localname not in ("urlset", "sitemapindex"):
        tag = etree.QName(root).localname if root is not None else "nothing"
        raise ValueError(f"not a sitemap (root element {tag!r})")
    out = Sitemap()
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc")
        if not loc:
            continue
        url = canonical_url(urljoin(base_url, loc.strip()))
        if not same_site(urlsplit(url).hostname, hosts):
            continue
        if etree.QName(root).localname == "sitemapindex":
            out.children.append(url)
        else:
            lastmod = node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod")
            out.pages.append(Link(url=url, lastmod=lastmod.strip() if lastmod else None, found_via="sitemap"))
    return out


def feed_links(parsed: Any, hosts: Iterable[str]) -> list[Link]:
    """Entries of a feedparser result as links (same site only)."""
    hosts = list(hosts)
    out = []
    for entry in parsed.entries:
        href = (entry.get("link") or "").strip()
        if not href:
            continue
        url = canonical_url(href)
        if not same_site(urlsplit(url).hostname, hosts) or is_document(url):
            continue
        out.append(Link(url=url, title=clean_text(entry.get("title")), found_via="feed",
                        published=entry.get("published") or entry.get("updated"),
                        lastmod=entry.get("updated") or entry.get("published")))
    return out
