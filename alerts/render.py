"""Render alerts, reminders, digests and operator notices to notifications.

Jinja2 autoescaping is on for every HTML template: crawled text is hostile. Links are only
ever http(s) (a crawled ``javascript:`` URL becomes ``#``), and subjects lose control
characters and line breaks so a title can never add a header.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from euradar.alerts.links import Links
from euradar.alerts.selection import Alert
from euradar.alerts.wording import (
    TEMPLATES,
    change_text,
    clean_subject,
    countdown,
    eligibility_label,
    fmt_deadline,
    fmt_money,
    geo_label,
    host_of,
    labels,
    safe_url,
    short_title,
    source_label,
    theme_label,
)
from euradar.core.changes import fmt_date
from euradar.core.ports import Notification

__all__ = ["clean_subject", "labels", "render_alerts", "render_pair", "theme_label"]


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=True) if autoescape else False,
        trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fdate=fmt_date, money=fmt_money, safe_url=safe_url, host=host_of)
    env.globals.update(theme_label=theme_label, countdown=countdown,
                       eligibility_label=eligibility_label, source_label=source_label,
                       fmt_deadline=fmt_deadline, change_text=change_text,
                       geo_label=geo_label)
    return env


_html_env = _environment(autoescape=True)
_text_env = _environment(autoescape=False)


def preload() -> None:
    """Compile every template and read the label tables now: about a second of CPU (the
    taxonomy's YAML among it) that the alerter would otherwise spend on its first mail after
    every (re)start, with a batch in hand. Jinja keeps compiled templates in its cache."""
    for lang in ("fi", "sv", "en"):
        labels(lang)
        theme_label("T1", lang)
        eligibility_label("sme", lang)
    for template in TEMPLATES.glob("*.j2"):
        env = _html_env if template.name.endswith(".html.j2") else _text_env
        env.get_template(template.name)


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
        "themes": a.item.theme_ids, "reasons": a.reasons.to_dict(),
        "changes": [{"field": c.field, "old": c.old, "new": c.new, "text": c.text}
                    for c in a.changes],
        **({"deadline": a.deadline, "days_left": a.days_left} if a.kind == "reminder" else {}),
    } for a in alerts]}


def _subject(alerts: Sequence[Alert], t: dict[str, Any], lang: str) -> str:
    reminders = [a for a in alerts if a.kind == "reminder"]
    if len(alerts) == 1:
        a = alerts[0]
        if a.kind == "reminder":
            return str(t["subject_reminder_one"]).format(days=a.days_left,
                                                         title=short_title(a.item.title))
        if a.kind == "changed" and a.changes:
            change = clean_subject(change_text(a.changes[0], lang))[:80]
            return str(t["subject_changed_one"]).format(change=change,
                                                        title=short_title(a.item.title))
        return str(t["subject_one"]).format(title=short_title(a.item.title))
    if len(reminders) == len(alerts):
        return str(t["subject_reminder_many"]).format(n=len(alerts))
    return str(t["subject_many"]).format(n=len(alerts))


def is_email(recipient: str) -> bool:
    return "@" in recipient and "://" not in recipient


def mail_links(links: Links | None, recipient: str, sub_ids: Sequence[str],
               lang: str = "en") -> dict[str, str]:
    """The personal manage and unsubscribe links of one mail."""
    if links is None or not is_email(recipient):
        return {}
    return {"manage_url": links.manage_url(recipient, lang=lang),
            "unsubscribe_url": links.unsubscribe_url(recipient, list(sub_ids), lang=lang)}


def list_headers(urls: dict[str, str]) -> dict[str, str]:
    """RFC 2369 + RFC 8058: mail clients show an "Unsubscribe" button that POSTs
    ``List-Unsubscribe=One-Click`` to the link, without opening a page."""
    if not urls.get("unsubscribe_url"):
        return {}
    return {"List-Unsubscribe": f"<{urls['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def render_alerts(recipient: str, alerts: Sequence[Alert], today: date | None = None,
                  links: Links | None = None) -> Notification:
    """One notification for one recipient covering every alert of the batch: new items,
    changed items (saying what changed) and deadline reminders, most urgent kinds first; each
    says why it matched and what to do next, and the mail carries the person's own manage and
    unsubscribe links."""
    lang = alerts[0].sub.lang
    t = labels(lang)
    today = today or datetime.now(UTC).date()
    order = {"reminder": 0, "changed": 1, "new": 2}
    ordered = sorted(alerts, key=lambda a: (order.get(a.kind, 3), a.item.next_deadline(today) or "9"))
    only_reminders = all(a.kind == "reminder" for a in alerts)
    urls = mail_links(links, recipient, [a.sub.id for a in ordered], lang)
    ctx = {"alerts": ordered, "t": t, "lang": lang, "today": today, **urls,
           "intro": t["reminder_intro" if only_reminders else "intro"]}
    text, html = render_pair("alert", **ctx)
    return Notification(recipient=recipient, subject=clean_subject(_subject(alerts, t, lang)),
                        text=text, html=html, payload=alerts_payload(ordered),
                        headers=list_headers(urls))


def render_operator(recipient: str, events: Sequence[dict[str, Any]],
                    lang: str = "en") -> Notification:
    """A notice to operators about failing or silent sources, in the operator's language."""
    t = labels(lang)
    text, html = render_pair("operator", events=events, t=t, lang=lang)
    return Notification(recipient=recipient,
                        subject=clean_subject(str(t["operator_subject"]).format(n=len(events))),
                        text=text, html=html, payload={"type": "euradar.operator/1",
                                                       "events": list(events)})
