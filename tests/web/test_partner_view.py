"""Who sees what in the register (SPEC §9, §8): a user of a partner agency's Slack team signs in
and sees only the records that concern its department; the reports, which count every
department, are for the home team; a team the network does not know cannot sign in."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from bot.context import ManualClock
from storage.db import Database
from tests.support.fakeslack import FakeSlack
from tests.web.conftest import Site, serving

PU_TEAM = "T0PUPOLITI"


@pytest.fixture
def partner_site(
    db: Database, clock: ManualClock, slack: FakeSlack, tmp_path: Path
) -> Iterator[Site]:
    text = (resources.files("bot") / "default_config.toml").read_text(encoding="utf-8")
    config = tmp_path / "connect.toml"
    config.write_text(text.replace('# slack_team = "T0123ABCD"', f'slack_team = "{PU_TEAM}"'))
    with serving(db, clock, slack, RETURBOT_CONFIG=str(config)) as running:
        yield running


def seed(site: Site) -> None:
    site.command("/decision", "Felles rutine for PU dept:PU", user="UCOORD")  # D-1
    site.command("/decision", "Intern rutine for RMA dept:RMA", user="UCOORD")  # D-2
    site.command("/issue", "Mangler reisedokumenter dept:PU,RMA", user="UCOORD")  # I-1
    site.command("/issue", "Intern sak for OPA dept:OPA", user="UCOORD")  # I-2
    site.command("/meeting", "schedule network 15.12.2026 10:00", user="UCOORD")  # M-1: PU in it
    site.command("/meeting", "schedule quarterly 16.12.2026 10:00", user="UCOORD")  # M-2: no PU


def test_a_partner_sees_only_what_concerns_its_department(partner_site: Site) -> None:
    seed(partner_site)
    pu = partner_site.signed_in("UPUKARI", name="Kari i PU", team=PU_TEAM)
    listed = pu.get("/decisions").text
    assert 'href="/reports"' not in listed  # the reports are not offered
    assert "Felles rutine for PU" in listed and "Intern rutine for RMA" not in listed
    assert pu.get("/decisions/D-1").status == 200
    assert pu.get("/decisions/D-2").status == 404  # as if it were not there
    board = pu.get("/issues").text
    assert "Mangler reisedokumenter" in board and "Intern sak for OPA" not in board
    assert pu.get("/issues/I-2").status == 404
    meetings = pu.get("/meetings").text
    assert "M-1" in meetings and "M-2" not in meetings
    assert pu.get("/meetings/M-2").status == 404
    found = pu.get("/search?q=rutine").text
    assert "Felles rutine for PU" in found and "Intern rutine for RMA" not in found
    reports = pu.get("/reports")
    assert reports.status == 403 and "direktoratets egne brukere" in reports.text
    assert pu.get("/reports/open.svg").status == 403


def test_the_home_team_sees_the_whole_register(partner_site: Site) -> None:
    seed(partner_site)
    home = partner_site.signed_in("UKARI")
    assert "Intern rutine for RMA" in home.get("/decisions").text
    assert home.get("/issues/I-2").status == 200
    assert home.get("/reports").status == 200


def test_a_team_the_network_does_not_know_cannot_sign_in(partner_site: Site) -> None:
    browser = partner_site.browser()
    partner_site.slack.sign_in_as("UOTHER", team="T0UNKNOWN")
    page = browser.get("/auth/login")
    assert page.status == 403 and "partneretatene" in page.text
    assert browser.get("/decisions").status == 403  # no session: signing in again, refused
