"""No English in the Finnish and Swedish UI and mails.

Three nets, each of which fails on its own:
1. the label tables (web ``TEXT`` and ``alerts/templates/labels.yaml``): every language has
   every key, and a fi/sv text equal to the English one must be on the short list of words that
   really are the same (proper names, "Budget" in Swedish ...);
2. every template file (web pages and mails): no literal word outside ``{{ }}`` / ``{% %}``,
   in text or in a user-facing attribute (title, aria-label, placeholder, alt);
3. every page and mail rendered in fi and sv: no visible text is an English label (text marked
   with another ``lang`` attribute, e.g. the "English" language switch, is skipped).
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from euradar.alerts.digest import build_digest, render_digest
from euradar.alerts.reasons import explain
from euradar.alerts.render import render_alerts, render_operator
from euradar.alerts.selection import Alert
from euradar.core.changes import diff_items
from euradar.core.subscriptions import Subscription
from euradar.web.i18n import TEXT
from tests.web.conftest import AUTH, TOKEN
from tests.web.items import web_items

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = (REPO / "web" / "templates", REPO / "alerts" / "templates")
LABELS = yaml.safe_load((REPO / "alerts" / "templates" / "labels.yaml").read_text("utf-8"))
LANGS = ("fi", "sv")
# Texts that are rightly the same as in English, and why.
SAME = {
    "*": {"euradar", "English", "Suomi", "Svenska",  # endonyms of the language switch
          "{start} – {end}", "euradar: {title}", "euradar: {change} – {title}",
          "euradar: {name}", "%H.%M"},
    "sv": {"Budget", "Version", "Text", "Organisation", "Program", "Status", "status",
           "budget", "Interreg Europe", "ERRIN", "Arctic Smartness"},
    "fi": {"Interreg Europe", "ERRIN", "Arctic Smartness"},
}
# Words a template may carry literally: names, formats, units.
LITERAL_OK = {"euradar", "API", "OpenAPI", "HORIZON", "INTERREG", "EUR", "ics", "deadlines"}
VISIBLE_ATTRS = ("title", "aria-label", "placeholder", "alt")


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def _tables() -> dict[str, dict[str, dict[str, str]]]:
    return {"web": {lang: dict(TEXT[lang]) for lang in ("en", *LANGS)},
            "mail": {lang: _flatten(LABELS[lang]) for lang in ("en", *LANGS)},
            "sources": {lang: {k: v[lang] for k, v in LABELS["source_names"].items()}
                        for lang in ("en", *LANGS)}}


@pytest.mark.parametrize("table", ["web", "mail", "sources"])
@pytest.mark.parametrize("lang", LANGS)
def test_label_tables_are_complete_and_translated(table, lang):
    tables = _tables()[table]
    assert set(tables[lang]) == set(tables["en"]), set(tables["en"]) ^ set(tables[lang])
    untranslated = {k: v for k, v in tables[lang].items()
                    if v == tables["en"][k] and v not in SAME["*"] | SAME[lang]}
    assert untranslated == {}, f"{lang} {table} texts left in English"


def test_every_configured_source_has_a_display_name():
    import tomllib

    names = tomllib.loads((REPO / "crawlers" / "sources.toml").read_text("utf-8"))["sources"]
    assert set(names) <= set(LABELS["source_names"]), set(names) - set(LABELS["source_names"])


class _Literal(HTMLParser):
    def __init__(self):
        super().__init__()
        self.words: list[str] = []

    def _take(self, text: str) -> None:
        self.words += [w for w in re.findall(r"[A-Za-zÅÄÖåäö]{2,}", text) if w not in LITERAL_OK]

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in VISIBLE_ATTRS and value:
                self._take(value)

    def handle_data(self, data):
        self._take(data)


def _without_jinja(source: str) -> str:
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", " ", source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", " ", source, flags=re.S)


def test_templates_carry_no_literal_words():
    checked = 0
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".html", ".j2"):
                continue
            text = _without_jinja(path.read_text("utf-8"))
            text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
            reader = _Literal()
            reader.feed(text)
            assert reader.words == [], f"{path.name}: literal words {reader.words[:10]}"
            checked += 1
    assert checked >= 15


# ---------------------------------------------------------------- rendered output

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Visible(HTMLParser):
    """Visible text nodes and user-facing attributes, skipping scripts, styles and any element
    marked with a language other than the page's."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang
        self.stack: list[bool] = []  # True: hidden or in another language
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        other = tag in ("script", "style", "code") or (a.get("lang") not in (None, self.lang)
                                                        and tag != "html")
        if not self._hidden() and not other:
            self.texts += [a[n] for n in VISIBLE_ATTRS if a.get(n)]
            if tag in ("option",):
                pass
        if tag not in VOID:
            self.stack.append(other)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.texts.append(" ".join(data.split()))


def _english_patterns(lang: str) -> list[tuple[str, re.Pattern]]:
    """Every English label that ``lang`` translates differently, as a pattern for a whole
    text node (placeholders match anything)."""
    tables = _tables()
    patterns = []
    for table in ("web", "mail"):
        en = tables[table]["en"]
        for key, text in en.items():
            if tables[table][lang].get(key) == text or len(text) < 3:
                continue
            if "%" in text:
                continue
            body = re.escape(text)
            body = re.sub(r"\\\{[a-z_]+\\\}", ".+", body)
            # a whole word or phrase, not part of one, nor a file name (deadlines.ics)
            patterns.append((f"{table}.{key}", re.compile(rf"(?<![\w.]){body}(?!\w|\.\w)")))
    return patterns


ENGLISH = {lang: _english_patterns(lang) for lang in LANGS}


def _english_in(texts: list[str], lang: str) -> list[tuple[str, str]]:
    found = []
    for text in texts:
        for key, pattern in ENGLISH[lang]:
            if pattern.search(text):
                found.append((key, text))
    return found


def _check_html(html: str, lang: str, where: str) -> None:
    reader = _Visible(lang)
    reader.feed(html)
    assert reader.texts, where
    assert _english_in(reader.texts, lang) == [], where


def _check_text(text: str, lang: str, where: str) -> None:
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert _english_in(lines, lang) == [], where


# Items whose own words are not English, so any English on the page is ours.
def _local_items():
    items = []
    for n, item in enumerate(web_items()):
        items.append(item.__class__(**{**item.to_dict(), "title": f"Hanke {n} Lapissa",
                                       "text": "Rahoitusta kunnille.", "lang": "fi"}))
    return items


@pytest.fixture
def local_client(backend_index, tmp_path):
    from fastapi.testclient import TestClient

    from euradar.web.app import create_app
    from tests.web.conftest import make_runtime, seed

    rt = make_runtime(backend_index, tmp_path)
    seed(rt.index, rt.store)
    rt.index.upsert(_local_items())
    rt.store.save_subscription(Subscription.from_dict({
        "id": "kemi", "name": "Kemi", "email": "eu@kemi.fi", "themes": ["T1", "T4"],
        "geography": ["Lapland"], "webhook_url": "https://hooks.example.org/x"}))
    with TestClient(create_app(rt)) as c:
        yield c, rt
    rt.store.close()


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_in_finnish_and_swedish_has_no_english(local_client, lang):
    client, rt = local_client
    q = f"lang={lang}"
    item_id = _local_items()[0].id
    manage = rt.links.manage_url("eu@kemi.fi", lang=lang).split("8765", 1)[1]
    unsubscribe = rt.links.unsubscribe_url("eu@kemi.fi", ["kemi"], lang=lang).split("8765", 1)[1]
    expired = rt.links.manage_url("eu@kemi.fi", now=0, lang=lang).split("8765", 1)[1]
    anonymous = {
        "search": client.get(f"/?{q}&sort=deadline"),
        "search-empty": client.get(f"/?{q}&q=zzzzqqq"),
        "search-bad-date": client.get(f"/?{q}&deadline_from=nope"),
        "item": client.get(f"/items/{item_id}?{q}"),
        "not-found": client.get(f"/items/ft:NOPE?{q}"),
        "sources": client.get(f"/sources?{q}"),
        "login-needed": client.get(f"/subscriptions?{q}"),
        "login": client.get(f"/login?{q}"),
        "bad-token": client.post(f"/login?{q}", data={"token": "wrong"}),
        "unsubscribe": client.get(unsubscribe),
        "unsubscribed": client.post(unsubscribe, data={"action": "unsubscribe"}),
        "expired": client.get(expired),
        "forged": client.get(manage.replace("k=ey", "k=ez")),
        "manage": client.get(manage),
    }
    client.cookies.clear()
    signed_in = {
        "list": client.get(f"/subscriptions?{q}", headers=AUTH),
        "new": client.get(f"/subscriptions/new?{q}", headers=AUTH),
        "edit": client.get(f"/subscriptions/kemi/edit?{q}&saved=1", headers=AUTH),
        "invalid": client.post(f"/subscriptions/save?{q}", data={
            "name": "x", "email": "not-an-address", "min_budget": "lots", "reminders": "soon",
            "token": TOKEN}),
        "preview": client.post(f"/subscriptions/save?{q}", data={
            "name": "x", "email": "eu@kemi.fi", "themes": ["T1", "T4"], "action": "preview",
            "preview_days": "90", "token": TOKEN}),
    }
    for name, response in {**anonymous, **signed_in}.items():
        assert response.headers["content-type"].startswith("text/html"), name
        _check_html(response.text, lang, f"{name} ({response.status_code})")


@pytest.mark.parametrize("lang", LANGS)
def test_every_mail_in_finnish_and_swedish_has_no_english(lang, tmp_path):
    from euradar.alerts.links import Links
    from euradar.infra.index.embedded import EmbeddedIndex
    from euradar.infra.store.sqlite import SqliteStore

    links = Links("http://127.0.0.1:8765", b"k" * 32)
    items = _local_items()
    sub = Subscription.from_dict({"id": "s", "name": "Kemi", "email": "eu@kemi.fi", "lang": lang,
                                  "themes": ["T1", "T4", "T8"], "keywords": "rahoitusta",
                                  "eligibility": ["local_authorities"], "geography": ["Lapland"],
                                  "programmes": ["HORIZON"], "min_budget": 1.0,
                                  "frequency": "weekly"})
    old = items[0].__class__(**{**items[0].to_dict(), "deadlines": ["2026-01-15"],
                                "status": "forthcoming", "budget": 1.0, "documents": []})
    changes = diff_items(old, items[0])
    today = date(2026, 12, 1)
    mails = {
        "new": render_alerts("eu@kemi.fi", [Alert(sub, i, "new", explain(sub, i)) for i in items],
                             today, links),
        "changed": render_alerts("eu@kemi.fi", [Alert(sub, items[0], "changed",
                                                       explain(sub, items[0]), changes)],
                                 today, links),
        "reminder": render_alerts("eu@kemi.fi", [Alert(
            sub, items[0], "reminder", explain(sub, items[0]), deadline=items[0].deadlines[0],
            days_left=3, offset=3)], today, links),
        "operator": render_operator("ops@kemi.fi", [{"source": "ft_grants", "kind": "failing",
                                                      "message": "", "at": "2026-12-01"}], lang),
    }
    store, index = SqliteStore("memory://"), EmbeddedIndex("memory://")
    index.ensure()
    index.upsert(items)
    store.record_item(old, [])
    store.record_item(items[0], changes)
    weekly = Subscription.from_dict({"id": "w", "email": "eu@kemi.fi", "lang": lang,
                                     "themes": ["T1", "T4", "T8"], "frequency": "weekly"})
    digest = build_digest("eu@kemi.fi", [weekly], index, store, "weekly", date.today())
    assert digest.entries
    mails["digest"] = render_digest(digest, links=links, preview_day=today)
    for name, note in mails.items():
        _check_text(note.subject, lang, f"{name} subject")
        _check_text(note.text, lang, f"{name} text")
        _check_html(note.html or "", lang, f"{name} html")
        ics = [a for a in note.attachments if a.filename.endswith(".ics")]
        for a in ics:  # what a calendar shows: name, summaries, descriptions
            shown = [line for line in a.data.decode("utf-8").replace("\r\n ", "").splitlines()
                     if line.startswith(("SUMMARY", "DESCRIPTION", "X-WR-CALNAME"))]
            assert shown, name
            _check_text("\n".join(shown).replace("\\n", "\n"), lang, f"{name} ics")


def test_the_nets_catch_english():
    """The checks above can fail: an English label on a Finnish page is found."""
    assert _english_in(["Who can apply"], "fi") and _english_in(["Closing soon (3)"], "sv")
    assert _english_in(["7 results"], "fi") and not _english_in(["7 tulosta"], "fi")
    reader = _Literal()
    reader.feed(_without_jinja('<p title="Open">{{ t("x") }} Deadline</p>'))
    assert reader.words == ["Open", "Deadline"]
