"""/meeting and /mote (SPEC §4.3), Slack's side: ``commands`` (the slash command), ``buttons``
(attendance, status notes), ``forms`` (the "Schedule meeting" modal) and ``messages`` (the
reminders and notices the outbox sends, composed then)."""

from __future__ import annotations

from slack_bolt import App

from handlers.ids import Command, MeetingAction, MeetingCallback, command_pattern
from handlers.meetings import buttons, commands, forms
from handlers.meetings.messages import renderers

__all__ = ["register", "renderers"]


def register(app: App) -> None:
    """Hand Bolt every meeting listener."""
    app.command(command_pattern(Command.MEETING))(commands.meeting_command)
    app.view(MeetingCallback.MODAL)(forms.meeting_submitted)
    app.action(MeetingAction.ATTEND)(buttons.on_attend)
    app.action(MeetingAction.SKIP)(buttons.on_skip)
    app.action(MeetingAction.STATUS_NOTE)(buttons.on_status_note)
