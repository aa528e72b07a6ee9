"""Action, callback, block and command names: one place, never literals in handlers."""

from __future__ import annotations

import re
from enum import StrEnum


class Command(StrEnum):
    DECISION = "decision"
    ISSUE = "issue"
    MEETING = "meeting"
    DIGEST = "digest"
    RETURBOT = "returbot"


ALIASES: dict[str, Command] = {
    "/decision": Command.DECISION,
    "/beslutning": Command.DECISION,
    "/issue": Command.ISSUE,
    "/sak": Command.ISSUE,
    "/meeting": Command.MEETING,
    "/mote": Command.MEETING,
    "/møte": Command.MEETING,
    "/digest": Command.DIGEST,
    "/returbot": Command.RETURBOT,
}


def command_pattern(command: Command) -> re.Pattern[str]:
    """The Bolt matcher for a command and its Norwegian alias."""
    names = [re.escape(name) for name, cmd in ALIASES.items() if cmd is command]
    return re.compile("^(?:" + "|".join(names) + ")$")


class Callback(StrEnum):
    DECISION_MODAL = "decision_modal"
    DECISION_FROM_MESSAGE = "decision_from_message"
    ISSUE_FROM_MESSAGE = "issue_from_message"


class Block(StrEnum):
    TITLE = "title"
    DETAILS = "details"
    DEPARTMENTS = "departments"
    DECIDED_BY = "decided_by"
    BASIS = "basis"
    DATE = "date"
    TAGS = "tags"
    SUPERSEDES = "supersedes"
    MEETING = "meeting"
    ISSUE = "issue"
    SCREENING = "screening"


class Action(StrEnum):
    VALUE = "value"  # the one input element of an input block
    OPEN_DECISION_MODAL = "open_decision_modal"


class IssueAction(StrEnum):
    ACK = "issue_ack"
    TAKE = "issue_take"
    NOTE = "issue_note"
    CLOSE = "issue_close"
    OPEN_MODAL = "open_issue_modal"


class IssueCallback(StrEnum):
    MODAL = "issue_modal"
    NOTE_MODAL = "issue_note_modal"


class IssueBlock(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    DEPARTMENTS = "departments"
    OWNER = "owner"
    PRIORITY = "priority"
    DUE = "due"
    NOTE = "note"
    SCREENING = "screening"


class MeetingAction(StrEnum):
    ATTEND = "meeting_attend"
    SKIP = "meeting_skip"
    STATUS_NOTE = "meeting_status_note"
    OPEN_MODAL = "open_meeting_modal"


class MeetingCallback(StrEnum):
    MODAL = "meeting_modal"


class MeetingBlock(StrEnum):
    SERIES = "series"
    DATE = "date"
    TIME = "time"
    DURATION = "duration"
    PLACE = "place"
    TITLE = "title"
    REPEAT = "repeat"
    SCREENING = "screening"
