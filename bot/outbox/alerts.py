"""What people are told when a message fails for good: never a silent loss (SPEC §5).

The person a message was for instead (its fallback user) gets it by DM with a word on why; with
no such person, the coordinators get one alert a day per target and fault, saying where it was
going, what went wrong and what to fix, in each one's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox.queue import MAX_BLOCKS, UPLOAD, enqueue
from bot.outbox.transport import Fault, excerpt
from bot.text.i18n import t
from storage import common
from storage.models import Decision, Issue, Meeting, OutboxMessage

log = logging.getLogger("returbot.outbox")

UNBUILDABLE = "cannot_build"
# a DM's payload extra: where it goes if Slack refuses it for a partner agency's user (Slack
# Connect, SPEC §8): the person's team -> [the department's code, its channel]
DM_FALLBACK = "dm_fallback"
# the records a message can be about, as people name them, and the command that shows one
_RECORDS: dict[str, tuple[type[Meeting] | type[Issue] | type[Decision], str]] = {
    "meeting": (Meeting, "/meeting show"),
    "issue": (Issue, "/issue show"),
    "decision": (Decision, "/decision show"),
}


@dataclass(frozen=True)
class Failed:
    """A message that failed for good: its row (locked), where it went, what it said."""

    row: OutboxMessage
    target: str
    payload: Mapping[str, Any]  # as composed for the attempt, not as queued

    @property
    def to_user(self) -> bool:
        return self.row.user is not None

    @property
    def to_address(self) -> bool:
        """An e-mail's (SPEC §8): the fix is the department's address, the refusal the mail
        server's."""
        return self.row.address is not None


@dataclass(frozen=True)
class _About:
    """The record a message is about: ``M-5`` while it exists, ``meeting #5`` once it is gone."""

    kind: str | None
    ref: str
    exists: bool
    command: str = ""


def _about(session: Session, row: OutboxMessage) -> _About:
    if row.ref_kind is None or row.ref_id is None:
        return _About(row.ref_kind, "", exists=False)
    known = _RECORDS.get(row.ref_kind)
    if known is None:
        return _About(row.ref_kind, f"{row.ref_kind} #{row.ref_id}", exists=True)
    model, command = known
    number = session.scalar(select(model.number).where(model.id == row.ref_id))
    if number is None:
        return _About(row.ref_kind, f"{row.ref_kind} #{row.ref_id}", exists=False)
    ref = model.ref_of(number)
    return _About(row.ref_kind, ref, exists=True, command=f"{command} {ref}")


def _about_words(lang: str, about: _About) -> str:
    """`` about *M-5*``, `` about a record that is no longer…``, or nothing."""
    if about.kind == "digest":
        record = t(lang, "outbox.record_digest")
    elif about.command:
        record = f"*{about.ref}*"
    elif about.ref and not about.exists:
        record = t(lang, "outbox.record_gone", ref=about.ref)
    elif about.ref:
        record = about.ref
    else:
        return ""
    return t(lang, "outbox.about_record", record=record)


def _fix_unbuildable(lang: str, about: _About) -> str:
    if about.command:
        return t(lang, "outbox.fix_unbuildable", command=about.command, record=about.ref)
    if about.ref and not about.exists:
        return t(lang, "outbox.fix_unbuildable_gone")
    return t(lang, "outbox.fix_unbuildable_other")


def _where(lang: str, failed: Failed) -> str:
    if failed.to_address:
        return t(lang, "outbox.where_address", address=failed.target)
    if failed.to_user:
        return t(lang, "outbox.where_user", user=failed.target)
    return t(lang, "outbox.where_channel", channel=failed.target)


def _fix(lang: str, fault: Fault, to_user: bool, attempts: int, gave_up: bool) -> str:
    if gave_up:
        return t(lang, "outbox.fix_gave_up", attempts=attempts)
    if fault in ("user", "dm_refused") or (to_user and fault == "channel"):
        return t(lang, "outbox.fix_user")
    if fault == "channel":
        return t(lang, "outbox.fix_channel")
    if fault == "archived":
        return t(lang, "outbox.fix_archived")
    return t(lang, "outbox.fix_message")


@dataclass(frozen=True)
class Alerts:
    """Who is told of a failure, in which language by default, and on which day it counts."""

    coordinators: Sequence[str]
    lang: str
    tz: tzinfo  # the day an alert is deduplicated on

    def _lang(self, session: Session, user: str) -> str:
        return common.user_language(session, user) or self.lang

    def _alert(
        self, session: Session, failed: Failed, *, text_of: Callable[[str], str], key: str,
        error: str, now: datetime,
    ) -> None:  # fmt: skip
        """One alert to each coordinator (``text_of(lang)``), once per ``key`` and day."""
        day = now.astimezone(self.tz).date().isoformat()
        for coordinator in self.coordinators:
            found = enqueue(
                session, kind="alert", text=text_of(self._lang(session, coordinator)),
                user=coordinator, due_at=now, dedupe_key=f"{key}:{day}:{coordinator}"[:200],
                extra={"failed": failed.row.id, "error": error, "target": failed.target},
            )  # fmt: skip
            if found is not None:
                log.info("outbox #%d: alert queued for coordinator %s", failed.row.id, coordinator)

    def unbuildable(self, session: Session, failed: Failed, reason: str, now: datetime) -> None:
        """Tell of a message that cannot be put together: which message, for which record, and
        what to do; the coordinators once a day per kind and record."""
        row = failed.row
        about = _about(session, row)
        row.last_error = f"{UNBUILDABLE}: {about.ref or row.kind}: {reason}"[:500]
        log.error("outbox #%d (%s) failed for good: %s", row.id, row.kind, row.last_error)
        if row.kind == "alert":
            return  # an alert about an alert would loop; failed() still lists it
        fallback = failed.payload.get("fallback_user")
        if fallback and fallback not in self.coordinators:
            # the person who asked for it was told it was coming
            lang = self._lang(session, fallback)
            enqueue(
                session, kind="fallback", user=fallback, due_at=now,
                text=t(lang, "outbox.unbuildable_note", about=_about_words(lang, about),
                       where=_where(lang, failed)),
                dedupe_key=f"fallback:{row.id}", extra={"failed": row.id, "kind": row.kind},
            )  # fmt: skip
        if not self.coordinators:
            log.warning("outbox #%d cannot be built and no coordinator is configured", row.id)
        self._alert(
            session, failed, now=now, key=f"alert:{UNBUILDABLE}:{row.kind}:{about.ref}",
            error=row.last_error,
            text_of=lambda lang: t(
                lang, "outbox.alert_unbuildable", about=_about_words(lang, about),
                where=_where(lang, failed), kind=row.kind, error=reason,
                fix=_fix_unbuildable(lang, about),
            ),
        )  # fmt: skip

    def failed(
        self, session: Session, failed: Failed, *, fault: Fault, gave_up: bool, now: datetime,
        team: str | None = None,
    ) -> None:  # fmt: skip
        """Hand a message that failed for good to its department's channel (a DM Slack refused
        for a user of ``team``), to its fallback user, or tell the coordinators."""
        row, payload = failed.row, failed.payload
        error = row.last_error or "unknown_error"
        if fault == "dm_refused" and self._to_department(session, failed, team, now):
            return
        fallback = payload.get("fallback_user")
        if fallback:
            self._fallback(session, failed, fallback, error, now)
            return
        if row.kind == "alert":
            return  # an alert about an alert would loop; failed() still lists it
        if not self.coordinators:
            log.warning(
                "outbox #%d to %s failed (%s) and no coordinator is configured to tell",
                row.id, failed.target, error,
            )  # fmt: skip
            return
        code = error.split(":", 1)[0]
        self._alert(
            session, failed, now=now, key=f"alert:{failed.target}:{code}", error=error,
            text_of=lambda lang: t(
                lang, "outbox.alert_mail" if failed.to_address else "outbox.alert",
                where=_where(lang, failed), error=error,
                fix=t(lang, "outbox.fix_address") if failed.to_address and not gave_up
                else _fix(lang, fault, failed.to_user, row.attempts, gave_up),
                # an e-mail by its subject: its body may hold a one-click link, for its reader only
                excerpt=excerpt(
                    str(payload.get("text") or "").split("\n", 1)[0]
                    if failed.to_address
                    else str(payload.get("text") or "")
                ),
            ),
        )  # fmt: skip

    def _to_department(
        self, session: Session, failed: Failed, team: str | None, now: datetime
    ) -> bool:
        """A refused DM to a partner agency's user, posted in their department's channel with
        a mention of them instead (once: the row's own key); False when the DM names no channel
        for the user's team. If that post fails too, the coordinators hear of it as of any."""
        row, payload = failed.row, failed.payload
        reach = (payload.get("extra") or {}).get(DM_FALLBACK) or {}
        found = reach.get(team) if team and isinstance(reach, dict) else None
        if not failed.to_user or not isinstance(found, list) or len(found) != 2:
            return False
        code, channel = str(found[0]), str(found[1])
        lang = self._lang(session, failed.target)
        note = t(lang, "connect.dm_refused", user=failed.target, code=code)
        blocks = payload.get("blocks")
        if blocks and len(blocks) < MAX_BLOCKS:
            blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}, *blocks]
        enqueue(
            session, kind="fallback", text=f"{note}\n\n{payload.get('text') or ''}",
            blocks=blocks or None, channel=channel, due_at=now, dedupe_key=f"dm-refused:{row.id}",
            ref_kind=row.ref_kind, ref_id=row.ref_id,
            extra={"failed": row.id, "kind": row.kind, "user": failed.target, "department": code},
        )  # fmt: skip
        log.info("outbox #%d: the refused DM goes to the %s channel instead", row.id, code)
        return True

    def _fallback(
        self, session: Session, failed: Failed, fallback: str, error: str, now: datetime
    ) -> None:
        row, payload = failed.row, failed.payload
        lang = self._lang(session, fallback)
        note = t(lang, "outbox.fallback_note", where=_where(lang, failed), error=error)
        if row.method == UPLOAD:
            # the file itself goes to the person instead, with a word on why
            enqueue(
                session, kind=row.kind, method=UPLOAD, text=note, user=fallback, due_at=now,
                dedupe_key=f"fallback:{row.id}", ref_kind=row.ref_kind, ref_id=row.ref_id,
                extra=payload.get("extra"),
            )  # fmt: skip
            log.info("outbox #%d: the file goes to %s by DM instead", row.id, fallback)
            return
        blocks = payload.get("blocks")
        if blocks and len(blocks) < MAX_BLOCKS:
            blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
            blocks += payload["blocks"]
        enqueue(
            session, kind="fallback", text=f"{note}\n\n{payload.get('text') or ''}",
            blocks=blocks, user=fallback, due_at=now, dedupe_key=f"fallback:{row.id}",
            ref_kind=row.ref_kind, ref_id=row.ref_id, extra={"failed": row.id, "kind": row.kind},
        )  # fmt: skip
        log.info("outbox #%d: fallback DM queued for %s", row.id, fallback)
