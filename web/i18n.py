"""Interface text in English, Finnish and Swedish, and human labels for theme and eligibility ids.

The interface language is chosen per request with ``?lang=fi|sv|en`` (default English); the
Finnish and Swedish tables live in :mod:`euradar.web.i18n_fi` and :mod:`euradar.web.i18n_sv`.
Labels of themes, flags and eligibility groups come from ``nlp/taxonomy.yaml`` so the web UI,
alerts and the tagger name a theme the same way; an id without a label is shown as is.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Protocol

from euradar.alerts.wording import source_label
from euradar.nlp.taxonomy import DEFAULT_TAXONOMY_PATH
from euradar.web.i18n_fi import FI
from euradar.web.i18n_sv import SV

UI_LANGS = ("en", "fi", "sv")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "app_name": "euradar",
        "tagline": "EU funding calls, tenders and news for Lapland",
        "search": "Search",
        "search_label": "Search calls, tenders and news",
        "search_placeholder": "e.g. hydrogen, kiertotalous, \"wind power\"",
        "results": "{n} results",
        "one_result": "1 result",
        "no_results": "Nothing matches this search. Remove a filter or try other words.",
        "no_results_applied": "Nothing matches. These narrowed the search; each link shows the "
                              "results without it:",
        "ways_out": "Or try",
        "drop_filter": "without {what}",
        "drop_words": "without the words {words}",
        "try_theme": "theme {theme} instead of the words",
        "try_english": "the English term {term}",
        "n_results": "{n} results",
        "index_empty": "Nothing has been crawled yet, so there is nothing to search.",
        "index_empty_how": "Load items by crawling every enabled source once: bash run.sh (or "
                           "euradar run --once); one source: euradar crawl SOURCE. The sources "
                           "page shows what each source did.",
        "query_error": "The search text cannot be read",
        "query_help": "Search language: words, \"a phrase\", AND / OR / NOT (upper case) or "
                      "-word, (parentheses), prefix*, and fields:",
        "filters": "Filters",
        "apply_filters": "Apply filters",
        "clear_filters": "Clear all",
        "sort": "Sort by",
        "sort_relevance": "Relevance",
        "sort_deadline": "Closest deadline",
        "sort_first_seen": "Newest first",
        "facet_kind": "Type",
        "facet_status": "Status",
        "facet_lang": "Language",
        "facet_programme": "Programme",
        "facet_themes": "Theme",
        "facet_eligibility": "Who can apply",
        "facet_source": "Source",
        "deadline_range": "Deadline between",
        "first_seen_range": "First seen between",
        "from": "from",
        "to": "to",
        "kind_call": "Call", "kind_tender": "Tender", "kind_news": "News",
        "status_open": "Open", "status_forthcoming": "Forthcoming", "status_closed": "Closed",
        "lang_en": "English", "lang_fi": "Finnish", "lang_sv": "Swedish",
        "days_left": "{n} days left",
        "one_day_left": "1 day left",
        "closes_today": "closes today",
        "deadline_passed": "deadline passed",
        "no_deadline": "no deadline",
        "deadline": "Deadline",
        "deadlines": "Deadlines",
        "why_matched": "Why it matched",
        "evidence": "theme evidence",
        "page_of": "Page {page} of {pages}",
        "previous": "Previous",
        "next": "Next",
        "export_csv": "Download CSV",
        "export_ics": "Add upcoming deadlines to calendar (.ics)",
        "item": "Item",
        "all_fields": "Details",
        "history": "Version history",
        "no_history": "No earlier versions recorded.",
        "version": "Version",
        "seen_at": "Seen",
        "changes": "What changed",
        "first_version": "first version seen",
        "provenance": "Provenance",
        "source": "Source",
        "url": "Address",
        "first_seen": "First seen",
        "fetched_at": "Fetched",
        "content_hash": "Content hash",
        "programme": "Programme",
        "call_ids": "Call identifiers",
        "opening_date": "Opens",
        "status": "Status",
        "budget": "Budget",
        "eligibility": "Who can apply",
        "type_of_action": "Type of action",
        "documents": "Documents",
        "published": "Published",
        "language": "Language",
        "themes": "Themes",
        "flags": "Flags",
        "geography": "Area",
        "kind": "Type",
        "text": "Text",
        "open_original": "Open the original",
        "back_to_search": "Back to search",
        "not_found": "Not found",
        "item_not_found": "No item has the id {id}.",
        "subscriptions": "Subscriptions",
        "new_subscription": "New subscription",
        "edit_subscription": "Edit subscription",
        "no_subscriptions": "No subscriptions yet.",
        "name": "Name",
        "email": "Email",
        "organisation": "Organisation",
        "keywords": "Keywords",
        "keywords_help": "Words and \"quoted phrases\" with AND, OR, NOT and parentheses.",
        "kinds": "Types",
        "programmes": "Programmes (comma separated)",
        "min_budget": "Minimum budget (EUR)",
        "deadline_horizon": "Only deadlines within (days)",
        "frequency": "How often",
        "freq_immediate": "Immediately", "freq_daily": "Daily digest",
        "freq_weekly": "Weekly digest",
        "alert_lang": "Language of the messages",
        "active": "Active",
        "token": "API token",
        "token_help": "Needed to save. Remembered in this browser after the first save.",
        "save": "Save",
        "preview": "Preview",
        "preview_days": "Preview over the last (days)",
        "preview_title": "Would have matched {n} items in the last {days} days",
        "saved": "Subscription saved.",
        "delete": "Delete",
        "deleted": "Subscription deleted.",
        "error": "Please fix the following",
        "sources": "Sources",
        "skip_to_results": "Skip to results",
        "edit": "Edit",
        "token_missing": "Enter the API token to save.",
        "token_wrong": "The API token is wrong.",
        "writes_disabled": "Saving is disabled: the server has no API token. Set "
                           "EURADAR_API_TOKEN and restart the server.",
        "cross_site_form": "This form was sent from another site and was refused.",
        "footer_tagline": "EU funding radar for Lapland",
        "api_link": "API (OpenAPI)",
        "lang_name_en": "English", "lang_name_fi": "Suomi", "lang_name_sv": "Svenska",
        "health": "Health",
        "last_success": "Last success",
        "items_seen": "Items",
        "last_error": "Last error",
        "health_ok": "ok", "health_failing": "failing", "health_empty": "no items",
        "health_never_run": "never run", "health_disabled": "disabled",
        "paused": "paused",
        "geography_field": "Areas (comma separated, e.g. Lapland, Rovaniemi)",
        "webhook_url": "Webhook address",
        "webhook_help": "Alerts are sent to an email address, a webhook address, or both.",
        "reminders_field": "Deadline reminders (days before, comma separated; empty: none)",
        "delivery": "Where and when",
        "criteria": "What to follow",
        "preview_alerted": "{m} of them would have been mailed; closed calls are never mailed.",
        "preview_truncated": "Only the newest {n} items were looked at.",
        "closed_not_alerted": "closed when first seen: not mailed",
        "preview_needs_access": "Sign in, or open your personal link, to see the preview.",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "login_title": "Subscriber data is private",
        "login_help": "Operators: enter the API token. Recipients: open the personal link "
                      "at the end of any euradar mail to see and change your own subscriptions.",
        "manage_title": "Your subscriptions",
        "manage_intro": "Subscriptions mailed to {email}. Open one to change it.",
        "manage_none": "No subscriptions are mailed to this address.",
        "link_expired": "This link has expired. The newest mail from euradar carries a fresh one.",
        "link_invalid": "This link is not valid. Use the link from your newest euradar mail.",
        "not_yours": "This subscription is not yours to see or change.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_confirm": "Stop these alerts to {email}?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "Done: {email} no longer receives these alerts.",
        "resubscribe": "Undo: subscribe again",
        "resubscribed": "The subscriptions are active again.",
        "calendar_feed": "Calendar feed (.ics)",
        "invalid_number": "{field}: {value} is not a number",
        "invalid_days": "{field}: {value} is not a list of whole days",
        "invalid_field": "{field}: please check this value",
        "main_nav": "Main", "pages_nav": "Pages",
    },
}


TEXT["fi"] = FI
TEXT["sv"] = SV


def pick_lang(raw: str | None) -> str:
    return raw if raw in UI_LANGS else "en"


class Translator(Protocol):
    """What :func:`translator` returns: ``t(key, **values)`` -> the text in one language."""

    def __call__(self, key: str, **values: object) -> str: ...


def translator(lang: str) -> Translator:
    """``t("days_left", n=3)`` in the chosen language; an unknown key shows itself (visible in
    review) rather than crashing a page."""
    table = TEXT[pick_lang(lang)]

    def t(key: str, **values: object) -> str:
        text = table.get(key) or TEXT["en"].get(key) or key
        return text.format(**values) if values else text

    return t


def countdown(deadline: str | None, today: date, lang: str) -> tuple[str, str]:
    """("12 days left", css class) for a deadline; the class marks urgency for the eye."""
    t = translator(lang)
    if not deadline:
        return t("no_deadline"), "none"
    try:
        days = (date.fromisoformat(deadline[:10]) - today).days
    except ValueError:
        return deadline, "none"
    if days < 0:
        return t("deadline_passed"), "passed"
    if days == 0:
        return t("closes_today"), "urgent"
    text = t("one_day_left") if days == 1 else t("days_left", n=days)
    return text, "urgent" if days <= 7 else ("soon" if days <= 30 else "later")


@lru_cache(maxsize=1)
def taxonomy_labels() -> dict[str, dict[str, dict[str, str]]]:
    """{"themes"|"flags"|"eligibility": {id: {lang: label}}}, read once from the taxonomy file.
    Reading it must never take a page down: without it, ids are shown instead of labels."""
    try:
        import yaml


        data = yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")) or {}
    except Exception:  # noqa: BLE001 - labels are cosmetic
        return {"themes": {}, "flags": {}, "eligibility": {}}
    return {section: {key: dict((value or {}).get("labels") or {})
                      for key, value in (data.get(section) or {}).items()}
            for section in ("themes", "flags", "eligibility")}


def label(section: str, key: str, lang: str) -> str:
    """Label of a theme/flag/eligibility id in ``lang``; else English; else the id itself."""
    labels = taxonomy_labels().get(section, {}).get(key, {})
    return labels.get(lang) or labels.get("en") or key


def facet_value_label(field: str, value: str, lang: str) -> str:
    """How a facet value is shown: themes with their label, kinds and statuses translated."""
    if field == "themes":
        return f"{value} {label('themes', value, lang)}"
    if field == "eligibility":
        return label("eligibility", value, lang)
    if field == "source":
        return source_label(value, lang)
    if field in ("kind", "status", "lang"):
        return translator(lang)(f"{field}_{value}") if f"{field}_{value}" in TEXT["en"] else value
    return value
