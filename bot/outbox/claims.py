"""A claim: the due rows a worker took, each composed now and checked into an Outgoing message.

A kind with a renderer is composed when it is claimed, so it shows its record as it is then; a
renderer that fails marks the row broken (it is never sent half composed), a database that fails
marks it unready (tried again later).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.outbox.queue import MAIL, UPDATE, UPLOAD, Renderer
from bot.outbox.transport import Attachment, Outgoing, reason, redact
from storage import hot
from storage import outbox as store
from storage.models import OutboxMessage

log = logging.getLogger("returbot.outbox")


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    method: str
    target: str
    payload: dict[str, Any]
    to_user: bool = False
    queued_at: datetime | None = None
    unsure_since: datetime | None = None  # an earlier attempt may have posted it
    broken: str = ""  # why the message could not be composed: it is not sent at all
    unready: str = ""  # the database failed while composing it: tried again later


def _marker(row: Claimed) -> dict[str, Any]:
    """What identifies a message as this outbox row's (the time tells databases apart)."""
    queued = row.queued_at.isoformat() if row.queued_at else ""
    return {"outbox_id": row.id, "queued_at": queued}


def outgoing(row: Claimed) -> Outgoing:
    """The message a claimed row makes; raises if its payload cannot make one."""
    payload = row.payload
    text = payload.get("text") or ""
    blocks = payload.get("blocks")
    if not isinstance(text, str):
        raise TypeError(f"the text is a {type(text).__name__}")
    if blocks is not None and not isinstance(blocks, list):
        raise TypeError(f"the blocks are a {type(blocks).__name__}")
    if row.method == UPDATE and not payload.get("ts"):
        raise ValueError("chat.update without the ts of the message")
    extra = payload.get("extra") or {}
    file = None
    if row.method == UPLOAD or (row.method == MAIL and extra.get("filename")):
        content, filename = extra.get("content"), extra.get("filename")
        if not isinstance(content, str) or not isinstance(filename, str) or not filename:
            raise ValueError("an upload without its file's name and content")
        title = str(extra.get("title") or filename)
        file = Attachment(content.encode("utf-8"), filename, title)
    return Outgoing(
        id=row.id, kind=row.kind, method=row.method, target=row.target, to_user=row.to_user,
        text=text, blocks=blocks, ts=str(payload["ts"]) if payload.get("ts") else None,
        file=file, marker=_marker(row), unsure_since=row.unsure_since,
        file_ids=tuple(str(f) for f in extra.get("file_ids") or []),
    )  # fmt: skip


class Redo(Exception):
    """A renderer met a database error in a claim made without savepoints: the claim's
    transaction is spoilt, and is to be rolled back and made again carefully."""


def _compose(
    session: Session, row: OutboxMessage, renderers: Mapping[str, Renderer], careful: bool
) -> tuple[dict[str, Any], str, str]:
    """The row's payload as its renderer composes it now; why it cannot be composed at
    all; why not now (the database failed, which another attempt may not meet). Careful, each
    renderer runs in a savepoint, so that a database error of one spoils nothing else; else
    such an error raises :class:`Redo` (a renderer's reads fail that way only when something
    is wrong, and two round trips a message are saved the rest of the time)."""
    payload = dict(row.payload)
    compose = renderers.get(row.kind)
    if compose is None:
        return payload, "", ""
    try:
        if careful:
            with session.begin_nested():
                text, blocks = compose(session, row)
        else:
            try:
                text, blocks = compose(session, row)
            except SQLAlchemyError as error:
                raise Redo from error
            except Exception as error:
                if hot.spoilt(session):  # a database error it caught spoilt it all the same
                    raise Redo from error
                raise
            if hot.spoilt(session):
                raise Redo
    except Redo:
        raise
    except (OperationalError, InterfaceError) as error:
        # its words hold SQL and its parameters: they stay in the log
        log.warning("outbox #%d: the database failed composing %s: %s", row.id, row.kind, error)
        return payload, "", f"database: {type(error).__name__}"
    except Exception as error:
        # a message half composed would say the wrong thing: none is sent, and the
        # coordinators are told which message and which record
        log.error(
            "outbox #%d: could not compose %s: %s",
            row.id,
            row.kind,
            redact("".join(traceback.format_exception(error)).rstrip()),
        )
        return payload, reason(error), ""
    payload["text"], payload["blocks"] = text, blocks
    return payload, "", ""


def claim(
    session: Session, *, now: datetime, worker: str, lease: timedelta, batch: int,
    renderers: Mapping[str, Renderer], careful: bool = True,
) -> list[Claimed]:  # fmt: skip
    """Up to ``batch`` due rows, leased to ``worker`` and composed (``careful``: as
    :func:`_compose` says)."""
    claimed = []
    for r in store.claim_due(session, now, worker, lease, batch):
        payload, broken, unready = _compose(session, r, renderers, careful)
        target = str(r.channel or r.user or r.address)
        claimed.append(
            Claimed(r.id, r.kind, r.method, target, payload, to_user=r.user is not None,
                    queued_at=r.created_at, unsure_since=r.unsure_since, broken=broken,
                    unready=unready)
        )  # fmt: skip
    return claimed
