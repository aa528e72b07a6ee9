"""Hostile input, generated: every command and every form answers 200 within 3 s with a sentence,
writes nothing when it refuses, never pings a whole channel, and the process stays healthy."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storage.models import AgendaItem, AuditEntry, Decision, Issue, IssueNote, Meeting
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot, Reply
from tests.support import slackreq

COMMANDS = ["/decision", "/beslutning", "/issue", "/sak", "/meeting", "/mote", "/digest",
            "/returbot"]  # fmt: skip
WORDS = ["new", "list", "search", "show", "revoke", "help", "note", "assign", "close", "reopen",
         "ack", "schedule", "agenda", "move", "cancel", "ics", "series", "post", "channel",
         "language", "departments", "status", "calendar", "mine"]  # fmt: skip
NASTY = [
    "'; DROP TABLE decisions; --", "\" OR 1=1 --", "%' UNION SELECT * FROM outbox --",
    "<!channel>", "<!here>", "<!everyone>", "@channel", "@here", "<!subteam^S123|@team>",
    "<@U123|kari>", "<#C123|general>", "<https://evil.example|klikk>", "&lt;!channel&gt;",
    "dept:", "dept:RMA,,PU", "dept:ZZZ", "due:", "due:31.02.2026", "due:+99999d", "prio:",
    "owner:", "owner:@", "by:\"", "details:\"unclosed", "tags:a,b,c,d,e,f,g,h,i,j,k,l",
    "supersedes:D-", "D-0", "D-99999999999999999999", "I--1", "M-1e9", "repeat:yearly",
    "12345678901", "010190 12345", "\u0000", "\u202e", "\r\n", "\t", "🙂" * 50, "æøå ÆØÅ",
    "x" * 5000, "\"\"\"", "'", "\\", "{0}", "{ref}", "%s%s%s", "${HOME}", "`rm -rf /`",
]  # fmt: skip
BROADCASTS = ("<!channel>", "<!here>", "<!everyone>")

texts = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),  # control characters
        st.text(min_size=2000, max_size=6000),  # huge tokens
    ),
    max_size=6,
).map(" ".join)


def records(bot: Bot) -> tuple[int, ...]:
    with bot.db.session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Decision, Issue, IssueNote, Meeting, AgendaItem, AuditEntry)
        )


def timed(bot: Bot, body: str) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = bot.send(body)
    return reply, time.monotonic() - started


def assert_a_sentence(reply: Reply, took: float) -> None:
    assert reply.status == 200, reply.body[:300]
    assert took < 3, f"{took:.2f} s"
    body = reply.body.decode("utf-8", "replace")
    assert "Traceback" not in body and "Exception" not in body
    for broadcast in BROADCASTS:
        assert broadcast not in body, body[:300]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=st.sampled_from(COMMANDS), text=texts, coordinator=st.booleans())
def test_generated_command_texts(bot: Bot, command: str, text: str, coordinator: bool) -> None:
    before = records(bot)
    forms = len(bot.slack.calls_to("views.open"))
    user = COORDINATOR if coordinator else "UKARI"
    body = slackreq.slash_body(command, text, user_id=user, channel_id="CGEN")
    reply, took = timed(bot, body)
    assert_a_sentence(reply, took)
    if not reply.body:  # the command alone opens its form instead of answering
        assert len(bot.slack.calls_to("views.open")) == forms + 1, text
    else:
        assert reply.text.strip() or reply.json.get("blocks"), "an answer says something"
    if before != records(bot):
        # something was written: the answer must say what (a record's receipt, in the channel)
        assert reply.in_channel or reply.json.get("blocks"), reply.text


FIELD_VALUE = st.one_of(
    st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": st.text(max_size=50)}),
    st.fixed_dictionaries(
        {"type": st.just("plain_text_input"), "value": st.text(min_size=3000, max_size=9000)}
    ),
    st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": st.sampled_from(NASTY)}),
    st.fixed_dictionaries(
        {
            "type": st.just("multi_static_select"),
            "selected_options": st.lists(
                st.fixed_dictionaries({"value": st.one_of(st.sampled_from(NASTY), st.text())}),
                max_size=12,
            ),
        }
    ),
    st.fixed_dictionaries({"type": st.just("datepicker"), "selected_date": st.text(max_size=12)}),
    st.fixed_dictionaries({"type": st.just("timepicker"), "selected_time": st.text(max_size=8)}),
    st.fixed_dictionaries(
        {"type": st.just("static_select"), "selected_option": st.one_of(st.none(), st.just({}))}
    ),
    st.fixed_dictionaries({"type": st.just("users_select"), "selected_user": st.text(max_size=12)}),
    st.just({}),
)
BLOCK_IDS = ["title", "details", "departments", "decided_by", "basis", "date", "tags",
             "supersedes", "meeting", "issue", "description", "owner", "priority", "due",
             "note", "series", "time", "duration", "place", "repeat", "extra",
             "x" * 300]  # fmt: skip
states = st.dictionaries(
    st.sampled_from(BLOCK_IDS),
    st.one_of(
        st.fixed_dictionaries({"value": FIELD_VALUE}),
        st.dictionaries(st.text(max_size=10), FIELD_VALUE, max_size=2),  # a wrong action id
    ),
    max_size=12,
)
CALLBACKS = ["decision_modal", "issue_modal", "meeting_modal", "issue_note_modal",
             "meeting_status_modal", "unknown_modal"]  # fmt: skip
metadata = st.one_of(
    st.just(""),
    st.text(max_size=30),
    st.just(json.dumps({"channel": "CGEN"})),
    st.just(json.dumps({"issue": "x", "meeting": None, "source": {"bad": 1}})),
    st.just(json.dumps(["not", "an", "object"])),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(callback=st.sampled_from(CALLBACKS), values=states, meta=metadata, coordinator=st.booleans())
def test_generated_form_submissions(
    bot: Bot, callback: str, values: dict[str, Any], meta: str, coordinator: bool
) -> None:
    before = records(bot)
    user = COORDINATOR if coordinator else "UKARI"
    body = slackreq.view_submission_body(callback, values, user_id=user, private_metadata=meta)
    reply, took = timed(bot, body)
    assert_a_sentence(reply, took)
    answer = reply.json
    if answer.get("response_action") == "errors":
        assert all(isinstance(v, str) and v for v in answer["errors"].values())
        assert before == records(bot), "a refused form wrote nothing"


def test_the_process_stays_healthy_after_hostile_input(bot: Bot) -> None:
    for text in NASTY:
        for command in ("/decision", "/issue", "/meeting", "/returbot"):
            reply, took = timed(bot, slackreq.slash_body(command, text, user_id="UKARI"))
            assert_a_sentence(reply, took)
    assert bot.get("/healthz").status == 200
    assert "D-" in bot.command("/decision", "Vanlig beslutning etterpå dept:RMA").text
