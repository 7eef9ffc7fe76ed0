"""Every word and number a recipient reads, in their language (fi, sv, en): label tables
(``templates/labels.yaml``), theme, eligibility and source names, dates, deadlines with their
time and time zone, money, countdowns and what changed. Pure functions, shared by the mail
templates and the web UI.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from euradar.core.changes import fmt_date
from euradar.core.models import Change
from euradar.nlp.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_TITLE_CHARS = 110
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
# EU deadlines are set in Brussels time (17:00 CET/CEST); Finnish readers also get their own.
BRUSSELS = ZoneInfo("Europe/Brussels")
LOCAL_ZONES = {"fi": ZoneInfo("Europe/Helsinki")}


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


def source_label(name: str, lang: str) -> str:
    """A source's display name (``ft_grants`` -> "EU Funding & Tenders Portal: grants")."""
    names = (_all_labels().get("source_names") or {}).get(name) or {}
    return str(names.get(lang) or names.get("en") or name.replace("_", " "))


def deadline_moment(deadline: str | None) -> datetime | None:
    """A timed deadline as an aware datetime (naive times are Brussels time); None for a date."""
    if not deadline or len(deadline) <= 10 or "T" not in deadline:
        return None
    try:
        moment = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=BRUSSELS)


def fmt_deadline(deadline: str | None, lang: str) -> str:
    """``2026-04-15T17:00:00+02:00`` -> "15.04.2026 klo 17.00 Brysselin aikaa (klo 18.00 Suomen
    aikaa)"; a date-only deadline is just its date."""
    if not deadline:
        return ""
    moment = deadline_moment(deadline)
    if moment is None:
        return fmt_date(deadline)
    t = labels(lang)
    there = moment.astimezone(BRUSSELS)
    zone = LOCAL_ZONES.get(lang)
    here = moment.astimezone(zone) if zone else there
    return str(t["deadline_time"]).format(
        date=there.strftime("%d.%m.%Y"), time=there.strftime(t["time_format"]),
        local=here.strftime(t["time_format"]))


def _change_value(field: str, value: Any, lang: str) -> str:
    t = labels(lang)
    if value in (None, "", []):
        return str(t["change_none"])
    if field in ("deadline", "opening_date"):
        return fmt_deadline(str(value), lang)
    if field == "deadlines":
        return ", ".join(fmt_deadline(str(v), lang) for v in value)
    if field == "status":
        return str(t["statuses"].get(value, value))
    if field == "budget":
        return fmt_money(float(value))
    if field == "eligibility":
        return ", ".join(eligibility_label(str(v), lang) for v in value)
    return str(value)


def change_text(change: Change, lang: str) -> str:
    """One change in the reader's language: "määräaika 12.03.2026 → 26.03.2026"."""
    t = labels(lang)
    name = t["change_fields"].get(change.field)
    if name is None:
        return change.text
    if change.field == "documents":
        docs = change.new if isinstance(change.new, list) else []
        return str(t["change_documents"]).format(n=len(docs), docs=", ".join(docs[:5]))
    if change.field == "text":
        return str(t["change_text"])
    if change.field == "title":
        return f"{name}: {change.new}"
    return (f"{name} {_change_value(change.field, change.old, lang)} \u2192 "
            f"{_change_value(change.field, change.new, lang)}")


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


def geo_label(name: str, lang: str) -> str:
    """An area as the reader's language names it (Lapland -> Lappi); place names stay."""
    names = (_all_labels().get("geography_names") or {}).get(name) or {}
    return str(names.get(lang) or name)


def reason_lines(reasons: Any, lang: str) -> list[str]:
    """Structured reasons (:class:`euradar.alerts.reasons.Reasons`) as short lines in ``lang``,
    worded from the label table: for the CLI, the API preview and the editor's preview."""
    t = labels(lang)
    lines = []
    if reasons.themes:
        parts = []
        for th in reasons.themes:
            words = f" ({t['reason_words']}: {', '.join(th.evidence)})" if th.evidence else ""
            parts.append(f"{th.id} {theme_label(th.id, lang)}{words}")
        head = t["reason_themes"] if reasons.followed_themes else t["reason_item_themes"]
        lines.append(f"{head}: {'; '.join(parts)}")
    if reasons.keywords:
        lines.append(f"{t['reason_keywords']}: {', '.join(reasons.keywords)}")
    if reasons.eligibility:
        names = ", ".join(eligibility_label(e, lang) for e in reasons.eligibility)
        lines.append(f"{t['reason_eligibility']}: {names}")
    if reasons.geography:
        lines.append(f"{t['reason_geography']}: "
                     f"{', '.join(geo_label(g, lang) for g in reasons.geography)}")
    if reasons.programme:
        lines.append(f"{t['reason_programme']}: {reasons.programme}")
    if reasons.min_budget is not None:
        lines.append(str(t["reason_budget"]).format(amount=fmt_money(reasons.min_budget)))
    if reasons.kinds:
        lines.append(f"{t['reason_kind']}: "
                     f"{', '.join(str(t['kinds'].get(k, k)) for k in reasons.kinds)}")
    return lines
