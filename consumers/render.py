"""Render alerts to notifications with Jinja2 autoescaping: crawled text is hostile."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from jinja2 import Environment, FileSystemLoader, select_autoescape

from euradar.changes import fmt_date
from euradar.ports import Notification

if TYPE_CHECKING:
    from consumers.alerter import Alert

TEMPLATES = Path(__file__).parent / "templates"

_TEXT = {
    "en": {"new": "New", "changed": "Changed", "subject_one": "euradar: {title}",
           "subject_many": "euradar: {n} new or changed EU opportunities",
           "deadline": "Deadline", "programme": "Programme", "why": "Why", "status": "Status",
           "budget": "Budget", "what_changed": "What changed", "intro": "Matches for your subscription"},
    "fi": {"new": "Uusi", "changed": "Muuttunut", "subject_one": "euradar: {title}",
           "subject_many": "euradar: {n} uutta tai muuttunutta EU-mahdollisuutta",
           "deadline": "Määräaika", "programme": "Ohjelma", "why": "Miksi", "status": "Tila",
           "budget": "Budjetti", "what_changed": "Mikä muuttui", "intro": "Osumat tilauksellesi"},
    "sv": {"new": "Ny", "changed": "Ändrad", "subject_one": "euradar: {title}",
           "subject_many": "euradar: {n} nya eller ändrade EU-möjligheter",
           "deadline": "Sista dag", "programme": "Program", "why": "Varför", "status": "Status",
           "budget": "Budget", "what_changed": "Vad ändrades", "intro": "Träffar för din bevakning"},
}

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["fdate"] = fmt_date
_text_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,
                        trim_blocks=True, lstrip_blocks=True)
_text_env.filters["fdate"] = fmt_date


def labels(lang: str) -> dict[str, str]:
    return _TEXT.get(lang, _TEXT["en"])


def render_alerts(recipient: str, alerts: Sequence["Alert"]) -> Notification:
    """One notification for one recipient covering every alert of the batch."""
    lang = alerts[0].sub.lang
    t = labels(lang)
    if len(alerts) == 1:
        subject = t["subject_one"].format(title=alerts[0].item.title[:120])
    else:
        subject = t["subject_many"].format(n=len(alerts))
    ctx = {"alerts": alerts, "t": t, "lang": lang}
    return Notification(
        recipient=recipient,
        subject=subject,
        text=_text_env.get_template("alert.txt.j2").render(**ctx),
        html=_env.get_template("alert.html.j2").render(**ctx),
        payload={"alerts": [{"item": a.item.id, "version": a.item.version, "kind": a.kind,
                             "title": a.item.title, "url": a.item.url, "reasons": a.reasons,
                             "changes": [c.text for c in a.changes]} for a in alerts]},
    )
