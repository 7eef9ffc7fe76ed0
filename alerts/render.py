"""Render alerts, reminders, digests and operator notices to notifications.

Jinja2 autoescaping is on for every HTML template: crawled text is hostile. Links are only
ever http(s) (a crawled ``javascript:`` URL becomes ``#``), and subjects lose control
characters and line breaks so a title can never add a header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from euradar.alerts.selection import Alert
from euradar.core.changes import fmt_date
from euradar.core.ports import Notification
from euradar.nlp.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_TITLE_CHARS = 110
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


@lru_cache(maxsize=1)
def _all_labels() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = yaml.safe_load(
        (TEMPLATES / "labels.yaml").read_text(encoding="utf-8"))
    return loaded


def labels(lang: str) -> dict[str, Any]:
    return _all_labels().get(lang) or _all_labels()["en"]


@lru_cache(maxsize=1)
def _theme_labels() -> dict[str, dict[str, str]]:
    try:
        return load_taxonomy().theme_labels
    except Exception:  # the taxonomy belongs to the NLP side; ids alone still make sense
        return {}


def theme_label(theme_id: str, lang: str) -> str:
    names = _theme_labels().get(theme_id) or {}
    return names.get(lang) or names.get("en") or theme_id


@lru_cache(maxsize=1)
def _eligibility_labels() -> dict[str, dict[str, str]]:
    # The taxonomy object keeps no eligibility labels; read them from its YAML directly.
    try:
        data = yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))
        return {k: (v or {}).get("labels") or {} for k, v in (data.get("eligibility") or {}).items()}
    except Exception:
        return {}


def eligibility_label(value: str, lang: str) -> str:
    names = _eligibility_labels().get(value) or {}
    return names.get(lang) or names.get("en") or value.replace("_", " ")


def host_of(url: str | None) -> str:
    match = re.match(r"^https?://([^/:?#]+)", (url or "").strip(), re.IGNORECASE)
    return match.group(1).lower() if match else ""


def safe_url(url: str | None) -> str:
    url = (url or "").strip()
    return url if re.match(r"^https?://", url, re.IGNORECASE) else "#"


def fmt_money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}".replace(",", "\u00a0") + f"\u00a0{currency or 'EUR'}"


def days_left(deadline: str | None, today: date) -> int | None:
    if not deadline:
        return None
    try:
        return (date.fromisoformat(deadline[:10]) - today).days
    except ValueError:
        return None


def countdown(deadline: str | None, today: date, lang: str) -> tuple[str, str]:
    """("12 days left", "soon") — the words and an urgency class for the chip colour."""
    n = days_left(deadline, today)
    t = labels(lang)
    if n is None:
        return "", ""
    if n < 0:
        return t["closed"], "past"
    if n == 0:
        return t["closes_today"], "urgent"
    text = t["one_day_left"] if n == 1 else t["days_left"].format(n=n)
    return text, "urgent" if n <= 7 else "soon" if n <= 21 else "later"


def clean_subject(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def short_title(title: str) -> str:
    title = clean_subject(title)
    return title if len(title) <= SUBJECT_TITLE_CHARS else title[:SUBJECT_TITLE_CHARS - 1] + "…"


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=True) if autoescape else False,
        trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fdate=fmt_date, money=fmt_money, safe_url=safe_url, host=host_of)
    env.globals.update(theme_label=theme_label, countdown=countdown,
                       eligibility_label=eligibility_label)
    return env


_html_env = _environment(autoescape=True)
_text_env = _environment(autoescape=False)


def render_pair(name: str, **ctx: Any) -> tuple[str, str]:
    """(plain text, HTML) of ``name.txt.j2`` and ``name.html.j2``."""
    return (_text_env.get_template(f"{name}.txt.j2").render(**ctx),
            _html_env.get_template(f"{name}.html.j2").render(**ctx))


def alerts_payload(alerts: Sequence[Alert]) -> dict[str, Any]:
    """The JSON body webhook receivers get: machine-readable, one entry per alert."""
    return {"type": "euradar.alerts/1", "alerts": [{
        "subscription": a.sub.id, "kind": a.kind, "item": a.item.id, "version": a.item.version,
        "title": a.item.title, "url": a.item.url, "programme": a.item.programme,
        "deadlines": a.item.deadlines, "status": a.item.status, "budget": a.item.budget,
        "themes": a.item.theme_ids, "reasons": a.reasons,
        "changes": [{"field": c.field, "old": c.old, "new": c.new, "text": c.text}
                    for c in a.changes],
        **({"deadline": a.deadline, "days_left": a.days_left} if a.kind == "reminder" else {}),
    } for a in alerts]}


def _alert_subject(alerts: Sequence[Alert], t: dict[str, Any]) -> str:
    return str(_subject_template(alerts, t))


def _subject_template(alerts: Sequence[Alert], t: dict[str, Any]) -> Any:
    reminders = [a for a in alerts if a.kind == "reminder"]
    if len(alerts) == 1:
        a = alerts[0]
        if a.kind == "reminder":
            return t["subject_reminder_one"].format(days=a.days_left, title=short_title(a.item.title))
        if a.kind == "changed" and a.changes:
            return t["subject_changed_one"].format(change=clean_subject(a.changes[0].text)[:80],
                                                   title=short_title(a.item.title))
        return t["subject_one"].format(title=short_title(a.item.title))
    if len(reminders) == len(alerts):
        return t["subject_reminder_many"].format(n=len(alerts))
    return t["subject_many"].format(n=len(alerts))


def render_alerts(recipient: str, alerts: Sequence[Alert],
                  today: date | None = None) -> Notification:
    """One notification for one recipient covering every alert of the batch: new items,
    changed items (saying what changed) and deadline reminders, newest kinds first."""
    lang = alerts[0].sub.lang
    t = labels(lang)
    today = today or datetime.now(UTC).date()
    order = {"reminder": 0, "changed": 1, "new": 2}
    ordered = sorted(alerts, key=lambda a: (order.get(a.kind, 3), a.item.next_deadline(today) or "9"))
    only_reminders = all(a.kind == "reminder" for a in alerts)
    ctx = {"alerts": ordered, "t": t, "lang": lang, "today": today,
           "intro": t["reminder_intro" if only_reminders else "intro"]}
    text, html = render_pair("alert", **ctx)
    return Notification(recipient=recipient, subject=clean_subject(_alert_subject(alerts, t)),
                        text=text, html=html, payload=alerts_payload(ordered))


def render_operator(recipient: str, events: Sequence[dict[str, Any]]) -> Notification:
    """A plain notice to operators about failing or silent sources (English: operators)."""
    t = labels("en")
    text, html = render_pair("operator", events=events, t=t)
    return Notification(recipient=recipient,
                        subject=clean_subject(t["operator_subject"].format(n=len(events))),
                        text=text, html=html, payload={"type": "euradar.operator/1",
                                                       "events": list(events)})
