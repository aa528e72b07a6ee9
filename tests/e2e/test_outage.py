"""PostgreSQL out of reach for a moment: users get a sentence within 3 s, nothing half-written,
and the bot recovers by itself when the database is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.context import ManualClock
from storage import db as storage_db
from storage.db import Database
from storage.models import Decision
from tests.e2e.conftest import running_bot
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.postgres


@contextmanager
def through_proxy(db: Database, why: str) -> Iterator[tuple[TcpProxy, Database]]:
    """``db`` reached through a TCP proxy that can cut the line (PostgreSQL only)."""
    if db.dialect != "postgresql":
        pytest.skip(why)
    url = make_url(db.url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = Database(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
        try:
            yield proxy, through
        finally:
            through.dispose()


def test_a_database_outage_is_a_sentence_and_recovers_by_itself(
    db: Database, clock: ManualClock, slack: FakeSlack
) -> None:
    with (
        through_proxy(db, "an outage of a database server") as (proxy, through),
        running_bot(through, clock, slack) as bot,
    ):
        assert "D-1" in bot.command("/decision", "Før bruddet dept:RMA").text
        proxy.cut()
        for command, text in [
            ("/decision", "Under bruddet dept:RMA"),
            ("/issue", "list"),
            ("/meeting", "list"),
        ]:
            started = time.monotonic()
            reply = bot.command(command, text)
            took = time.monotonic() - started
            assert reply.status == 200 and took < 3, (reply.status, took)
            assert reply.text == (
                "Databasen til returbot svarer ikke akkurat nå, så ingenting ble lagret. "
                "Prøv igjen om et minutt."
            )
        health = bot.get("/healthz")
        assert health.status == 503 and health.json["database"] == "unreachable"
        values = {"title": {"value": {"type": "plain_text_input", "value": "Skjema"}}}
        form = slackreq.view_submission_body(
            "decision_modal",
            values,
            user_id="UKARI",
            blocks=[{"type": "input", "block_id": "title"}],
        )
        submitted = bot.send(form)
        assert submitted.status == 200
        assert submitted.json["response_action"] == "errors"
        assert "svarer ikke" in submitted.json["errors"]["title"]

        proxy.restore()
        assert "D-2" in bot.command("/decision", "Etter bruddet dept:RMA").text
        assert bot.get("/healthz").status == 200
    with db.session() as session:
        titles = session.scalars(select(Decision.title).order_by(Decision.number)).all()
        assert titles == ["Før bruddet", "Etter bruddet"]
        assert session.scalar(select(func.count(Decision.id))) == 2


@pytest.mark.parametrize("idle", [True, False])
def test_a_connection_that_died_while_idle_is_replaced_not_used(
    db: Database, idle: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    with through_proxy(db, "a restart of a database server") as (proxy, through):
        with through.session() as session:
            assert session.scalar(select(1)) == 1
        proxy.cut()  # the pooled connection dies while nobody uses it
        proxy.restore()
        if idle:
            monkeypatch.setattr(storage_db, "PING_AFTER_IDLE", 0.2)
            time.sleep(0.3)
            with through.session() as session:  # pinged at checkout, replaced
                assert session.scalar(select(1)) == 1
        else:
            # used again at once, it is not pinged: that one use fails, and the pool
            # is renewed, so the next one works
            with pytest.raises(OperationalError), through.session() as session:
                session.scalar(select(1))
            with through.session() as session:
                assert session.scalar(select(1)) == 1


def test_slack_out_of_reach_before_the_first_command_is_a_sentence_not_an_error(
    db: Database, clock: ManualClock, slack: FakeSlack
) -> None:
    """Bolt asks auth.test before the first listener runs; when Slack fails it, the user gets
    the sentence of any passing fault in the org's language (not Bolt's English "reinstall this
    app"), and nothing is written."""
    slack.fail_next("auth.test", status=500)
    with running_bot(db, clock, slack) as bot:
        reply = bot.command("/decision", "Ingen Slack dept:RMA")
        assert reply.status == 200
        assert reply.text == (
            "Noe gikk galt hos returbot, og ingenting ble lagret. Prøv igjen om litt; "
            "feilen er logget."
        )
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Decision)) == 0
        # Slack is asked again on the next request, which goes through
        assert "D-1" in bot.command("/decision", "Slack er tilbake dept:RMA").text
