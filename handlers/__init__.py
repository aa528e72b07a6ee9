"""Slack's side: listeners that parse a request, call bot/, and render Block Kit."""

from __future__ import annotations

from slack_bolt import App

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


def register_renderers(rt: Runtime) -> None:
    """Register only the outbox renderers (for a clock process that serves no requests)."""
    from handlers import digest, issues, meetings

    issues.register_renderers(rt)
    meetings.register_renderers(rt)
    digest.register_renderers(rt)
