"""A DM Slack refuses for a user of another organisation (Slack Connect, SPEC §8): the transport
says so, with the person's team as Slack names it, so the outbox can take the message to
their department's channel. The whole path is in tests/e2e/test_slack_connect.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from slack_sdk import WebClient

from bot.outbox import POST, Outgoing
from handlers.slack_transport import SlackTransport
from tests.support.fakeslack import FakeSlack

NO_FILES: Callable[[str], None] = lambda file_id: None  # noqa: E731


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def transport(slack: FakeSlack) -> SlackTransport:
    return SlackTransport(WebClient(token="xoxb-test", base_url=slack.url, timeout=1))


def dm(user: str) -> Outgoing:
    return Outgoing(
        id=9, kind="meeting_status_request", method=POST, target=user, to_user=True,
        text="Status?", blocks=None, marker={"outbox_id": 9, "queued_at": "2026-12-01T09:00"},
    )  # fmt: skip


@pytest.mark.parametrize(
    "code", ["cannot_dm_bot", "not_allowed", "user_not_visible", "messages_tab_disabled"]
)
def test_a_refused_dm_names_the_persons_team(
    slack: FakeSlack, transport: SlackTransport, code: str
) -> None:
    slack.set_team("T0PUPOLITI", ["UPU"])
    slack.refuse_dm("UPU", code)
    outcome = transport.send(dm("UPU"), NO_FILES)
    assert (outcome.result, outcome.error, outcome.fault) == ("refused", code, "dm_refused")
    assert outcome.team == "T0PUPOLITI"
    assert [c.params["user"] for c in slack.calls_to("users.info")] == ["UPU"]


def test_without_a_team_from_slack_the_refusal_still_says_what_it_is(
    slack: FakeSlack, transport: SlackTransport
) -> None:
    slack.refuse_dm("UHIDDEN", "user_not_visible")
    slack.fail_next("users.info", error="user_not_visible")
    outcome = transport.send(dm("UHIDDEN"), NO_FILES)
    assert (outcome.fault, outcome.team) == ("dm_refused", None)


def test_other_refusals_and_channels_are_as_before(
    slack: FakeSlack, transport: SlackTransport
) -> None:
    slack.refuse_dm("UGONE", "user_not_found")
    gone = transport.send(dm("UGONE"), NO_FILES)
    assert (gone.fault, gone.team) == ("user", None)
    slack.fail_channel("CPU", "not_allowed")
    channel = Outgoing(
        id=10, kind="issue_notice", method=POST, target="CPU", to_user=False, text="Hei",
        blocks=None, marker={"outbox_id": 10, "queued_at": "2026-12-01T09:00"},
    )  # fmt: skip
    refused = transport.send(channel, NO_FILES)
    assert (refused.error, refused.fault, refused.team) == ("not_allowed", "", None)
    assert slack.calls_to("users.info") == []
