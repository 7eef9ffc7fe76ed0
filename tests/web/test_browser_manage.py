"""The links in a real mail, followed in a real browser (Debian's Chromium, Playwright): the
personal manage link shows and edits only the recipient's own subscriptions, without an
account; the unsubscribe link pauses them after one click (and "undo" restores them); the
RFC 8058 one-click POST works without any browser; expired or forged links are refused. And on
a 390 px phone the first search result comes before the filters (screenshots in artifacts/)."""

from __future__ import annotations

import dataclasses
import re
import time

import httpx
import pytest

from euradar.alerts.reasons import explain
from euradar.alerts.render import render_alerts
from euradar.alerts.selection import Alert
from euradar.core.subscriptions import Subscription
from euradar.infra.notify.email import SmtpNotifier
from tests.support.smtp import SmtpServer, body_html, body_text
from tests.web.conftest import make_runtime, seed
from tests.web.items import web_items
from tests.web.test_browser import CHROMIUM, _page, _shot, browser  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium)"),
]
MINE = [Subscription.from_dict({"id": "kemi-energy", "name": "Kemin energia", "email": "eu@kemi.fi",
                                "lang": "fi", "themes": ["T3"], "geography": ["Lapland"],
                                "reminders": [21, 7, 1]}),
        Subscription.from_dict({"id": "kemi-news", "name": "Kemin uutiset", "email": "EU@kemi.fi",
                                "lang": "fi", "kinds": ["news"]})]
THEIRS = Subscription.from_dict({"id": "tornio", "name": "Tornion kehitys",
                                 "email": "kehitys@tornio.fi", "themes": ["T1"]})


@pytest.fixture
def site(backend_index, tmp_path):
    from euradar.web.server import start_background

    runtime = make_runtime(backend_index, tmp_path, port=0)
    seed(runtime.index, runtime.store)
    for sub in (*MINE, THEIRS):
        runtime.store.save_subscription(sub)
    handle = start_background(runtime)
    # Links in mails point at this server (its port is only known now).
    runtime.settings = dataclasses.replace(runtime.settings, public_url=handle.url)
    yield handle, runtime
    handle.stop()


@pytest.fixture
def mail(site):
    """A real alert mail to eu@kemi.fi, through a real SMTP server."""
    handle, runtime = site
    smtp = SmtpServer().start()
    try:
        item = web_items()[0]
        alerts = [Alert(sub, item, "new", explain(sub, item)) for sub in MINE]
        SmtpNotifier(smtp.url, "euradar <euradar@test.local>", timeout=10,
                     allow_plaintext=True).send(
            render_alerts("eu@kemi.fi", alerts, links=runtime.links))
        [message] = smtp.wait_for(1)
        message.wire = smtp.raw_messages[0]
    finally:
        smtp.stop()
    return message


def _link(message, pattern: str) -> str:
    found = re.search(pattern + r'[^"\s<>]*', body_html(message))
    assert found, pattern
    return found.group(0).replace("&amp;", "&")


def test_manage_link_edits_only_my_subscriptions(site, mail, browser):  # noqa: F811
    handle, runtime = site
    manage = _link(mail, re.escape(handle.url) + "/manage\\?k=")
    assert manage in body_text(mail) and manage.endswith("&lang=fi")
    problems: list[str] = []
    page = _page(browser, problems)

    page.goto(manage)
    assert page.get_by_role("heading", name="Tilauksesi").is_visible()
    names = page.locator("ul.subs h2").all_inner_texts()
    assert sorted(names) == ["Kemin energia", "Kemin uutiset"]  # not Tornio's
    assert "kehitys@tornio.fi" not in page.content()
    _shot(page, "manage-1-list")

    page.get_by_role("link", name="Kemin energia").click()
    page.wait_for_url(re.compile(r"/subscriptions/kemi-energy/edit"))
    page.get_by_label("Nimi").fill("Kemin energia ja vety")
    page.get_by_role("button", name="Tallenna").click()
    page.wait_for_url(re.compile(r"saved=1"))
    assert page.get_by_role("status").inner_text() == "Tilaus tallennettu."
    _shot(page, "manage-2-saved")
    saved = runtime.store.get_subscription("kemi-energy")
    assert saved.to_dict() == {**MINE[0].to_dict(), "name": "Kemin energia ja vety"}

    # someone else's subscription stays out of reach, whatever the address typed
    page.goto(handle.url + "/subscriptions/tornio/edit?lang=fi")
    assert "Tornion kehitys" not in page.content()
    response = page.request.get(handle.url + "/api/subscriptions/tornio")
    assert response.status == 404
    assert runtime.store.get_subscription("tornio").to_dict() == THEIRS.to_dict()
    assert [p for p in problems if "status of 404" not in p] == []


def test_unsubscribe_link_pauses_after_one_click_and_undo_restores(site, mail, browser):  # noqa: F811
    handle, runtime = site
    link = _link(mail, re.escape(handle.url) + "/unsubscribe\\?k=")
    assert mail["List-Unsubscribe"] == f"<{link}>"
    assert f"List-Unsubscribe: <{link}>".encode() in mail.wire  # one line, not encoded words
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    problems: list[str] = []
    page = _page(browser, problems)

    page.goto(link)  # opening the link (as a mail scanner would) changes nothing
    assert all(runtime.store.get_subscription(s.id).active for s in MINE)
    assert "Lopetetaanko nämä hälytykset osoitteeseen eu@kemi.fi?" in page.content()
    _shot(page, "unsubscribe-1-confirm")
    page.get_by_role("button", name="Peru tilaus").click()
    assert "Valmis: eu@kemi.fi ei enää saa näitä hälytyksiä." in page.get_by_role("status").inner_text()
    assert not any(runtime.store.get_subscription(s.id).active for s in MINE)
    assert runtime.store.get_subscription("tornio").active
    _shot(page, "unsubscribe-2-done")
    page.get_by_role("button", name="Kumoa: tilaa uudelleen").click()
    assert all(runtime.store.get_subscription(s.id).active for s in MINE)
    assert problems == []

    # RFC 8058: the mail provider POSTs from its own server, no cookie, no page
    r = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200
    assert not any(runtime.store.get_subscription(s.id).active for s in MINE)
    assert runtime.store.get_subscription("kemi-energy").reminders == [21, 7, 1]  # kept, paused


def test_expired_and_forged_links_are_refused(site, browser):  # noqa: F811
    handle, runtime = site
    problems: list[str] = []
    page = _page(browser, problems)
    old = runtime.links.manage_url("eu@kemi.fi", now=time.time() - 61 * 86400, lang="fi")
    page.goto(old)
    assert "Linkki on vanhentunut" in page.content() and "Kemin energia" not in page.content()
    forged = runtime.links.manage_url("eu@kemi.fi").replace("k=ey", "k=ez")
    page.goto(forged)
    assert "not valid" in page.content() and "Kemin energia" not in page.content()
    r = httpx.post(runtime.links.unsubscribe_url("eu@kemi.fi", ["tornio"]),
                   data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200 and runtime.store.get_subscription("tornio").active  # not mine


def test_phone_shows_results_before_filters(site, browser):  # noqa: F811
    handle, _ = site
    problems: list[str] = []
    for lang in ("en", "fi"):
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(handle.url + "/?sort=deadline" + ("&lang=fi" if lang == "fi" else ""))
        first = page.locator("li.hit").first.bounding_box()
        filters = page.locator("aside.facets").bounding_box()
        assert first["y"] < filters["y"], (first, filters)
        assert first["y"] + 40 < 844, f"the first result starts {first['y']:.0f} px down"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
        page.screenshot(path=str(_artifact(f"web-phone-390-{lang}.png")))
        page.get_by_role("link", name=re.compile("^(Filters|Rajaukset)")).click()
        assert page.locator("#filters-h").is_visible()
        page.close()
    assert problems == []


def _artifact(name: str):
    from tests.web.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
