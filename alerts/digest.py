"""Digests: one mail per person covering all their daily or weekly subscriptions.

Sections "closing soon", "new" and "changed", each grouped by theme; every matched item is
listed (no truncation) with programme, deadline and countdown, budget, eligibility, why it
matched, the source link and the first-seen date. HTML and plain text in the person's
language, with the deadlines as an .ics attachment. The store's digest log makes a re-run of
the same period send nothing twice.

Periods: a weekly digest sent on day D covers items first seen (or changed) in the seven days
D-7 .. D-1 and is logged as the ISO week of D, so sending on Monday covers the previous week
and a second run that week is a no-op. A daily digest covers D-1. A preview shows the digest
about to be sent next (this week so far), not the one already sent.

Only forthcoming and open items are listed: a call closed when first seen is news to nobody,
and a closed item appears only when its closing is itself the news (an earlier deadline).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from euradar.alerts.calendar import deadline_events, ics_calendar
from euradar.alerts.links import Links
from euradar.alerts.matching import iter_items, match
from euradar.alerts.reasons import Reasons, explain
from euradar.alerts.render import list_headers, mail_links, render_pair
from euradar.alerts.selection import meaningful
from euradar.alerts.status import closed_when_first_seen, closing_is_news, is_closed
from euradar.alerts.wording import clean_subject, labels, theme_label
from euradar.core import metrics
from euradar.core.changes import fmt_date
from euradar.core.errors import NotifyError
from euradar.core.models import Change, Item
from euradar.core.ports import Attachment, Index, Notification, Notifier, Query, Store
from euradar.core.subscriptions import Subscription

log = logging.getLogger(__name__)
CLOSING_SOON_DAYS = 14
SECTIONS = ("closing", "new", "changed")
PERIODS = {"weekly": 7, "daily": 1}


@dataclass
class DigestEntry:
    item: Item
    reasons: list[Reasons]  # one per subscription of the person that matched
    changes: list[Change] = field(default_factory=list)
    is_new: bool = False
    deadline: str | None = None  # the next deadline from today
    theme: str = ""  # the group it is listed under ("" = other)


@dataclass
class ThemeGroup:
    theme: str
    label: str
    entries: list[DigestEntry]


@dataclass
class DigestSection:
    key: str  # closing | new | changed
    title: str
    groups: list[ThemeGroup]

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)


@dataclass
class Digest:
    email: str
    lang: str
    name: str
    frequency: str
    period: str  # the log key: "2026-W11" or "2026-03-12"
    start: date
    end: date  # inclusive
    today: date
    subs: list[Subscription]
    sections: list[DigestSection]

    @property
    def entries(self) -> list[DigestEntry]:
        return [e for s in self.sections for g in s.groups for e in g.entries]

    def count(self, key: str) -> int:
        return next((s.count for s in self.sections if s.key == key), 0)


def period_for(frequency: str, today: date) -> tuple[str, date, date]:
    """(log key, first day, last day) of the period a digest sent on ``today`` covers."""
    if frequency == "daily":
        day = today - timedelta(days=1)
        return today.isoformat(), day, day
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}", today - timedelta(days=7), today - timedelta(days=1)


def recipients(subs: Sequence[Subscription], frequency: str) -> dict[str, list[Subscription]]:
    """email -> that person's active subscriptions of this frequency."""
    out: dict[str, list[Subscription]] = defaultdict(list)
    for sub in subs:
        if sub.active and sub.email and sub.frequency == frequency and not sub.is_operator:
            out[sub.email.lower()].append(sub)
    return dict(out)


def _matches(item: Item, subs: Sequence[Subscription], today: date) -> list[Reasons]:
    return [explain(sub, item) for sub in subs if match(sub, item, today)]


def _primary_theme(item: Item, subs: Sequence[Subscription]) -> str:
    """The item's strongest theme among those the person follows, else its strongest."""
    wanted = {t for s in subs for t in s.themes}
    ranked = sorted(item.themes, key=lambda t: -float(t.get("score") or 0))
    preferred = [t["id"] for t in ranked if t["id"] in wanted]
    return str((preferred or [t["id"] for t in ranked] or [""])[0])


def _changed_items(store: Store, index: Index, start: date, end: date, today: date
                   ) -> dict[str, tuple[Item, list[Change]]]:
    """Items with a meaningful change recorded in the period, with the changes. A closed item
    only when its closing was news (brought forward, closed before its deadline)."""
    rows = store.changed_versions(start.isoformat(), (end + timedelta(days=1)).isoformat())
    recorded: dict[str, list[Change]] = defaultdict(list)
    for row in rows:
        for data in row["changes"]:
            change = Change(field=str(data.get("field")), old=data.get("old"),
                            new=data.get("new"), text=str(data.get("text") or ""))
            if change not in recorded[row["id"]]:
                recorded[row["id"]].append(change)
    out = {}
    for item_id, changes in recorded.items():
        item = index.get(item_id)
        if item is None:
            continue
        closed = is_closed(item, today)
        news = closed and closing_is_news(item, changes, today)
        shown = meaningful(changes, closing_news=news)
        if shown and (news or not closed):
            out[item_id] = (item, shown)
    return out


def build_digest(email: str, subs: Sequence[Subscription], index: Index, store: Store,
                 frequency: str = "weekly", today: date | None = None) -> Digest:
    today = today or datetime.now(UTC).date()
    period, start, end = period_for(frequency, today)
    entries: dict[str, tuple[str, DigestEntry]] = {}

    def add(section: str, item: Item, changes: list[Change] | None = None,
            is_new: bool = False) -> None:
        if item.id in entries:
            return
        reasons = _matches(item, subs, today)
        if reasons:
            entries[item.id] = (section, DigestEntry(
                item=item, reasons=reasons, changes=changes or [], is_new=is_new,
                deadline=item.next_deadline(today), theme=_primary_theme(item, subs)))

    new_query = Query(first_seen_from=start.isoformat(), first_seen_to=end.isoformat())
    new_items = {item.id: item for item in iter_items(index, new_query)
                 if not closed_when_first_seen(item, today) and not is_closed(item, today)}
    changed = {k: v for k, v in _changed_items(store, index, start, end, today).items()
               if k not in new_items}
    closing_query = Query(deadline_from=today.isoformat(),
                          deadline_to=(today + timedelta(days=CLOSING_SOON_DAYS)).isoformat(),
                          sort="deadline")
    # Urgency wins: an item closing soon is listed there, flagged "new" when it is.
    for item in iter_items(index, closing_query):
        if not is_closed(item, today):
            add("closing", item, changed.get(item.id, (None, []))[1], item.id in new_items)
    for item in new_items.values():
        add("new", item, is_new=True)
    for item, texts in changed.values():
        add("changed", item, texts)
    lang = subs[0].lang if subs else "en"
    return Digest(email=email, lang=lang, name=subs[0].name if subs else email,
                  frequency=frequency, period=period, start=start, end=end, today=today,
                  subs=list(subs), sections=_sections(entries.values(), lang))


def _sort_key(section: str, entry: DigestEntry) -> tuple[str, str]:
    if section == "new":
        return ("~" if not entry.deadline else entry.deadline[:10], entry.item.title.lower())
    return (entry.deadline or "9999", entry.item.title.lower())


def _sections(entries: Iterable[tuple[str, DigestEntry]], lang: str) -> list[DigestSection]:
    t = labels(lang)
    by_section: dict[str, dict[str, list[DigestEntry]]] = {s: defaultdict(list) for s in SECTIONS}
    for section, entry in entries:
        by_section[section][entry.theme].append(entry)
    sections = []
    for key in SECTIONS:
        themes = sorted(by_section[key], key=lambda th: (th == "", int(th[1:]) if th[1:].isdigit()
                                                         else 99, th))
        groups = [ThemeGroup(th, theme_label(th, lang) if th else t["other_theme"],
                             sorted(by_section[key][th], key=lambda e: _sort_key(key, e)))
                  for th in themes]
        sections.append(DigestSection(key, t[f"section_{key}"], groups))
    return sections


def render_digest(digest: Digest, now: datetime | None = None, links: Links | None = None,
                  preview_day: date | None = None) -> Notification:
    t = labels(digest.lang)
    counts = {k: digest.count(k) for k in SECTIONS}
    period_text = t["period"].format(start=fmt_date(digest.start.isoformat()),
                                     end=fmt_date(digest.end.isoformat()))
    urls = mail_links(links, digest.email, [s.id for s in digest.subs], digest.lang)
    ctx: dict[str, Any] = {"d": digest, "t": t, "lang": digest.lang, "today": digest.today,
                           "counts": counts, "period_text": period_text, **urls,
                           "preview_note": t["preview_of"].format(
                               day=fmt_date(preview_day.isoformat())) if preview_day else "",
                           "title": t["digest_title" if digest.frequency == "weekly"
                                      else "digest_daily_title"]}
    text, html = render_pair("digest", **ctx)
    subject_key = "digest_subject" if digest.frequency == "weekly" else "digest_daily_subject"
    subject = t[subject_key].format(period=digest.period, new=counts["new"],
                                    changed=counts["changed"], closing=counts["closing"])
    items = [e.item for e in digest.entries]
    ics = ics_calendar(deadline_events(items, digest.today), name=str(t["ics_calendar_name"]),
                       now=now, lang=digest.lang)
    return Notification(
        recipient=digest.email, subject=clean_subject(subject), text=text, html=html,
        attachments=[Attachment("deadlines.ics", "text/calendar", ics.encode("utf-8"))],
        payload={"type": "euradar.digest/1", "period": digest.period,
                 "items": [e.item.id for e in digest.entries]},
        headers=list_headers(urls))


def send_digests(store: Store, index: Index, notifier: Notifier, frequency: str = "weekly",
                 today: date | None = None, only: str | None = None,
                 links: Links | None = None) -> list[tuple[str, int]]:
    """Send each person's digest once per period; returns (email, item count) per mail sent.

    A digest with nothing in it is not sent (and not logged, so nothing is lost if items
    arrive late the same day). A transient delivery failure releases the log entry and is
    re-raised after the others were tried, so the command exits non-zero and a re-run retries.
    """
    today = today or datetime.now(UTC).date()
    sent: list[tuple[str, int]] = []
    failed: NotifyError | None = None
    for email, subs in recipients(store.list_subscriptions(active_only=True), frequency).items():
        if only and email != only.lower():
            continue
        digest = build_digest(email, subs, index, store, frequency, today)
        if not digest.entries or not store.claim_digest(email, digest.period):
            continue
        try:
            notifier.send(render_digest(digest, links=links))
        except NotifyError as exc:
            store.release_digest(email, digest.period)
            log.error("digest to %s failed: %s", email, exc)
            failed = failed or exc
            continue
        store.mark_digest_sent(email, digest.period, len(digest.entries))
        metrics.DIGESTS_SENT.labels(frequency=frequency).inc()
        sent.append((email, len(digest.entries)))
    if failed is not None and failed.transient:
        raise failed
    return sent


SEND_WEEKDAY = 0  # weekly digests go out on Mondays (Runtime.daily_jobs)


def next_send_day(frequency: str, today: date, sent_periods: set[str]) -> date:
    """The day the next digest of ``frequency`` goes out: today when today's is still due,
    else the next sending day (tomorrow for daily, next Monday for weekly)."""
    if frequency == "daily":
        return today if period_for("daily", today)[0] not in sent_periods \
            else today + timedelta(days=1)
    ahead = (SEND_WEEKDAY - today.weekday()) % 7
    day = today + timedelta(days=ahead)
    if ahead == 0 and period_for("weekly", day)[0] in sent_periods:
        day += timedelta(days=7)
    return day


def preview_digest(email: str, store: Store, index: Index, frequency: str = "weekly",
                   today: date | None = None, links: Links | None = None) -> Notification:
    """The digest ``email`` gets next: the period about to be sent (this week so far), not the
    one already sent. Nothing is sent or logged. A person without subscriptions of that
    frequency gets a preview over all their subscriptions."""
    today = today or datetime.now(UTC).date()
    subs = [s for s in store.list_subscriptions(active_only=True)
            if s.email and s.email.lower() == email.lower()]
    chosen = [s for s in subs if s.frequency == frequency] or subs
    sent = {str(row.get("period")) for row in store.digest_log(email.lower())}
    day = next_send_day(frequency, today, sent)
    digest = build_digest(email.lower(), chosen, index, store, frequency, day)
    return render_digest(digest, links=links, preview_day=day)
