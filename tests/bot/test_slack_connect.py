"""Slack Connect (SPEC §8) in the core: ``slack_team`` in the config, membership by team.

Membership is asked through the Slack side's real cache (``handlers.home.Membership``) against
the fake Slack, as the permission rules ask it in the running bot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot import orgconfig
from bot.errors import UserError
from bot.orgconfig import ConfigError
from bot.permissions import Belonging
from handlers.home import Membership
from tests.support.fakeslack import FakeSlack

CONFIG = """
[organization]
name = "Test"
[[departments]]
code = "RMA"
[[departments]]
code = "PU"
kind = "external"
slack_team = "T0PUPOLITI"
[[departments]]
code = "UNE"
kind = "external"
"""


def load(tmp_path: Path, text: str = CONFIG) -> orgconfig.OrgConfig:
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return orgconfig.load(str(path))


def test_a_departments_slack_team_is_read(tmp_path: Path) -> None:
    org = load(tmp_path)
    assert org.slack_teams == {"PU": "T0PUPOLITI"}
    found = org.department_of_team("T0PUPOLITI")
    assert found is not None and found.code == "PU"
    assert org.department_of_team("T0OTHER") is None and org.department_of_team(None) is None
    une = org.department("UNE")
    assert une is not None and une.slack_team == ""


def test_the_bundled_default_names_no_team() -> None:
    assert orgconfig.load().slack_teams == {}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('slack_team = "T0PUPOLITI"', 'slack_team = "t0pu"'), "is not a Slack team ID"),
        (('slack_team = "T0PUPOLITI"', 'slack_team = "U0PUPOLITI"'), "is not a Slack team ID"),
        (('slack_team = "T0PUPOLITI"', 'slack_team = "E0ENTERPRISE"'), "is not a Slack team ID"),
        (('slack_team = "T0PUPOLITI"', "slack_team = 7"), "must be str"),
        (
            (
                'code = "UNE"\nkind = "external"',
                'code = "UNE"\nkind = "external"\nslack_team = "T0PUPOLITI"',
            ),
            "already the Slack team of PU",
        ),
        (('code = "RMA"', 'code = "RMA"\nslack_team = "T0RMA"'), 'only for kind = "external"'),
    ],
)
def test_a_bad_slack_team_stops_start_up_with_one_line(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, CONFIG.replace(*change))
    message = str(caught.value)
    assert "slack_team" in message and words in message and "\n" not in message


@pytest.fixture
def membership() -> Iterator[tuple[FakeSlack, Membership]]:
    with FakeSlack() as fake:
        yield fake, Membership(WebClient(token="xoxb-test", base_url=fake.url))


TEAMS = {"PU": "T0PUPOLITI"}
CHANNELS = {"RMA": "CRMA", "PU": "CPU"}


def belonging(members: Membership, user: str, team: str | None) -> Belonging:
    return Belonging(user, lambda: CHANNELS, members).in_team(team, TEAMS)


def test_a_user_of_a_departments_team_belongs_to_it_beside_its_channels_members(
    membership: tuple[FakeSlack, Membership],
) -> None:
    fake, members = membership
    fake.set_members("CPU", ["UHOME"])
    fake.set_members("CRMA", ["UPU"])
    pu_user = belonging(members, "UPU", "T0PUPOLITI")
    assert pu_user.departments(["RMA", "PU"]) == ["RMA", "PU"]  # RMA: by its channel
    assert not pu_user.stranger
    home = belonging(members, "UHOME", "T000FAKE")
    assert home.departments(["RMA", "PU"]) == ["PU"]
    assert not belonging(members, "UNOBODY", "T000FAKE").belongs_to("PU")


def test_a_user_of_an_unknown_team_belongs_to_nothing_whatever_channel_they_are_in(
    membership: tuple[FakeSlack, Membership],
) -> None:
    fake, members = membership
    fake.set_members("CPU", ["USTRANGER"])
    fake.set_members("CRMA", ["USTRANGER"])
    stranger = belonging(members, "USTRANGER", "T0UKJENT")
    assert stranger.stranger
    assert stranger.departments(["RMA", "PU"]) == []
    # a request that does not say the team: channel membership alone, as before
    assert belonging(members, "USTRANGER", None).departments(["RMA", "PU"]) == ["RMA", "PU"]
    assert len(fake.calls_to("auth.test")) == 1  # the home team is asked once


def test_the_refusal_names_the_department_and_the_unknown_organisation(
    membership: tuple[FakeSlack, Membership],
) -> None:
    from bot.context import Actor
    from bot.permissions import require_department_member

    _, members = membership
    actor = Actor("USTRANGER", "nb", belonging=Belonging("USTRANGER", lambda: CHANNELS, members))
    actor = actor.in_team("T0UKJENT", TEAMS)
    assert actor.team == "T0UKJENT"
    with pytest.raises(UserError) as caught:
        require_department_member(actor, "PU", key="issue.ack_not_allowed", ref="I-1")
    assert caught.value.key == "connect.unknown_team"
    assert caught.value.params == {"code": "PU", "team": "T0UKJENT"}


def test_when_slack_cannot_name_the_home_team_nobody_is_a_stranger(tmp_path: Path) -> None:
    # a Slack that does not answer: membership by channel and team still works, nobody is
    # turned away as a stranger for it (and asked again next time)
    members = Membership(WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/"))
    assert members.home_team() is None
    assert not belonging(members, "USTRANGER", "T0UKJENT").stranger
    assert belonging(members, "UPU", "T0PUPOLITI").belongs_to("PU")
