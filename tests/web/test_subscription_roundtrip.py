"""Subscriptions keep what people set: every field survives each way of changing one (API
PATCH, the web editor, ``euradar subscribe --id``, the YAML file), and subscriber data is
private (401 without the token or a manage link)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from euradar.alerts.subscription_file import dump, parse_entries, sync
from euradar.cli.main import main
from euradar.core.settings import from_env
from euradar.core.subscriptions import Subscription
from euradar.runtime import Runtime
from tests.web.conftest import AUTH, TOKEN

# Every field set to something other than its default.
FULL = {
    "id": "lapland-advisors", "name": "Lapland EU advisors", "email": "eu@lapinliitto.fi",
    "lang": "sv", "organisation": "Lapin liitto", "themes": ["T3", "T7"],
    "keywords": 'vety OR "test bed"', "kinds": ["call", "tender"],
    "programmes": ["HORIZON", "INTERREG"],
    "eligibility": ["local_authorities", "regional development agencies"],
    "geography": ["Lapland", "Rovaniemi"], "min_budget": 250000.5,
    "deadline_horizon_days": 90, "frequency": "weekly",
    "webhook_url": "https://hooks.example.org/euradar?secret=s3cr3t",
    "reminders": [21, 7, 1], "active": False,
}
CHANGED = {  # another value for every field but the id
    "name": "Renamed", "email": "kehitys@rovaniemi.fi", "lang": "fi", "organisation": "Rovaniemi",
    "themes": ["T1"], "keywords": "kiertotalous", "kinds": ["news"], "programmes": ["LIFE"],
    "eligibility": ["smes"], "geography": ["Kemi"], "min_budget": 1000.0,
    "deadline_horizon_days": 30, "frequency": "daily",
    "webhook_url": "https://other.example.org/hook", "reminders": [3], "active": True,
}


def stored(runtime) -> dict:
    return runtime.store.get_subscription(FULL["id"]).to_dict()


def test_full_subscription_is_valid_and_every_field_differs_from_its_default():
    sub = Subscription.from_dict(FULL).to_dict()
    assert sub == FULL
    default = Subscription(id="x", name="x").to_dict()
    assert all(FULL[f] != default[f] for f in FULL if f not in ("id", "name"))
    assert set(CHANGED) == set(FULL) - {"id"}


# ---------------------------------------------------------------- privacy


def test_subscriber_data_needs_the_token(client, runtime):
    assert client.post("/api/subscriptions", json=FULL, headers=AUTH).status_code == 201
    for path in ("/api/subscriptions", f"/api/subscriptions/{FULL['id']}"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert "lapinliitto" not in r.text and "s3cr3t" not in r.text
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get(path, headers=AUTH).status_code == 200
    assert client.patch(f"/api/subscriptions/{FULL['id']}", json={"name": "x"}).status_code == 401
    assert client.delete(f"/api/subscriptions/{FULL['id']}").status_code == 401
    assert client.post("/api/subscriptions/preview", json={"email": "a@b.fi"}).status_code == 401
    for page in ("/subscriptions", f"/subscriptions/{FULL['id']}/edit", "/subscriptions/new"):
        r = client.get(page)
        assert r.status_code == 401, page
        assert "lapinliitto" not in r.text and "s3cr3t" not in r.text
    assert stored(runtime) == FULL


def test_a_manage_link_sees_and_changes_only_its_own_subscriptions(client, runtime):
    other = {**FULL, "id": "someone-else", "email": "other@kemi.fi"}
    for body in (FULL, other):
        client.post("/api/subscriptions", json=body, headers=AUTH)
    key = runtime.links.manage_url(FULL["email"]).split("k=")[1]
    mine = {"X-Manage-Key": key}
    assert [s["id"] for s in client.get("/api/subscriptions", headers=mine).json()] == [FULL["id"]]
    assert client.get("/api/subscriptions/someone-else", headers=mine).status_code == 404
    assert client.patch("/api/subscriptions/someone-else", json={"active": True},
                        headers=mine).status_code == 404
    r = client.patch(f"/api/subscriptions/{FULL['id']}", json={"active": True}, headers=mine)
    assert r.status_code == 200 and r.json() == {**FULL, "active": True}
    moved = client.patch(f"/api/subscriptions/{FULL['id']}", json={"email": "victim@kemi.fi"},
                         headers=mine)
    assert moved.status_code == 403 and stored(runtime)["email"] == FULL["email"]
    forged = key[:-3] + ("AAA" if not key.endswith("AAA") else "BBB")
    assert client.get("/api/subscriptions", headers={"X-Manage-Key": forged}).status_code == 401


# ---------------------------------------------------------------- API


def test_api_patch_changes_only_the_fields_sent(client, runtime):
    assert client.post("/api/subscriptions", json=FULL, headers=AUTH).json() == FULL
    r = client.patch(f"/api/subscriptions/{FULL['id']}", json={"name": "Only the name"},
                     headers=AUTH)
    assert r.status_code == 200 and r.json() == {**FULL, "name": "Only the name"}
    expected = {**FULL, "name": "Only the name"}
    for field, value in CHANGED.items():
        r = client.patch(f"/api/subscriptions/{FULL['id']}", json={field: value}, headers=AUTH)
        assert r.status_code == 200, (field, r.text)
        expected[field] = value
        assert stored(runtime) == expected, field
    # null resets one field to its default, and nothing else
    r = client.patch(f"/api/subscriptions/{FULL['id']}", json={"reminders": None}, headers=AUTH)
    assert r.json() == {**expected, "reminders": [14, 3]}
    bad = client.patch(f"/api/subscriptions/{FULL['id']}", json={"themes": ["energy"]},
                       headers=AUTH)
    assert bad.status_code == 422 and stored(runtime)["themes"] == ["T1"]


def test_webhook_only_subscription_is_valid_everywhere(client, runtime):
    hook = {"id": "hook-only", "webhook_url": "https://hooks.example.org/x?token=abc"}
    r = client.post("/api/subscriptions", json=hook, headers=AUTH)
    assert r.status_code == 201 and r.json()["email"] is None
    assert r.json()["name"] == "hooks.example.org"  # never the URL with its secret
    form = _edit_form(client, "hook-only")
    form["name"] = ["Hook"]
    saved = client.post("/subscriptions/save", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert runtime.store.get_subscription("hook-only").webhook_url == hook["webhook_url"]


# ---------------------------------------------------------------- web editor


class _FormReader(HTMLParser):
    """What a browser would submit for ``#sub-form``: text inputs, ticked boxes, selections."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.in_form = False
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "sub-form":
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.fields.setdefault(a["name"], []).append(a.get("value") or "on")
            elif kind not in ("submit", "button"):
                self.fields.setdefault(a["name"], []).append(a.get("value") or "")
        if tag == "select":
            self.select = a.get("name")
        if tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = [a.get("value") or ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        if tag == "select":
            self.select = None


def _edit_form(client, sub_id: str) -> dict[str, list[str]]:
    page = client.get(f"/subscriptions/{sub_id}/edit", headers=AUTH)
    assert page.status_code == 200
    reader = _FormReader()
    reader.feed(page.text)
    return {**reader.fields, "action": ["save"], "token": [TOKEN]}


def test_web_editor_shows_and_saves_every_field(client, runtime):
    client.post("/api/subscriptions", json=FULL, headers=AUTH)
    form = _edit_form(client, FULL["id"])
    # every field is on the page, a free-text eligibility group included
    assert form["geography"] == ["Lapland, Rovaniemi"] and form["reminders"] == ["21, 7, 1"]
    assert form["webhook_url"] == [FULL["webhook_url"]] and form["min_budget"] == ["250000.5"]
    assert "regional development agencies" in form["eligibility"]
    form["name"] = ["Changed in the editor"]
    r = client.post("/subscriptions/save", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert stored(runtime) == {**FULL, "name": "Changed in the editor"}
    # and each field can be changed through the form
    edits = {"geography": "Kemi, Tornio", "reminders": "30, 2", "webhook_url": "",
             "alert_lang": "en", "frequency": "immediate"}
    form = _edit_form(client, FULL["id"])
    form.update({k: [v] for k, v in edits.items()})
    form["active"] = ["on"]
    assert client.post("/subscriptions/save", data=form, follow_redirects=False).status_code == 303
    assert stored(runtime) == {**FULL, "name": "Changed in the editor", "geography": ["Kemi", "Tornio"],
                               "reminders": [30, 2], "webhook_url": None, "lang": "en",
                               "frequency": "immediate", "active": True}


# ---------------------------------------------------------------- CLI and YAML


@pytest.fixture
def cli_runtime(tmp_path):
    data = tmp_path / "data"
    rt = Runtime.open(from_env({}, data_dir=data))
    rt.store.save_subscription(Subscription.from_dict(FULL))
    rt.close()

    def read() -> dict:
        r = Runtime.open(from_env({}, data_dir=data))
        try:
            return r.store.get_subscription(FULL["id"]).to_dict()
        finally:
            r.close()

    return str(data), read


def test_cli_subscribe_id_changes_only_the_options_given(cli_runtime, capsys):
    data, read = cli_runtime
    assert main(["--data-dir", data, "subscribe", "--id", FULL["id"], "--name", "Via CLI"]) == 0
    assert read() == {**FULL, "name": "Via CLI"}
    flags = {"email": ["--email", "kehitys@rovaniemi.fi"], "lang": ["--lang", "fi"],
             "organisation": ["--organisation", "Rovaniemi"], "themes": ["--theme", "T1"],
             "keywords": ["--keywords", "kiertotalous"], "kinds": ["--kind", "news"],
             "programmes": ["--programme", "LIFE"], "eligibility": ["--eligibility", "smes"],
             "geography": ["--geography", "Kemi"], "min_budget": ["--min-budget", "1000"],
             "deadline_horizon_days": ["--deadline-horizon", "30"],
             "frequency": ["--frequency", "daily"],
             "webhook_url": ["--webhook", "https://other.example.org/hook"],
             "reminders": ["--reminders", "3"], "active": ["--resume"]}
    assert set(flags) == set(CHANGED) - {"name"}
    expected = {**FULL, "name": "Via CLI"}
    for field, argv in flags.items():
        assert main(["--data-dir", data, "subscribe", "--id", FULL["id"], *argv]) == 0, field
        expected[field] = CHANGED[field]
        assert read() == expected, field
    capsys.readouterr()
    assert main(["--data-dir", data, "subscribe", "--id", FULL["id"], "--clear", "geography",
                 "--reminders", "none", "--json"]) == 0
    assert read() == {**expected, "geography": [], "reminders": []}
    assert json.loads(capsys.readouterr().out) == read()


def test_yaml_load_changes_only_the_fields_written(store):
    store.save_subscription(Subscription.from_dict(FULL))
    report = sync(store, parse_entries(f"subscriptions:\n  - id: {FULL['id']}\n"
                                       "    name: From YAML\n"))
    assert report.updated == [FULL["id"]]
    assert store.get_subscription(FULL["id"]).to_dict() == {**FULL, "name": "From YAML"}
    # defaults count as written; an empty list clears a field
    text = (f"defaults:\n  lang: fi\nsubscriptions:\n  - id: {FULL['id']}\n"
            "    geography: []\n")
    sync(store, parse_entries(text))
    assert store.get_subscription(FULL["id"]).to_dict() == {
        **FULL, "name": "From YAML", "lang": "fi", "geography": []}
    # an entry that only names an id must refer to a stored subscription
    from euradar.alerts.subscription_file import SubscriptionFileError

    with pytest.raises(SubscriptionFileError, match="'nobody' is not stored yet"):
        sync(store, parse_entries("subscriptions:\n  - id: nobody\n    name: x\n"))
    assert store.get_subscription("nobody") is None
    # dump -> load is lossless and changes nothing
    before = store.get_subscription(FULL["id"]).to_dict()
    again = sync(store, parse_entries(dump(store.list_subscriptions())))
    assert again.unchanged == [FULL["id"]] and store.get_subscription(FULL["id"]).to_dict() == before


@pytest.fixture
def store():
    from euradar.infra.store.sqlite import SqliteStore

    s = SqliteStore("memory://")
    yield s
    s.close()
