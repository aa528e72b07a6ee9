"""Who reads what in the web register (SPEC §9): the home team everything, a partner agency's
team its departments' records, anyone else nothing."""

from __future__ import annotations

from bot.permissions import viewer_for

TEAMS = {"PU": "T0PU", "UNE": "T0UNE"}


def test_the_home_team_sees_everything_and_a_partner_its_own_departments() -> None:
    home = viewer_for(user_id="U1", team="THOME", home_team="THOME", teams=TEAMS)
    assert home is not None and home.departments is None and home.sees(["RMA"])
    pu = viewer_for(user_id="U2", team="T0PU", home_team="THOME", teams=TEAMS)
    assert pu is not None and pu.departments == frozenset({"PU"})
    assert pu.sees(["RMA", "PU"]) and not pu.sees(["RMA", "UNE"]) and not pu.sees([])


def test_a_team_the_network_does_not_know_may_not_sign_in() -> None:
    assert viewer_for(user_id="U3", team="TOTHER", home_team="THOME", teams=TEAMS) is None
    assert viewer_for(user_id="U3", team="", home_team="THOME", teams=TEAMS) is None
