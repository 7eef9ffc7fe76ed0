"""Why an item reached a person, as data: the templates word it in the recipient's language.

``explain(sub, item)`` is called only for items :func:`euradar.alerts.matching.match` accepted;
it collects what a person can check at a glance: the themes by id (named per language by the
templates) with the evidence words the tagger found in this item, the keyword terms that
actually occur (not the whole expression), who may apply and where, the programme and the
budget floor that held. Nothing here is English text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from euradar.alerts.matching import keyword_hits
from euradar.core.models import Item
from euradar.core.subscriptions import Subscription
from euradar.nlp.normalize import normalize_for_search

MAX_EVIDENCE_WORDS = 6
MAX_UNFOLLOWED_THEMES = 3


@dataclass
class ThemeReason:
    id: str
    evidence: list[str] = field(default_factory=list)  # words as they appear in the item


@dataclass
class Reasons:
    subscription: str  # the subscription's name, as its owner wrote it
    themes: list[ThemeReason] = field(default_factory=list)
    followed_themes: bool = False  # True: the subscription asked for these themes
    keywords: list[str] = field(default_factory=list)
    eligibility: list[str] = field(default_factory=list)  # ids, e.g. local_authorities
    geography: list[str] = field(default_factory=list)
    programme: str | None = None
    min_budget: float | None = None
    kinds: list[str] = field(default_factory=list)

    @property
    def evidence_words(self) -> list[str]:
        return [w for t in self.themes for w in t.evidence]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reasons:
        data = dict(data)
        data["themes"] = [ThemeReason(**t) for t in data.get("themes") or []]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@lru_cache(maxsize=1024)
def _label_key(label: str) -> tuple[str, ...]:
    # 'local authority', 'Local_Authorities', 'local-authorities' name one group.
    return tuple(normalize_for_search(re.sub(r"[_\-]+", " ", label), None).split())


def _hits(wanted: list[str], present: list[str]) -> list[str]:
    keys = {_label_key(w) for w in wanted}
    return [p for p in present if _label_key(p) in keys]


def evidence_words(theme: dict[str, Any]) -> list[str]:
    """The distinct words (case-insensitively) the tagger quoted for one theme of an item."""
    words: list[str] = []
    seen: set[str] = set()
    for ev in theme.get("evidence") or []:
        text = " ".join(str(ev.get("text") or "").split()) if isinstance(ev, dict) else ""
        if text and text.lower() not in seen:
            seen.add(text.lower())
            words.append(text)
    return words[:MAX_EVIDENCE_WORDS]


def explain(sub: Subscription, item: Item) -> Reasons:
    """The reasons a matched item is shown to the owner of ``sub``."""
    if sub.themes:
        chosen = [t for t in item.themes if t.get("id") in sub.themes]
    else:  # not asked for, but still the quickest way to see what the item is about
        ranked = sorted(item.themes, key=lambda t: -float(t.get("score") or 0))
        chosen = ranked[:MAX_UNFOLLOWED_THEMES]
    programme = None
    if sub.programmes:
        programme = item.programme or ", ".join(item.call_ids) or None
    return Reasons(
        subscription=sub.name,
        themes=[ThemeReason(str(t["id"]), evidence_words(t)) for t in chosen],
        followed_themes=bool(sub.themes),
        keywords=keyword_hits(sub, item),  # the query-language matcher's own terms
        # Who may apply is listed with every entry; here only when the subscription asked.
        eligibility=_hits(sub.eligibility, item.eligibility) if sub.eligibility else [],
        geography=_hits(sub.geography, item.geography) if sub.geography
        else list(item.geography),
        programme=programme,
        min_budget=sub.min_budget,
        kinds=[item.kind] if sub.kinds else [],
    )
