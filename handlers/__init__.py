"""Slack's side: listeners that parse a request, call bot/, and render Block Kit."""

from __future__ import annotations

from slack_bolt import App

from bot.outbox import Renderers
from bot.runtime import Runtime


def register(app: App, rt: Runtime) -> None:
    """Register every listener module on ``app``."""
    from handlers import admin, decisions, digest, errors, home, issues, meetings

    errors.register(app, rt)
    decisions.register(app, rt)
    issues.register(app, rt)
    meetings.register(app, rt)
    digest.register(app, rt)
    admin.register(app, rt)
    home.register(app, rt)
    errors.register_fallbacks(app, rt)


def renderers(rt: Runtime) -> Renderers:
    """How Slack messages of every composed kind are composed when they are sent."""
    from handlers import digest, issues, meetings

    out = Renderers()
    for part in (issues.renderers(rt), meetings.renderers(rt), digest.renderers(rt)):
        out.update(part)
    return out
