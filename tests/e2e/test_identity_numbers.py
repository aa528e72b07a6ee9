"""SPEC §6, generated: identity numbers with valid check digits (fødselsnummer and D-nummer),
in every spelling a person may write them, in every free-text field of every command, form and
message shortcut: refused with a sentence, nothing stored, nothing sent to Slack."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storage.models import (
    AgendaItem,
    AuditEntry,
    Decision,
    DecisionTag,
    Issue,
    IssueNote,
    Meeting,
    OutboxMessage,
)
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot, Reply
from tests.support import slackreq
from tests.support.jsonwalk import strings

# --- numbers and their spellings ---------------------------------------------------------


def check_digits(first9: str) -> str | None:
    """The two mod-11 check digits of an identity number, or None when it can have none."""
    digits = [int(d) for d in first9]
    out = ""
    for weights in ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)):
        k = 11 - sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if k == 10:
            return None
        k = 0 if k == 11 else k
        digits.append(k)
        out += str(k)
    return out


@st.composite
def identity_numbers(draw: st.DrawFn) -> str:
    """A fødselsnummer, or a D-nummer (4 added to the first digit of the day)."""
    day = draw(st.integers(1, 31)) + (40 if draw(st.booleans()) else 0)
    month, year = draw(st.integers(1, 12)), draw(st.integers(0, 99))
    first9 = f"{day:02d}{month:02d}{year:02d}{draw(st.integers(0, 999)):03d}"
    checks = check_digits(first9)
    assume(checks is not None)
    return first9 + str(checks)


def spell(number: str, how: str) -> str:
    """``number`` written the way ``how`` names (SPEC §6's list, and its siblings)."""
    a, b = number[:6], number[6:]
    spelled = {
        "plain": number,
        "6 5": f"{a} {b}",
        "dd.mm.yy 5": f"{number[:2]}.{number[2:4]}.{number[4:6]} {b}",
        "4 4 3": f"{number[:4]} {number[4:8]} {number[8:]}",
        "dash": f"{a}-{b}",
        "dot": f"{a}.{b}",
        "no-break space": f"{a}\u00a0{b}",
        "narrow no-break space": f"{a}\u202f{b}",
        "zero-width space": f"{a}\u200b{b}",
        "word joiner": f"{a}\u2060{b}",
        "soft hyphen": f"{a}\u00ad{b}",
        "tab": f"{a}\t{b}",
        "line break": f"{a}\n{b}",
        "en dash": f"{a} – {b}",
        "markup": f"{a}<!x>{b}",
        "emphasis": f"*{a}* *{b}*",
        "every digit": " ".join(number),
        "fullwidth": number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    }
    return spelled[how]


SPELLINGS = ["plain", "6 5", "dd.mm.yy 5", "4 4 3", "dash", "dot", "no-break space",
             "narrow no-break space", "zero-width space", "word joiner", "soft hyphen", "tab",
             "line break", "en dash", "markup", "emphasis", "every digit",
             "fullwidth"]  # fmt: skip
ONE_LINE = [s for s in SPELLINGS if s not in ("line break",)]
EXAMPLE = "26069235653"  # SPEC §6's own example


def slack_escaped(text: str) -> str:
    """Command text as Slack sends what was typed: & < > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- what went out and what was kept ------------------------------------------------------

KEPT = (Decision, DecisionTag, Issue, IssueNote, Meeting, AgendaItem, AuditEntry, OutboxMessage)


def kept(bot: Bot) -> tuple[int, ...]:
    with bot.db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0 for model in KEPT)


def shows(number: str, value: Any) -> bool:
    """Whether any string in ``value`` holds the number's digits, however they are spelled."""
    for text in strings(value):
        digits = "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())
        if number in digits:
            return True
    return False


@dataclass
class Sent:
    """An input sent to the bot, and how to send it again with other text in the field."""

    name: str
    send: Callable[[Bot, str], Reply]


def assert_refused(bot: Bot, number: str, spelled: str, entry: Sent) -> None:
    before = kept(bot)
    calls = len(bot.slack.calls)
    reply = entry.send(bot, spelled)
    assert reply.status == 200, reply.body[:300]
    said = reply.text if reply.body else ""
    if reply.json.get("response_action") == "errors":
        said = " ".join(reply.json["errors"].values())
    assert "fødselsnummer" in said, (entry.name, spelled, reply.body[:300])
    assert not reply.in_channel
    assert not shows(number, reply.json or reply.body.decode()), reply.body[:300]
    bot.deliver()
    assert kept(bot) == before, (entry.name, spelled)
    for call in bot.slack.calls[calls:]:
        assert not shows(number, call.params), (entry.name, call.method, spelled)


# --- every free-text field of every command ----------------------------------------------


def command(
    name: str, slash: str, template: str, *, user: str = "UKARI", split_by: str = ""
) -> Sent:
    """``template`` with ``{}`` where the field's text goes, typed and escaped as Slack does.

    ``split_by``: an option typed in the middle of the text (at its first space), so that its
    digits become one number only once the grammar has taken the option out.
    """

    def send(bot: Bot, text: str) -> Reply:
        if split_by:
            text = text.replace(" ", f" {split_by} ", 1)
        return bot.command(slash, slack_escaped(template.format(text)), user=user)

    return Sent(name, send)


COMMANDS = [
    command("decision title", "/decision", "{} dept:RMA"),
    command("decision title split by an option", "/decision", "Sak {}", split_by="dept:RMA"),
    command("decision details", "/decision", 'Tittel dept:RMA details:"{}"'),
    command("decision by", "/decision", 'Tittel dept:RMA by:"{}"'),
    command("decision basis", "/decision", 'Tittel dept:RMA basis:"{}"'),
    command("decision tags", "/decision", 'Tittel dept:RMA tags:"retur,{}"'),
    command("decision alias", "/beslutning", "{} dept:RMA"),
    command("decision list tag", "/decision", 'list tag:"{}"'),
    command("decision search", "/decision", "search {}"),
    command("decision revoke reason", "/decision", "revoke D-1 {}"),
    command("issue title", "/issue", "{} dept:RMA"),
    command("issue details", "/issue", 'Tittel dept:RMA details:"{}"'),
    command("issue alias", "/sak", "Tittel dept:RMA details:\"{}\""),
    command("issue note", "/issue", "note I-1 {}"),
    command("issue close text", "/issue", "close I-1 {}"),
    command("meeting title", "/meeting", 'schedule network 10.12.2026 12:00 title:"{}"',
            user=COORDINATOR),
    command("meeting place", "/meeting", 'network 10.12.2026 12:00 place:"{}"', user=COORDINATOR),
    command("meeting agenda", "/meeting", "agenda M-1 {}"),
    command("meeting agenda split by an option", "/mote", "agenda M-1 {}", split_by="dept:RMA"),
    command("meeting cancel reason", "/meeting", "cancel M-1 {}", user=COORDINATOR),
    command("department list value", "/decision", "Tittel dept:RMA,{}"),
    command("returbot text", "/returbot", "language {}"),
]  # fmt: skip

# only the domain's own check sees these numbers whole: the typed text has an option inside
SPLIT_BY_OPTION = {"decision title split by an option", "meeting agenda split by an option"}
# commands that store nothing even when they are taken
STORE_NOTHING = {"decision list tag", "decision search", "returbot text", "department list value"}
ORDINARY = "Vanlig-sak-22.33.44.55-2026"


# --- every free-text field of every form, and the shortcuts that fill them ----------------


def text_input(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def form(
    name: str, callback: str, block: str, base: dict[str, Any], *, user: str = "UKARI",
    meta: dict[str, Any] | None = None,
) -> Sent:  # fmt: skip
    def send(bot: Bot, text: str) -> Reply:
        values = {**base, block: text_input(text)}
        body = slackreq.view_submission_body(
            callback, values, user_id=user, private_metadata=json.dumps(meta or {"channel": "CGEN"})
        )
        return bot.send(body)

    return Sent(name, send)


DECISION = {
    "title": text_input("Tittel"),
    "departments": {"value": {"type": "multi_static_select",
                              "selected_options": [{"value": "RMA"}]}},
    "date": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
}  # fmt: skip
ISSUE = {
    "title": text_input("Tittel"),
    "departments": {"value": {"type": "multi_static_select",
                              "selected_options": [{"value": "RMA"}]}},
    "priority": {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
}  # fmt: skip
MEETING = {
    "series": {"value": {"type": "static_select", "selected_option": {"value": "network"}}},
    "date": {"value": {"type": "datepicker", "selected_date": "2026-12-10"}},
    "time": {"value": {"type": "timepicker", "selected_time": "12:00"}},
    "duration": {"value": {"type": "static_select", "selected_option": {"value": "2h"}}},
    "repeat": {"value": {"type": "static_select", "selected_option": {"value": "none"}}},
}
FORMS = [
    *(form(f"decision form {b}", "decision_modal", b, DECISION)
      for b in ("title", "details", "decided_by", "basis", "tags")),
    *(form(f"issue form {b}", "issue_modal", b, ISSUE) for b in ("title", "description")),
    *(form(f"meeting form {b}", "meeting_modal", b, MEETING, user=COORDINATOR)
      for b in ("title", "place")),
    form("note form", "issue_note_modal", "note", {}, meta={"channel": "CGEN", "issue": 1}),
]  # fmt: skip


def status_form(bot: Bot) -> Sent:
    """The status note a meeting's status request opens (a note on I-1 for M-1)."""
    with bot.db.session() as session:
        meeting_id = session.scalar(select(Meeting.id).where(Meeting.number == 1))
    return form(
        "status form", "issue_note_modal", "note", {},
        meta={"channel": "", "issue": 1, "meeting": meeting_id},
    )  # fmt: skip


def setup(bot: Bot) -> None:
    """D-1 by Kari, I-1 reported by Kari, M-1 in the network series; RMA's channel bound."""
    if kept(bot)[0]:
        return
    assert bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA").in_channel
    assert bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET").in_channel
    assert bot.command("/decision", "Eksisterende beslutning dept:RMA").in_channel
    assert bot.command("/issue", "Eksisterende sak dept:RMA").in_channel
    reply = bot.command("/meeting", "schedule network 3.12.2026 10:00", user=COORDINATOR)
    assert reply.in_channel, reply.text
    bot.deliver()


ALL = {entry.name: entry for entry in [*COMMANDS, *FORMS]}


@pytest.mark.parametrize("name", [*ALL, "status form"])
def test_every_free_text_field_refuses_and_takes_ordinary_text(bot: Bot, name: str) -> None:
    setup(bot)
    entry = status_form(bot) if name == "status form" else ALL[name]
    spellings = ["markup", "6 5"] if name not in SPLIT_BY_OPTION else ["6 5", "dd.mm.yy 5"]
    for how in spellings:
        assert_refused(bot, EXAMPLE, spell(EXAMPLE, how), entry)
    # the same field with ordinary text is taken: the refusal was the number's
    before = kept(bot)
    reply = entry.send(bot, ORDINARY)
    assert reply.status == 200
    assert reply.json.get("response_action") != "errors", reply.body[:300]
    if name not in STORE_NOTHING:
        assert kept(bot) != before, (name, reply.body[:300])


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    number=identity_numbers(),
    how=st.sampled_from(SPELLINGS),
    entry=st.sampled_from([*COMMANDS, *FORMS]),
    padding=st.sampled_from(["{}", "Gjelder {}", "{}.", "Tlf 22 33 44 55 og {} i dag"]),
)
def test_generated_identity_numbers_are_refused_everywhere(
    bot: Bot, number: str, how: str, entry: Sent, padding: str
) -> None:
    setup(bot)
    assert_refused(bot, number, padding.format(spell(number, how)), entry)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    number=identity_numbers(),
    how=st.sampled_from(SPELLINGS),
    callback=st.sampled_from(["decision_from_message", "issue_from_message"]),
)
def test_a_shortcut_does_not_copy_the_number_into_its_form(
    bot: Bot, number: str, how: str, callback: str
) -> None:
    setup(bot)
    before = kept(bot)
    calls = len(bot.slack.calls)
    opened = len(bot.slack.calls_to("views.open"))
    # Slack sends a message's text escaped, as it sends a command's
    text = slack_escaped(f"Gjelder {spell(number, how)}\nmer tekst")
    body = slackreq.shortcut_body(callback, message_text=text, user_id="UKARI", channel_id="CGEN")
    assert bot.send(body).status == 200
    view = bot.slack.wait_for("views.open", opened + 1)[-1].params["view"]
    assert not shows(number, view), view
    assert "[fødselsnummer fjernet]" in json.dumps(view, ensure_ascii=False)
    bot.deliver()
    assert kept(bot) == before
    for call in bot.slack.calls[calls:]:
        assert not shows(number, call.params), call.method
    # typed back into the form it opened, the number is refused there too
    blocks = {"decision_from_message": "details", "issue_from_message": "description"}
    base = DECISION if callback == "decision_from_message" else ISSUE
    meta = json.loads(view["private_metadata"])
    entry = form("shortcut form", view["callback_id"], blocks[callback], base, meta=meta)
    assert_refused(bot, number, spell(number, how), entry)


def test_a_number_that_fails_the_check_digits_is_taken(bot: Bot) -> None:
    setup(bot)
    reply = bot.command("/decision", "Ordre 12345678901 og 260692 35654 dept:RMA")
    assert reply.in_channel, reply.text
