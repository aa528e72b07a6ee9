"""The register in a real browser (SPEC §9): Debian's headless Chromium, driven by Selenium,
signs in through the fake Slack's OpenID provider, opens each page, filters, follows a search
hit, acknowledges through a one-click link and reads what a person sees; screenshots of the
board and the reports go to tests/artifacts/. Deque's axe-core, run in that browser on every
page, finds no serious or critical accessibility violation.

Without Chromium (/usr/bin/chromium and /usr/bin/chromedriver: ``apt-get install chromium
chromium-driver``, as .ci/run does) these tests are skipped; without axe-core
(``npm ci --prefix tests/support/axe``) the accessibility test is.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import acklinks, issues, meetings
from bot.meetings import MeetingInput
from storage.db import Database
from tests.conftest import COORDINATOR, NOW
from tests.support import slackreq
from tests.web.conftest import Site
from tests.web.test_pages import _ack, _issue, _log

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / "tests/support/axe/node_modules/axe-core/axe.min.js"
ARTIFACTS = ROOT / "tests/artifacts"
SERIOUS = ("serious", "critical")

if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip(
        "no Chromium: install Debian's chromium and chromium-driver (/usr/bin/chromium, "
        "/usr/bin/chromedriver) to run the browser tests",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.print_page_options import PrintOptions  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture
def db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only: the pages' queries are tested on both backends over HTTP already."""
    path = tmp_path / "returbot.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def chrome() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1024",
        "--lang=nb-NO",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chrome: WebDriver) -> WebDriver:
    chrome.delete_all_cookies()
    return chrome


def _seed(site: Site) -> dict[str, str]:
    """A small register: decisions for two departments, issues (one overdue), a meeting with
    the issue on its agenda, and a one-click link for PU."""
    _log(site, "Rutine for tolk ved uttransport", departments=["RMA"], tags=["tolk"])
    _log(site, "Felles rutine for fly", departments=["PU", "RMA"])
    first = _issue(site, "Mangler tolk til Kabul", ["RMA", "PU"], due=date(2026, 11, 26))
    _issue(site, "Kapasitet i mottak", ["RMA"], priority="high")
    _ack(site, first, "RMA")
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        org, now = site.rt.org, site.clock.now()
        meeting = meetings.schedule(
            session, org=org, actor=actor,
            data=MeetingInput(series="quarterly", start=NOW + timedelta(days=8), place="Møterom 2"),
            now=now,
        ).meeting  # fmt: skip
        meetings.add_agenda(
            session, org=org, actor=actor, number=meeting.number, text="Tolkebehov",
            issue=first, now=now,
        )  # fmt: skip
        token = acklinks.make(
            session, issue=issues.get(session, first), department="PU",
            address="vakt@pu.no", now=now,
        )  # fmt: skip
        meeting_ref = meeting.ref
    site.clock.advance(days=4)  # I-1's due date and PU's acknowledgement are now overdue
    return {"token": token, "meeting": meeting_ref}


def _sign_in(site: Site, driver: WebDriver, path: str) -> None:
    """Open ``path`` signed out: to Slack (the fake) and back, signed in, on ``path``."""
    site.slack.sign_in_as("UKARI", name="Kari Nordmann")
    driver.get(site.url + path)
    assert driver.current_url.startswith(site.url + path), driver.current_url
    assert "Logget inn som Kari Nordmann" in _text(driver) or "Kari Nordmann" in _text(driver)


def _follow(driver: WebDriver, action: Callable[[], object]) -> None:
    """A click (or submit) that loads a page: done once the new page has loaded."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    wait = WebDriverWait(driver, 20)
    wait.until(staleness_of(old))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def _h1(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def _shot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 800), 6000))
    driver.save_screenshot(str(ARTIFACTS / name))
    driver.set_window_size(1280, 1024)


def test_a_reader_signs_in_and_reads_the_register(site: Site, browser: WebDriver) -> None:
    seeded = _seed(site)
    _sign_in(site, browser, "/issues")
    assert _h1(browser) == "Åpne saker"
    matrix = browser.find_element(By.CSS_SELECTOR, "table.matrix")
    first_row = matrix.find_elements(By.CSS_SELECTOR, "tbody tr")[0].text
    assert "I-1 Mangler tolk til Kabul" in first_row and "forfalt" in first_row
    assert "ikke kvittert, forfalt" in first_row  # PU has not acknowledged in time
    assert "kvittert av UCOORD" in first_row
    _shot(browser, "board.png")

    # the decisions, filtered by a department through the form
    _follow(browser, browser.find_element(By.LINK_TEXT, "Beslutninger").click)
    assert _h1(browser) == "Beslutninger"
    Select(browser.find_element(By.ID, "department")).select_by_value("PU")
    show = browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]")
    _follow(browser, show.click)
    assert "department=PU" in browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody th[scope=row]")
    assert [r.text for r in rows] == ["D-2"]
    _follow(browser, rows[0].find_element(By.TAG_NAME, "a").click)
    assert "Felles rutine for fly" in _h1(browser)

    # the one search: a hit's link leads to its record
    _follow(browser, browser.find_element(By.LINK_TEXT, "Søk").click)
    field = browser.find_element(By.ID, "q")
    field.send_keys("tolk")
    _follow(browser, field.submit)
    hits = browser.find_elements(By.CSS_SELECTOR, ".hits h2 a")
    assert {h.text for h in hits} >= {
        "I-1 Mangler tolk til Kabul",
        "D-1 Rutine for tolk ved uttransport",
    }
    _follow(browser, next(h for h in hits if h.text.startswith("I-1")).click)
    assert browser.current_url == site.url + "/issues/I-1"
    assert "Mangler tolk til Kabul" in _h1(browser)
    assert "Kvitteringer" in _text(browser)

    # the Open in browser button on the issue's card in Slack leads to the same page
    body = slackreq.slash_body("/issue", "show I-1", user_id="UCOORD")
    _, _, answer = slackreq.post(site.url + "/slack/events", body)
    link = next(
        e["url"]
        for b in json.loads(answer)["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "open_in_browser"
    )
    browser.get(link)
    assert browser.current_url == site.url + "/issues/I-1"
    assert "Mangler tolk til Kabul" in _h1(browser)

    # the meetings and the one on the agenda
    _follow(browser, browser.find_element(By.LINK_TEXT, "Møter").click)
    _follow(browser, browser.find_element(By.LINK_TEXT, seeded["meeting"]).click)
    assert "Tolkebehov" in _text(browser) and "Møterom 2" in _text(browser)

    # the reports: four charts that the browser draws, each with its table
    _follow(browser, browser.find_element(By.LINK_TEXT, "Rapporter").click)
    assert _h1(browser) == "Rapporter"
    images = browser.find_elements(By.CSS_SELECTOR, "figure.chart img")
    assert len(images) == 4
    for image in images:
        drawn = browser.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", image
        )
        assert drawn and int(drawn) > 100, image.get_attribute("src")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.numbers")) == 4
    _shot(browser, "reports.png")
    # printed for the leaders' meeting: A4, without the navigation
    printing = PrintOptions()
    printing.page_width, printing.page_height = 21.0, 29.7  # A4, in centimetres
    pdf = base64.b64decode(browser.print_page(printing))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 1
    (ARTIFACTS / "reports.pdf").write_bytes(pdf)

    # signing out ends it: the register asks to sign in again
    _follow(browser, browser.find_element(By.CSS_SELECTOR, "form.signout button").click)
    assert "Du er logget ut av registeret til returbot." in _text(browser)
    site.slack.sign_in_as("UOTHER", name="Ola")
    browser.get(site.url + "/decisions")
    assert "Logget inn som Ola" in _text(browser)


def test_an_email_reader_acknowledges_through_the_link(site: Site, browser: WebDriver) -> None:
    seeded = _seed(site)
    browser.get(f"{site.url}/ack/{seeded['token']}")  # nobody is signed in
    assert "Kvittering for I-1 fra PU" in _h1(browser)
    text = _text(browser)
    assert "Mangler tolk til Kabul" in text and "ikke ennå" in text
    referrer = browser.execute_script(
        "return document.querySelector('meta[name=referrer]').content"
    )
    assert referrer == "no-referrer"
    buttons = browser.find_elements(By.TAG_NAME, "button")
    assert [b.text for b in buttons] == ["Kvitter for PU"]
    _follow(browser, buttons[0].click)
    assert "Takk! PU har nå kvittert for I-1" in _text(browser)
    assert browser.find_elements(By.TAG_NAME, "button") == []
    _follow(browser, browser.refresh)  # the browser sends the form again: the link is used up
    assert "Denne lenken er allerede brukt" in _text(browser)
    with site.db.session() as session:
        row = next(d for d in issues.get(session, 1).departments if d.department == "PU")
        assert row.acked_address == "vakt@pu.no"


def _violations(driver: WebDriver) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))
          .catch(e => done([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}]));
        """
    )
    return list(found)


def test_every_page_has_no_serious_accessibility_violation(site: Site, browser: WebDriver) -> None:
    if not AXE.exists():
        pytest.skip("no axe-core: run `npm ci --prefix tests/support/axe`")
    # axe finds what it should: an image without a text alternative is a critical violation
    browser.get("data:text/html,<!doctype html><html lang=nb><title>x</title><img src=x.png>")
    assert "image-alt" in {v["id"] for v in _violations(browser) if v["impact"] in SERIOUS}
    seeded = _seed(site)
    # signed out: the one-click link (before and after), an unknown link
    pages = [f"/ack/{seeded['token']}", "/ack/" + "x" * 43]
    found: dict[str, list[dict[str, Any]]] = {}
    for path in pages:
        browser.get(site.url + path)
        found[path] = _violations(browser)
    browser.get(f"{site.url}/ack/{seeded['token']}")
    _follow(browser, browser.find_element(By.TAG_NAME, "button").click)
    found["/ack/… (acknowledged)"] = _violations(browser)
    _sign_in(site, browser, "/decisions")
    for path in (
        "/decisions", "/decisions?department=RMA&tag=tolk", "/decisions/D-2", "/issues",
        "/issues/I-1", "/meetings", "/meetings?when=past", f"/meetings/{seeded['meeting']}",
        "/reports", "/search", "/search?q=tolk", "/search?q=finnesikke", "/issues/I-99",
    ):  # fmt: skip
        browser.get(site.url + path)
        found[path] = _violations(browser)
    _follow(browser, browser.find_element(By.CSS_SELECTOR, "form.signout button").click)
    found["/auth/logout"] = _violations(browser)
    ARTIFACTS.mkdir(exist_ok=True)  # every finding, the minor ones too, for a person to read
    (ARTIFACTS / "axe.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    serious = {
        path: [v for v in violations if v["impact"] in SERIOUS]
        for path, violations in found.items()
    }
    assert {path: v for path, v in serious.items() if v} == {}
