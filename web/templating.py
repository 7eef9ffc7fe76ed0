"""The Jinja2 environment of the web UI: autoescaping always on, because every title, text and
URL on the page was written by someone on the internet.

The only markup we let through is the ``<mark>`` of search highlights (the index HTML-escapes
the snippet and adds it); :func:`highlight_html` checks that again before trusting it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from euradar.alerts.wording import change_text, geo_label, source_label
from euradar.core.changes import fmt_date
from euradar.core.models import Change
from euradar.web.i18n import UI_LANGS, countdown, facet_value_label, label, translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
_NOT_OUR_MARK = re.compile(r"<(?!/?mark>)")


def highlight_html(snippet: str) -> Markup:
    """A highlight snippet as markup. Any ``<`` that does not open or close ``<mark>`` is
    escaped, so a backend that forgot to escape cannot inject tags."""
    return Markup(_NOT_OUR_MARK.sub("&lt;", snippet))


def safe_url(url: str | None) -> str:
    """Only http(s) links reach an href: a crawled ``javascript:`` URL would run on click."""
    url = (url or "").strip()
    return url if re.match(r"^https?://", url, re.IGNORECASE) else "#"


def lang_query(lang: str, sep: str = "?") -> str:
    """``?lang=fi`` for a non-default interface language, "" for English."""
    return f"{sep}lang={lang}" if lang in ("fi", "sv") else ""


def item_href(item_id: str, lang: str = "en") -> str:
    return f"/items/{quote(item_id, safe=':')}" + lang_query(lang)


def fmt_money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    # A narrow no-break space groups thousands the way both Finnish and EU style guides do.
    return f"{value:,.0f}".replace(",", "\u202f") + f" {currency or 'EUR'}"


def fmt_datetime(value: str | None) -> str:
    if not value:
        return ""
    return fmt_date(value) + (f" {value[11:16]}" if len(value) > 10 and "T" in value else "")


def history_change(change: dict[str, Any], lang: str) -> str:
    """A recorded change (the store keeps field, old, new) in the reader's language."""
    return change_text(Change(field=str(change.get("field")), old=change.get("old"),
                              new=change.get("new"), text=str(change.get("text") or "")), lang)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(date=fmt_datetime, money=fmt_money, highlight=highlight_html,
                       safe_url=safe_url)
    env.globals.update(item_href=item_href, label=label, facet_value_label=facet_value_label,
                       countdown=countdown, source_label=source_label,
                       history_change=history_change, ui_langs=UI_LANGS,
                       geo_label=geo_label)
    return env


ENV = _environment()


def render(name: str, lang: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in ``lang`` (the translator ``t`` and ``lang`` are always available)."""
    html = ENV.get_template(name).render(t=translator(lang), lang=lang, lang_q=lang_query(lang),
                                         **context)
    return HTMLResponse(html, status_code=status_code)
