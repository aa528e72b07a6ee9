"""/issue and /sak (SPEC §4.2), Slack's side: ``commands`` (the slash command), ``buttons``
(on a department's notice and on reminders), ``forms`` (the modals and the "Register as
issue" shortcut) and ``messages`` (the notices and DMs the outbox sends, composed then)."""

from __future__ import annotations

from slack_bolt import App

from handlers.ids import Callback, Command, IssueAction, IssueCallback, command_pattern
from handlers.issues import buttons, commands, forms
from handlers.issues.messages import renderers

__all__ = ["register", "renderers"]


def register(app: App) -> None:
    """Hand Bolt every issue listener."""
    app.command(command_pattern(Command.ISSUE))(commands.issue_command)
    app.action(IssueAction.ACK)(buttons.on_ack)
    app.action(IssueAction.TAKE)(buttons.on_take)
    app.action(IssueAction.CLOSE)(buttons.on_close)
    app.action(IssueAction.NOTE)(buttons.on_note)
    app.view(IssueCallback.NOTE_MODAL)(forms.note_submitted)
    app.view(IssueCallback.MODAL)(forms.issue_submitted)
    app.shortcut(Callback.ISSUE_FROM_MESSAGE)(forms.issue_from_message)
