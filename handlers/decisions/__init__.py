"""/decision and /beslutning (SPEC §4.1), Slack's side: ``commands`` (the slash command) and
``forms`` (the "Log decision" modal and the "Log as decision" shortcut)."""

from __future__ import annotations

from slack_bolt import App

from handlers.decisions import commands, forms
from handlers.ids import Callback, Command, command_pattern

__all__ = ["register"]


def register(app: App) -> None:
    """Hand Bolt every decision listener."""
    app.command(command_pattern(Command.DECISION))(commands.decision_command)
    app.view(Callback.DECISION_MODAL)(forms.decision_submitted)
    app.shortcut(Callback.DECISION_FROM_MESSAGE)(forms.decision_from_message)
