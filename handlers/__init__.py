"""Slack's side: listeners that parse a request, call bot/, and render Block Kit."""

from __future__ import annotations

from slack_bolt import App

from bot.outbox import Renderers
from bot.runtime import Runtime


def register(app: App) -> None:
    """Register every listener module on ``app``; listeners find the runtime in the request's
    context (``handlers.common.runtime_of``), which ``handlers.app.create_app`` puts there."""
    from handlers import admin, decisions, digest, errors, home, issues, meetings

    errors.register(app)
    decisions.register(app)
    issues.register(app)
    meetings.register(app)
    digest.register(app)
    admin.register(app)
    home.register(app)
    errors.register_fallbacks(app)


def renderers(rt: Runtime) -> Renderers:
    """How Slack messages of every composed kind are composed when they are sent."""
    from handlers import digest, issues, meetings

    out = Renderers()
    for part in (issues.renderers(rt), meetings.renderers(rt), digest.renderers(rt)):
        out.update(part)
    return out
