"""Feed route: RSS/Atom sources fetched with httpx and parsed leniently with feedparser.

* conditional GET (ETag / Last-Modified from the store); a 304 costs no parsing and no events;
* retries with exponential backoff on connection errors, timeouts, 429 and 5xx;
* junk before the XML declaration (e.g. Drupal debug comments on ECCP) is cut off;
* a feed with a wrong or lying encoding, or other "bozo" problems, still yields its good
  entries, with a warning in the report;
* an HTML page served with status 200 (error or maintenance page) is an error, not an empty feed;
* an entry without link or title is dead-lettered; the others are published;
* a response larger than the source's cap (``options.max_bytes``, else
  ``Settings.max_response_bytes``) is abandoned with a clear error, never held in memory whole;
* bytes that are not valid in the declared charset are replaced where they are (the rest of the
  document keeps its charset; no whole-document re-decoding into mojibake) and reported as a
  warning; an entry holding such bytes never replaces an earlier good version of itself;
* the entry a truncated document was cut off in is not published (the next crawl fetches the
  document whole again).
"""

from __future__ import annotations

import calendar
import logging
import re
import time
import xml.sax
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from euradar.core.errors import InvalidItem, SourceError
from euradar.core.models import Item
from euradar.core.ports import Bus, Store
from euradar.core.settings import Settings
from euradar.crawlers.publish import CRAWL_FLUSH_EVERY, Publisher
from euradar.crawlers.report import CrawlReport
from euradar.crawlers.sources import SourceConfig
from euradar.crawlers.text import canonical_url, clean_text, html_to_text, url_item_id

log = logging.getLogger(__name__)

_FEED_START = re.compile(rb"<\?xml|<rss[\s>]|<feed[\s>]|<rdf:RDF[\s>]", re.I)
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html[\s>])", re.I)
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


def response_cap(source: SourceConfig, settings: Settings) -> int:
    """The most bytes one response of ``source`` may have (decompressed)."""
    return int(source.options.get("max_bytes", settings.max_response_bytes))


def _get_capped(client: httpx.Client, source: SourceConfig, headers: dict[str, str],
                max_bytes: int) -> httpx.Response:
    """GET, reading the body in chunks and giving up past ``max_bytes``."""
    with client.stream("GET", source.url, headers=headers) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise SourceError(f"{source.name}: {source.url} announces {int(declared):,} bytes, more "
                              f"than the cap of {max_bytes:,} (raise options.max_bytes of this "
                              "source if that is expected)")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise SourceError(f"{source.name}: {source.url} sent more than the cap of "
                                  f"{max_bytes:,} bytes; download abandoned (raise "
                                  "options.max_bytes of this source if that is expected)")
            chunks.append(chunk)
        return httpx.Response(response.status_code, headers=response.headers,
                              content=b"".join(chunks), request=response.request)


def fetch(client: httpx.Client, source: SourceConfig, store: Store, report: CrawlReport,
          accept: str = FEED_ACCEPT, max_bytes: int = 20 * 1024 * 1024) -> httpx.Response | None:
    """GET the source URL with validators and retries. None means 304 Not Modified."""
    etag, last_modified = store.validators(source.url)
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    retries = int(source.options.get("retries", 2))
    backoff = float(source.options.get("retry_backoff", 2.0))
    for attempt in range(retries + 1):
        report.requests += 1
        try:
            response = _get_capped(client, source, headers, max_bytes)
        except httpx.TransportError as exc:
            problem = describe_transport_error(exc)
            if attempt == retries:
                raise SourceError(f"{source.name}: cannot reach {source.url}: {problem}") from exc
            log.warning("%s: %s, retrying (%d/%d)", source.name, problem, attempt + 1, retries)
        else:
            report.bytes += len(response.content)
            if response.status_code == 304:
                return None
            if response.status_code not in RETRY_STATUSES or attempt == retries:
                if response.status_code >= 400:
                    raise SourceError(f"{source.name}: {source.url} answered HTTP {response.status_code}")
                return response
            log.warning("%s: HTTP %d, retrying (%d/%d)", source.name, response.status_code,
                        attempt + 1, retries)
        time.sleep(backoff * 2 ** attempt)
    raise AssertionError("unreachable")


def describe_transport_error(exc: httpx.TransportError) -> str:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({text})"
    if "name resolution" in text.lower() or "Name or service not known" in text or "-2]" in text or "-3]" in text:
        return f"name resolution failed ({text})"
    if "refused" in text.lower():
        return f"connection refused ({text})"
    return text


def strip_junk(body: bytes) -> bytes:
    """Cut anything before the XML declaration or the feed's root element."""
    match = _FEED_START.search(body[:65536])
    if match and match.start() > 0:
        return body[match.start():]
    return body


_XML_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_ROOT_END = re.compile(rb"</(rss|feed|rdf:RDF)>\s*$", re.I)


def declared_charset(body: bytes, content_type: str) -> str:
    """The charset the HTTP header or the XML declaration names; UTF-8 when neither does."""
    header = _CHARSET.search(content_type or "")
    if header:
        return header.group(1).lower()
    decl = _XML_ENCODING.search(body[:512])
    return decl.group(2).decode("ascii").lower() if decl else "utf-8"


def decode_document(body: bytes, content_type: str, report: CrawlReport) -> tuple[bytes, str, int]:
    """(body, content type, bad byte sequences): a body that is valid in its declared charset
    is returned as it is. A body in that charset with a few bad bytes is decoded with it, each
    bad sequence becoming U+FFFD where it stands, and handed on as UTF-8 that says so: the
    other entries keep their text (re-decoding the whole document in another charset would
    turn every "€" into "â‚¬" and publish each such entry as changed)."""
    charset = declared_charset(body, content_type)
    try:
        body.decode(charset)
        return body, content_type, 0
    except LookupError:
        return body, content_type, 0  # a charset Python does not know: feedparser's best guess
    except UnicodeDecodeError:
        pass
    text = body.decode(charset, errors="replace")
    bad = text.count("\ufffd") - body.decode(charset, errors="ignore").count("\ufffd")
    if not any(ord(c) > 127 and c != "\ufffd" for c in text):
        # Not one valid non-ASCII sequence: the whole document is in another charset than it
        # says (cp1252 labelled UTF-8); feedparser's fallback decodes it whole, correctly.
        return body, content_type, 0
    clean = text.encode("utf-8")
    clean = _XML_ENCODING.sub(rb"\1utf-8\3", clean, count=1)
    report.warnings.append(f"{bad} byte sequence(s) not valid {charset} replaced by U+FFFD; "
                           "the other entries read as declared")
    return clean, "application/xml; charset=utf-8", bad


def is_truncated(body: bytes) -> bool:
    """True when the document stops before the end tag of its root element."""
    return not _ROOT_END.search(body[-4096:])


def parse_feed(body: bytes, content_type: str, source: SourceConfig, report: CrawlReport) -> Any:
    if _HTML_START.match(body[:1024]) or ("text/html" in content_type and not _FEED_START.search(body[:65536])):
        title = re.search(rb"<title[^>]*>(.*?)</title>", body[:65536], re.I | re.S)
        hint = f" ({clean_text(title.group(1).decode('utf-8', 'replace'))[:100]})" if title else ""
        raise SourceError(f"{source.name}: {source.url} answered an HTML page instead of a feed{hint}")
    cleaned = strip_junk(body)
    if cleaned is not body:
        report.warnings.append(f"stripped {len(body) - len(cleaned)} bytes before the XML declaration")
    parsed = feedparser.parse(cleaned, response_headers={"content-type": content_type or "application/xml"})
    if parsed.bozo:
        problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if not parsed.entries:
            raise SourceError(f"{source.name}: {source.url} is not a readable feed: {problem}")
        report.warnings.append(f"feed is not well-formed, kept {len(parsed.entries)} entries: {problem}")
        log.warning("%s: %s", source.name, report.warnings[-1])
    if not parsed.version and not parsed.entries:
        raise SourceError(f"{source.name}: {source.url} is not an RSS/Atom feed")
    return parsed


def _iso(struct: Any) -> str | None:
    if not struct:
        return None
    return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).isoformat()


def _lang(value: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    code = value.strip().lower()[:2]
    return code if re.match(r"^[a-z]{2}$", code) else None


def entry_to_item(entry: Any, feed_lang: str | None, source: SourceConfig) -> Item:
    link = (entry.get("link") or "").strip()
    title = clean_text(entry.get("title"))
    if not link or not title:
        raise InvalidItem("feed entry has no " + ("link" if not link else "title"),
                          "link" if not link else "title")
    url = canonical_url(link)
    summary = entry.get("summary") or ""
    content = entry.get("content") or []
    if content and len(content[0].get("value", "")) > len(summary):
        summary = content[0]["value"]
    enclosures = [e.get("href") for e in entry.get("enclosures", []) if e.get("href")]
    item = Item(
        id=url_item_id(url), kind=source.kind, source=source.name, url=url, title=title,
        text=html_to_text(summary), lang=_lang(entry.get("language")) or feed_lang or source.lang,
        documents=sorted(set(enclosures)),
        published=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
    )
    categories = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if categories:
        item.extra["categories"] = categories
    return item


def crawl_feed(source: SourceConfig, settings: Settings, bus: Bus, store: Store) -> CrawlReport:
    """Fetch, parse and publish one feed. An unusable source gives ``ok=False`` with the error;
    the requests and bytes spent on it are still counted."""
    report = CrawlReport(source=source.name, ok=True)
    publisher = Publisher(bus, store, flush_every=CRAWL_FLUSH_EVERY)
    try:
        with httpx.Client(headers={"User-Agent": settings.user_agent}, timeout=settings.http_timeout,
                          follow_redirects=True) as client:
            response = fetch(client, source, store, report,
                             max_bytes=response_cap(source, settings))
            if response is None:
                report.not_modified = 1
                return report
        body, content_type, bad_bytes = decode_document(
            response.content, response.headers.get("content-type", ""), report)
        parsed = parse_feed(body, content_type, source, report)
    except SourceError as exc:
        report.ok, report.error = False, str(exc)
        return report
    broken = parsed.bozo and isinstance(parsed.bozo_exception, xml.sax.SAXParseException)
    entries = list(parsed.entries)
    if broken and entries and is_truncated(strip_junk(body)):
        cut = entries.pop()
        report.warnings.append(f"document is truncated: its last entry "
                               f"({clean_text(cut.get('title'))[:80]!r}) was cut off and is not "
                               "published")
    if broken:
        # A truncated or broken document: its good entries go on, and the document itself is
        # dead-lettered with the reason so what was cut off is not lost without a trace.
        publisher.dead_letter(source.name, f"feed is not well-formed ({parsed.bozo_exception}); "
                              f"kept the {len(entries)} entries before the break",
                              response.content[:200_000], f"{source.name}#document")
    feed_lang = _lang(parsed.feed.get("language"))
    kept_earlier = 0
    for index, entry in enumerate(entries):
        try:
            item = entry_to_item(entry, feed_lang, source)
        except InvalidItem as exc:
            publisher.dead_letter(source.name, str(exc), repr(dict(entry))[:5000], f"{source.name}#{index}")
            continue
        if bad_bytes and "\ufffd" in item.title + item.text and store.last_item(item.id):
            kept_earlier += 1  # unreadable input never replaces what was read before
            publisher.stats.unchanged += 1
            continue
        publisher.publish(item)
    publisher.flush()
    if kept_earlier:
        report.warnings.append(f"{kept_earlier} entr(y/ies) with unreadable bytes kept their "
                               "earlier version")
    report.add_stats(publisher.stats)
    # Only now: had publishing failed, the next crawl must not get a 304 for unpublished entries.
    # A broken document is fetched whole again next time (the source may have fixed it).
    if not broken:
        store.save_validators(source.url, response.headers.get("etag"),
                              response.headers.get("last-modified"))
    return report
