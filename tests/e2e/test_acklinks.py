"""One-click acknowledgement links (SPEC §9): one issue, one department, one address, 14 days,
once; only the token's hash is stored. The web pages that use them are tested in tests/web."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from bot import acklinks, issues
from bot.errors import UserError
from storage.models import ACKED_BY_LINK, AckLink, AuditEntry, IssueDepartment
from tests.e2e.conftest import Bot


def registered(bot: Bot) -> None:
    reply = bot.command("/issue", "Mangler tolk dept:RMA,PU")
    assert reply.in_channel, reply.text


def link_for(bot: Bot, code: str = "PU", address: str = "vakt@pu.no") -> str:
    with bot.db.session() as session:
        issue = issues.get(session, 1)
        token = acklinks.make(
            session, issue=issue, department=code, address=address, now=bot.clock.now()
        )
        session.commit()
    return token


def refused(bot: Bot, token: str) -> str:
    with bot.db.session() as session, pytest.raises(UserError) as caught:
        acklinks.acknowledge(session, org=bot.rt.org, token=token, now=bot.clock.now())
    return caught.value.key


def test_a_link_acknowledges_its_department_once_by_its_address(bot: Bot) -> None:
    registered(bot)
    token = link_for(bot)
    assert len(token) >= 43  # 256 bits, URL-safe
    with bot.db.session() as session:
        opened = acklinks.look_up(session, token=token, now=bot.clock.now())
        seen = (opened.issue.ref, opened.row.department, opened.acknowledged)
        assert seen == ("I-1", "PU", False)
        acklinks.acknowledge(session, org=bot.rt.org, token=token, now=bot.clock.now())
        session.commit()
    with bot.db.session() as session:
        rows = {r.department: r for r in session.scalars(select(IssueDepartment))}
        assert (rows["PU"].acked_by, rows["PU"].acked_address) == (ACKED_BY_LINK, "vakt@pu.no")
        assert rows["RMA"].acked_at is None  # only the link's department
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "acknowledged")).one()
        assert entry.changes == {"department": "PU", "by_email": "vakt@pu.no"}
    assert refused(bot, token) == "ack.used"
    shown = json.dumps(bot.command("/issue", "show I-1").json["blocks"], ensure_ascii=False)
    assert "✅ PU — vakt@pu.no (på e-post)" in shown and "<@link>" not in shown


def test_only_the_hash_of_a_token_is_stored(bot: Bot) -> None:
    registered(bot)
    token = link_for(bot)
    with bot.db.session() as session:
        stored = session.scalars(select(AckLink)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (stored.token_hash, stored.address)


def test_an_expired_unknown_or_mangled_link_is_refused_with_a_sentence(bot: Bot) -> None:
    registered(bot)
    token = link_for(bot)
    for wrong in ("", "x", token[:-1], token + "A", "A" * 500):
        assert refused(bot, wrong) == "ack.unknown"
    bot.clock.advance(days=14)
    assert refused(bot, token) == "ack.expired"
    with bot.db.session() as session:
        assert session.scalars(select(IssueDepartment)).all()[0].acked_at is None


def test_a_link_for_a_department_that_acknowledged_in_slack_is_used_up_quietly(bot: Bot) -> None:
    registered(bot)
    token = link_for(bot)
    reply = bot.command("/issue", "ack I-1 dept:PU", user="UCOORD")
    assert reply.in_channel, reply.text
    with bot.db.session() as session:
        opened = acklinks.acknowledge(session, org=bot.rt.org, token=token, now=bot.clock.now())
        assert opened.acknowledged and opened.row.acked_by == "UCOORD"
        session.commit()
    assert refused(bot, token) == "ack.used"
