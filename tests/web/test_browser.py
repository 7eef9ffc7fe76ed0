"""The web UI in a real browser (Debian's Chromium driven by Playwright) against a real uvicorn
server on 127.0.0.1 and a random port. Screenshots are kept under ``artifacts/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.conftest import TOKEN, make_runtime, seed

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium)"),
]


@pytest.fixture
def server(backend_index, tmp_path):
    from euradar.web.server import start_background

    runtime = make_runtime(backend_index, tmp_path, port=0)
    seed(runtime.index, runtime.store)
    handle = start_background(runtime)
    assert handle.host == "127.0.0.1"
    yield handle, runtime
    handle.stop()


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--disable-background-networking", "--no-sandbox"])
        yield b
        b.close()


def _page(browser, problems: list[str], **options):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, **options)
    # A CSP violation or a script error shows up as a console error: the test fails on any.
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def test_search_filter_open_item_and_save_subscription(server, browser):
    from playwright.sync_api import expect

    handle, runtime = server
    problems: list[str] = []
    page = _page(browser, problems)

    page.goto(handle.url + "/")
    page.get_by_role("searchbox").fill("hydrogen")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=hydrogen"))
    titles = page.locator("li.hit h3").all_inner_texts()
    assert len(titles) == 2 and page.locator("li.hit mark").count() >= 2
    # The hostile item's markup is shown as text, never run (a script error would be reported).
    assert any("<script>alert(1)</script>" in t for t in titles)
    _shot(page, "1-search")

    # Facet: tick type "Call"; the page reloads with the filter applied (JS auto-submit).
    page.get_by_label(re.compile(r"^Call")).check()
    page.wait_for_url(re.compile(r"kind=call"))
    assert page.locator("li.hit h3").all_inner_texts() == [
        "Higher Voltage, Megawatt Charging System compatible, modular powertrain for Heavy Duty "
        "Vehicles (HDV)"]
    assert page.get_by_label(re.compile(r"^Call")).is_checked()
    assert "deadline_from=" not in page.url  # empty fields are left out of the address
    _shot(page, "2-filtered")

    # All items, deadline order: the countdown and the theme evidence are shown.
    page.goto(handle.url + "/?sort=deadline")
    first = page.locator("li.hit").first
    assert "2 days left" in first.inner_text()
    assert page.locator("ul.evidence").first.is_visible()
    _shot(page, "3-by-deadline")

    page.get_by_role("link", name=re.compile("^Circular solutions")).click()
    page.wait_for_url(re.compile(r"/items/ft:HORIZON-CL6-2026-01-CIRCBIO-07"))
    assert page.get_by_role("heading", name="Version history").is_visible()
    assert "deadline 15.01.2026 \u2192" in page.locator("ul.history").inner_text()
    assert "EU Funding & Tenders Portal: grants" in page.locator("#prov-h + dl").inner_text()
    _shot(page, "4-item")

    # Subscriber data is private: the editor asks an operator for the API token first.
    page.goto(handle.url + "/subscriptions/new")
    assert page.get_by_role("heading", name="Subscriber data is private").is_visible()
    page.get_by_label("API token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/subscriptions$"))
    page.goto(handle.url + "/subscriptions/new")
    page.get_by_label("Email").fill("eu-hankkeet@rovaniemi.fi")
    page.get_by_label("Name").fill("Rovaniemi winter testing")
    page.get_by_role("checkbox", name=re.compile(r"^T4 ")).check()
    # The live preview (fetch to /api/subscriptions/preview) lists what T4 matched lately.
    expect(page.locator("#preview .preview-list > li")).to_have_count(2)
    expect(page.locator("#preview .preview-list .reasons").first).to_contain_text("T4 ")
    expect(page.locator("#preview h2")).to_contain_text("Would have matched 2 items")
    _shot(page, "5-subscription-preview")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/subscriptions/[0-9a-f]+/edit\?saved=1"))
    assert page.get_by_role("status").inner_text() == "Subscription saved."
    _shot(page, "6-subscription-saved")
    [saved] = runtime.store.list_subscriptions()
    assert saved.themes == ["T4"] and saved.email == "eu-hankkeet@rovaniemi.fi"

    assert [p for p in problems if "status of 401" not in p] == []  # the sign-in page is a 401


def test_search_and_preview_work_without_javascript_and_in_finnish(server, browser):
    handle, runtime = server
    problems: list[str] = []
    page = _page(browser, problems, java_script_enabled=False)

    page.goto(handle.url + "/?lang=fi")
    page.get_by_role("searchbox").fill("vety")  # Finnish word; no Finnish item says it
    page.get_by_role("button", name="Hae", exact=True).click()
    page.wait_for_url(re.compile(r"q=vety"))
    page.get_by_role("searchbox").fill("hydrogen")
    page.get_by_role("button", name="Hae", exact=True).click()
    page.wait_for_url(re.compile(r"q=hydrogen"))
    assert page.locator("li.hit").count() == 2
    page.get_by_label(re.compile(r"^Rahoitushaku")).check()
    page.get_by_role("button", name="Käytä rajauksia").click()
    page.wait_for_url(re.compile(r"kind=call"))
    assert "päivää jäljellä" in page.locator("li.hit").first.inner_text()
    _shot(page, "7-nojs-finnish")

    # Without the token the editor is not even shown; a wrong token is refused with the reason.
    page.goto(handle.url + "/subscriptions/new?lang=fi")
    assert page.get_by_role("heading", name="Tilaajien tiedot ovat yksityisiä").is_visible()
    page.get_by_label("API-avain").fill("wrong")
    page.get_by_role("button", name="Kirjaudu").click()
    assert "API-avain on väärä" in page.get_by_role("alert").inner_text()
    page.get_by_label("API-avain").fill(TOKEN)
    page.get_by_role("button", name="Kirjaudu").click()
    page.goto(handle.url + "/subscriptions/new?lang=fi")
    page.get_by_label("Sähköposti").fill("kehitys@sodankyla.fi")
    page.get_by_role("checkbox", name=re.compile(r"^T1 ")).check()
    page.get_by_role("button", name="Esikatsele").click()
    assert "Olisi osunut 1 kohteeseen" in page.locator("#preview h2").inner_text()
    assert runtime.store.list_subscriptions() == []  # a preview saves nothing
    _shot(page, "8-nojs-preview")
    page.get_by_role("button", name="Tallenna").click()
    assert page.get_by_role("status").inner_text() == "Tilaus tallennettu."
    [saved] = runtime.store.list_subscriptions()
    assert saved.themes == ["T1"] and saved.email == "kehitys@sodankyla.fi"
    assert [p for p in problems if "status of 401" not in p] == []  # the refused login is a 401
