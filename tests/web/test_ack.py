"""One-click acknowledgement over real HTTP (SPEC §9): the link's page shows the issue and one
button, the button acknowledges for the link's department once; unknown, used and expired
links are a sentence; no sign-in needed; the token reaches no log line and no referrer."""

from __future__ import annotations

import logging
import re

import pytest

from bot import acklinks, issues
from bot.issues import IssueInput
from storage.models import IssueDepartment
from tests.conftest import COORDINATOR
from tests.web.conftest import Site


def _issue(site: Site) -> int:
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        data = IssueInput(
            title="Mangler tolk til <b>mandag</b>",
            departments=["RMA", "PU"],
            description="Tolken har meldt avbud.",
        )
        return issues.register(
            session, org=site.rt.org, actor=actor, data=data, now=site.clock.now()
        ).number


def _link(site: Site, number: int, code: str = "PU") -> str:
    with site.db.session() as session:
        issue = issues.get(session, number)
        return acklinks.make(
            session, issue=issue, department=code, address="vakt@pu.no", now=site.clock.now()
        )


def _acked(site: Site, number: int) -> dict[str, str | None]:
    with site.db.session() as session:
        issue = issues.get(session, number)
        rows: list[IssueDepartment] = list(issue.departments)
        return {row.department: row.acked_address for row in rows}


def test_the_link_shows_the_issue_and_one_button_that_acknowledges_once(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    number = _issue(site)
    token = _link(site, number)
    browser = site.browser()  # nobody signed in
    page = browser.get(f"/ack/{token}")
    assert page.status == 200, page.text[:300]
    assert "I-1" in page.text and "Mangler tolk til <b>mandag</b>" in page.text
    assert "<b>mandag" not in page.body  # the title is text, not markup
    assert "Tolken har meldt avbud." in page.text
    assert "Kvittering for avdeling PU" in page.text and "ikke ennå" in page.text
    assert '<meta name="referrer" content="no-referrer">' in page.body
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.body.count("<button") == 1 + page.body.count("auth.sign_out")
    assert "Kvitter for PU" in page.text

    done = browser.post(f"/ack/{token}", {"csrf_token": page.csrf()})
    assert done.status == 200, done.text[:300]
    assert "Takk! PU har nå kvittert for I-1" in done.text
    assert "Kvitter for PU" not in done.text  # no second button
    assert _acked(site, number) == {"RMA": None, "PU": "vakt@pu.no"}

    again = browser.post(f"/ack/{token}", {"csrf_token": page.csrf()})
    assert again.status == 410
    assert "Denne lenken er allerede brukt: PU har kvittert for I-1." in again.text
    assert browser.get(f"/ack/{token}").status == 410

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and token[:16] not in logged


def test_an_unknown_link_is_a_sentence_and_404(site: Site) -> None:
    page = site.browser().get("/ack/" + "x" * 43)
    assert page.status == 404
    assert "Denne kvitteringslenken finnes ikke." in page.text
    assert "Traceback" not in page.body
    assert site.browser().get("/ack/" + "y" * 500).status == 404


def test_an_expired_link_is_a_sentence_and_410_and_acknowledges_nothing(site: Site) -> None:
    number = _issue(site)
    token = _link(site, number)
    page = site.browser().get(f"/ack/{token}")
    csrf = page.csrf()
    site.clock.advance(days=14, seconds=1)
    browser = site.browser()
    assert browser.get(f"/ack/{token}").status == 410
    answer = browser.post(f"/ack/{token}", {"csrf_token": csrf})
    assert answer.status == 410
    assert "Denne lenken er utløpt (lenker gjelder i 14 dager)." in answer.text
    assert _acked(site, number) == {"RMA": None, "PU": None}


def test_a_post_without_the_links_form_token_acknowledges_nothing(site: Site) -> None:
    number = _issue(site)
    token = _link(site, number)
    other = _link(site, number, "RMA")
    browser = site.browser()
    for given in ("", "0" * 64, browser.get(f"/ack/{other}").csrf()):
        answer = browser.post(f"/ack/{token}", {"csrf_token": given})
        assert answer.status == 400
        assert "Skjemaet er utløpt" in answer.text
    assert _acked(site, number) == {"RMA": None, "PU": None}
    assert browser.get(f"/ack/{token}").status == 200  # the link is still good


def test_a_department_that_acknowledged_in_slack_sees_it_and_no_button(site: Site) -> None:
    number = _issue(site)
    token = _link(site, number)
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        issues.acknowledge(
            session, org=site.rt.org, actor=actor, number=number, code="PU", now=site.clock.now()
        )
    page = site.browser().get(f"/ack/{token}")
    assert page.status == 200
    assert "PU har allerede kvittert for I-1." in page.text
    assert re.search(r"ja, av UCOORD", page.text)
    assert "<button" not in page.body


def test_a_signed_in_reader_gets_the_organisations_language_on_the_link(site: Site) -> None:
    number = _issue(site)
    token = _link(site, number)
    browser = site.signed_in()
    site.command("/returbot", "language en")
    assert "Decisions" in browser.get("/decisions").text
    page = browser.get(f"/ack/{token}")
    assert "Kvitter for PU" in page.text
