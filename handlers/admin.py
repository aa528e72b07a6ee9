"""/returbot (SPEC §4.5): help, language, departments and channel bindings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import addresses, bindings, calendar, digest
from bot import search as searching
from bot import status as bot_status
from bot.automation import meeting_reminders
from bot.errors import UserError
from bot.text.formats import format_datetime, format_number
from bot.text.i18n import LANGUAGES, Lang, t
from handlers.common import Answer, runtime_of
from handlers.ids import Command, command_pattern
from handlers.slash import CommandSpec, Request, run_command
from handlers.views import search as search_views
from handlers.views.blocks import OPEN_IN_BROWSER, section, sections


def overview(req: Request) -> Answer:
    text = t(req.lang, "admin.help")
    return Answer(text, sections(text))


def language(req: Request) -> Answer:
    choice = req.parsed.text.strip().lower()
    if choice not in LANGUAGES:
        raise UserError("admin.bad_language", value=req.parsed.text.strip() or "—")
    bindings.set_language(req.session, user_id=req.actor.user_id, language=choice)
    return Answer(t(choice, "admin.language_set"))


def departments(req: Request) -> Answer:
    bound = bindings.current(req.session, req.rt.org)
    lang = req.lang
    none = t(lang, "admin.unbound")

    def where(channel: str | None) -> str:
        return f"<#{channel}>" if channel else none

    mailboxes = addresses.current(req.session, req.rt.org)
    lines = [f"*{t(lang, 'admin.departments')}*"]
    for d in req.rt.org.departments:
        kind = t(lang, f"admin.kind_{d.kind}")
        team = f" · {t(lang, 'connect.team', team=d.slack_team)}" if d.slack_team else ""
        mail = ", ".join(f"`{a}`" for a in mailboxes.get(d.code, []))
        mail = f" · {t(lang, 'email.listed', addresses=mail)}" if mail else ""
        channel = where(bound.get(f"dept:{d.code}"))
        lines.append(f"• *{d.code}* {d.name} ({kind}) — {channel}{team}{mail}")
    lines.append(f"\n*{t(lang, 'admin.series')}*")
    for s in req.rt.org.series:
        members = ", ".join(s.departments)
        if s.optional:
            members += " · " + t(lang, "admin.optional", codes=", ".join(s.optional))
        lines.append(f"• *{s.key}* {s.name}: {members} — {where(bound.get(f'series:{s.key}'))}")
    lines.append(f"\n*{t(lang, 'admin.digest')}* — {where(bound.get('digest'))}")
    text = "\n".join(lines)
    return Answer(text, sections(text))


def channel(req: Request) -> Answer:
    target, before = bindings.bind_channel(
        req.session, org=req.rt.org, actor=req.actor, text=req.parsed.text,
        channel_id=req.channel_id, now=req.rt.clock.now(),
    )  # fmt: skip
    key = "admin.bound_moved" if before and before != req.channel_id else "admin.bound"
    text = t(
        req.lang, key, target=bindings.label(req.rt.org, target), channel=f"<#{req.channel_id}>"
    )
    return Answer(text, [section(text)], in_channel=True)


def status(req: Request) -> Answer:
    state = bot_status.read(req.session)
    lang, tz = req.lang, req.rt.org.timezone

    def when(moment: datetime | None) -> str:
        return format_datetime(moment, lang, tz) if moment else "—"

    db_key = "admin.status_db" if state.schema_current else "admin.status_db_old"
    lines = [
        t(lang, db_key, dialect=state.dialect, schema=state.schema or "—"),
        *_clock_lines(req, state, when),
        _mail_line(req),
        *_outbox_lines(req, state, when),
        *_failure_lines(lang, state, when),
    ]
    text = f"*{t(lang, 'admin.status_title')}*\n" + "\n".join(lines)
    return Answer(text, sections(text))


Said = Callable[[datetime | None], str]  # a moment as the user reads it, "—" for none


def _mail_line(req: Request) -> str:
    """Whether e-mail goes out (SPEC §8), and from whom."""
    sender = req.rt.org.mail_from
    if not sender:
        return t(req.lang, "admin.status_mail_off")
    return t(req.lang, "admin.status_mail_on", sender=f"`{sender}`")


def _clock_lines(req: Request, state: bot_status.Status, when: Said) -> list[str]:
    """Whether the scheduler runs, and when the digest went out and goes out next."""
    lang = req.lang
    lines = []
    if state.scheduler_seen:
        lines.append(t(lang, "admin.status_scheduler", when=when(state.scheduler_seen)))
    else:
        lines.append(t(lang, "admin.status_scheduler_missing"))
    if state.last_digest:
        lines.append(t(lang, "admin.status_digest", when=when(state.last_digest)))
    else:
        lines.append(t(lang, "admin.status_no_digest"))
    upcoming_digest = digest.next_slot(req.session, req.rt.org, req.rt.clock.now())
    lines.append(t(lang, "admin.status_next_digest", when=when(upcoming_digest)))
    return lines


def _outbox_lines(req: Request, state: bot_status.Status, when: Said) -> list[str]:
    """What waits in the outbox, what is due next, the next reminder, the last message sent."""
    lang = req.lang
    count = sum(state.pending.values())
    detail = ", ".join(
        f"{kind} {format_number(n, lang)}" for kind, n in sorted(state.pending.items())
    )
    shown = format_number(count, lang)
    lines = [t(lang, "admin.status_pending", count=shown, detail=f" ({detail})" if detail else "")]
    if state.next_due:
        lines.append(t(lang, "admin.status_next", when=when(state.next_due)))
    upcoming = meeting_reminders.next_moment(req.session, req.rt.org, req.rt.clock.now())
    if upcoming is not None:
        meeting, at = upcoming
        lines.append(t(lang, "admin.status_next_reminder", ref=meeting.ref, when=when(at)))
    if state.last_sent:
        lines.append(t(lang, "admin.status_last_sent", when=when(state.last_sent)))
    return lines


def _failure_lines(lang: Lang, state: bot_status.Status, when: Said) -> list[str]:
    """The messages that failed for good lately, or that none did."""
    if not state.failures:
        return [t(lang, "admin.status_no_failures")]
    lines = [t(lang, "admin.status_failures")]
    for failure in state.failures:
        if "@" in failure.target:  # an e-mail address (SPEC §8)
            target = f"`{failure.target}`"
        elif failure.target.startswith("C"):
            target = f"<#{failure.target}>"
        else:
            target = f"<@{failure.target}>"
        lines.append(
            t(
                lang,
                "admin.status_failure",
                when=when(failure.at),
                kind=failure.kind,
                target=target,
                error=failure.error,
            )
        )
    return lines


def calendar_feed(req: Request) -> Answer:
    """Coordinator: the feed's URL; ``/returbot calendar new`` makes the old URL stop working."""
    renew = req.parsed.text.strip().lower() in ("new", "ny", "renew")
    url = calendar.feed_for(
        req.session, actor=req.actor, public_url=req.rt.settings.public_url, renew=renew
    )
    text = t(req.lang, "admin.calendar_renewed" if renew else "admin.calendar_url", url=url)
    return Answer(text, [section(text)])


def search(req: Request) -> Answer:
    kinds = searching.kind_of(req.option("kind"))
    found = searching.find(req.session, words=req.parsed.text, kinds=kinds, lean=True)
    text, blocks = search_views.hits(found, req.lang)
    return Answer(text, blocks)


def web(req: Request) -> Answer:
    settings = req.rt.settings
    if not settings.web or not settings.public_url:
        return Answer(t(req.lang, "admin.web_off"))
    return Answer(t(req.lang, "admin.web_link", url=f"{settings.public_url}/decisions"))


def email(req: Request) -> Answer:
    if not req.parsed.text.strip():
        raise UserError("email.dept_needed")
    code, _before, after = addresses.set_addresses(
        req.session, org=req.rt.org, actor=req.actor, text=req.parsed.text,
        now=req.rt.clock.now(),
    )  # fmt: skip
    lang = req.lang
    if after:
        text = t(lang, "email.set", code=code, addresses=", ".join(f"`{a}`" for a in after))
    else:
        text = t(lang, "email.cleared", code=code)
    if not req.rt.settings.mail:
        text += "\n" + t(lang, "email.no_mail")
    return Answer(text, in_channel=True)


def usage(req: Request) -> Answer:
    return overview(req)


SPEC = CommandSpec(
    name=Command.RETURBOT,
    subcommands={
        "help": overview,
        "language": language,
        "departments": departments,
        "channel": channel,
        "status": status,
        "calendar": calendar_feed,
        "search": search,
        "email": email,
        "web": web,
    },
    options={"search": ("kind",)},
    default="help",
)


def returbot_command(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)


def opened_in_browser(ack: Ack) -> None:
    """An *Open in browser* button: Slack opens its URL itself; the click only needs an ack."""
    ack()


def register(app: App) -> None:
    app.command(command_pattern(Command.RETURBOT))(returbot_command)
    app.action(OPEN_IN_BROWSER)(opened_in_browser)
