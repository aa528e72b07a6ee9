"""The Slack transport's reading of Slack's answers, through the real WebClient and a fake Slack.

The whole path (claims, retries, alerts) is in tests/bot/test_outbox.py; this file holds what
only the Slack side decides: which answer is a rate limit, a passing fault or a refusal, and
what a refusal says about its target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.outbox import POST, Outcome, Outgoing
from handlers.slack_transport import METADATA_TYPE, SlackTransport, retry_after
from tests.support.fakeslack import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def transport(slack: FakeSlack) -> SlackTransport:
    return SlackTransport(WebClient(token="xoxb-test", base_url=slack.url, timeout=1))


def message(target: str = "CNET", **fields: object) -> Outgoing:
    return Outgoing(
        id=7, kind="notice", method=POST, target=target, to_user=False, text="Hei",
        blocks=None, marker={"outbox_id": 7, "queued_at": "2026-12-01T09:00:00+00:00"},
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


NO_FILES: Callable[[str], None] = lambda file_id: None  # noqa: E731


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": "12"}, 12.0),  # any case: HTTP header names are not case-sensitive
        ({"RETRY-AFTER": ["4"]}, 4.0),
        ({"Retry-After": "0"}, 1.0),  # at least a second
        ({"Retry-After": "soon"}, 1.0),
        ({}, 1.0),
    ],
)
def test_retry_after_reads_the_header_in_any_case(headers: dict[str, Any], seconds: float) -> None:
    assert retry_after(headers) == seconds


def test_a_post_carries_its_outbox_marker_and_does_not_unfurl(
    slack: FakeSlack, transport: SlackTransport
) -> None:
    outcome = transport.send(message(), NO_FILES)
    assert outcome.result == "sent" and outcome.channel == "CNET" and outcome.ts
    call = slack.calls_to("chat.postMessage")[0].params
    assert call["metadata"]["event_type"] == METADATA_TYPE
    assert call["metadata"]["event_payload"]["outbox_id"] == 7
    assert call["unfurl_links"] is False


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        ("channel_not_found", "channel"),
        ("not_in_channel", "channel"),
        ("is_archived", "archived"),
        ("user_not_found", "user"),
        ("msg_too_long", ""),
    ],
)
def test_a_refusal_names_what_is_wrong_with_its_target(
    slack: FakeSlack, transport: SlackTransport, error: str, fault: str
) -> None:
    slack.fail_next("chat.postMessage", error=error)
    assert transport.send(message(), NO_FILES) == Outcome("refused", error, fault=fault)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        ({"status": 429, "retry_after": 7}, Outcome("rate_limited", "ratelimited", 7.0)),
        ({"status": 503}, Outcome("transient", "http_503: internal_error", unsure=True)),
        ({"error": "internal_error"}, Outcome("transient", "internal_error")),
        ({"error": "token_revoked"}, Outcome("transient", "token_revoked")),
        # words that are not one of Slack's codes are never shown as one
        ({"error": "<@U1> see https://x"}, Outcome("refused", "unknown_error")),
    ],
)
def test_slack_trouble_and_a_bad_token_are_tried_again(
    slack: FakeSlack, transport: SlackTransport, fail: dict[str, Any], expected: Outcome
) -> None:
    slack.fail_next("chat.postMessage", **fail)
    assert transport.send(message(), NO_FILES) == expected


def test_after_an_unanswered_attempt_a_message_found_in_the_history_is_not_posted(
    slack: FakeSlack, transport: SlackTransport
) -> None:
    first = transport.send(message(), NO_FILES)
    assert first.result == "sent"
    again = transport.send(message(unsure_since=datetime.now(UTC)), NO_FILES)
    assert again.result == "sent" and again.ts == first.ts
    assert len(slack.calls_to("chat.postMessage")) == 1
