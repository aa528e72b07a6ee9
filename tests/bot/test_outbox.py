"""The outbox against a real database and the real WebClient talking to a local fake Slack."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot import outbox, status
from bot.automation import meeting_reminders
from bot.context import ManualClock
from bot.outbox import Dispatcher, DispatchReport
from bot.runtime import Runtime
from handlers.slack_transport import METADATA_TYPE, SlackTransport
from mail import Unconfigured
from returbot.clock import start_dispatch_threads
from storage import common
from storage import outbox as store
from storage.db import Database
from storage.models import Meeting, OutboxMessage
from tests.conftest import make_settings
from tests.support.fakeslack import FakeSlack

TOKEN = "xoxb-test-token"
COORDINATORS = ("UCOORD1", "UCOORD2")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    # the SDK's own defaults (one quick retry on a dropped connection), with a short time-out
    return WebClient(token=TOKEN, base_url=slack.url, timeout=1)


TEST_RENDERERS = outbox.Renderers()


def make_dispatcher(
    db: Database, client: WebClient, clock: ManualClock, **kwargs: Any
) -> Dispatcher:
    kwargs.setdefault("coordinators", COORDINATORS)
    kwargs.setdefault("lang", "en")
    kwargs.setdefault("worker", "worker-1")
    kwargs.setdefault("renderers", TEST_RENDERERS)
    kwargs.setdefault("hooks", TEST_HOOKS)
    transports = {outbox.SLACK: SlackTransport(client), outbox.EMAIL: Unconfigured()}
    return Dispatcher(db=db, transports=transports, clock=clock, **kwargs)


@pytest.fixture
def dispatcher(db: Database, client: WebClient, clock: ManualClock) -> Dispatcher:
    return make_dispatcher(db, client, clock)


def queue(db: Database, clock: ManualClock, **fields: Any) -> int | None:
    fields.setdefault("kind", "notice")
    fields.setdefault("text", "Hello network")
    fields.setdefault("due_at", clock.now())
    if "user" not in fields:
        fields.setdefault("channel", "CNET")
    with db.session() as session:
        row = outbox.enqueue(session, **fields)
        session.flush()
        return row.id if row else None


def get(db: Database, row_id: int) -> OutboxMessage:
    with db.session() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def texts(slack: FakeSlack, channel: str) -> list[str]:
    return [str(m.get("text")) for m in slack.posted(channel)]


def pending(db: Database) -> int:
    with db.session() as session:
        query = select(func.count()).where(OutboxMessage.status == "pending")
        return int(session.scalar(query) or 0)


def drain(dispatcher: Dispatcher, clock: ManualClock, rounds: int = 20) -> None:
    """Run the dispatcher, moving the clock past every backoff, until nothing is left to do."""
    for _ in range(rounds):
        dispatcher.run_once()
        clock.advance(minutes=6)


def test_due_rows_go_out_once_and_later_rows_wait(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    now_id = queue(db, clock, text="Due now")
    later_id = queue(db, clock, text="Due later", due_at=clock.now() + timedelta(minutes=10))
    assert dispatcher.run_once() == DispatchReport(sent=1)
    assert texts(slack, "CNET") == ["Due now"]
    for _ in range(3):
        assert dispatcher.run_once() == DispatchReport()
    clock.advance(minutes=10)
    assert dispatcher.run_once().sent == 1
    dispatcher.run_once()
    assert texts(slack, "CNET") == ["Due now", "Due later"]
    assert now_id is not None and later_id is not None
    sent = get(db, now_id)
    assert sent.status == "sent" and sent.sent_at is not None and sent.result_ts
    assert sent.claimed_by is None
    call = slack.calls_to("chat.postMessage")[0].params
    assert call.get("unfurl_links") is False
    assert "link_names" not in call
    with db.session() as session:
        assert store.pending_count(session) == 0
        assert store.last_sent_at(session) == clock.now()


def test_a_dm_is_sent_to_the_user_id(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, user="UKARI", text="Your status, please", blocks=[])
    assert dispatcher.run_once().sent == 1
    (call,) = slack.calls_to("chat.postMessage")
    assert call.params["channel"] == "UKARI"
    assert row_id is not None and get(db, row_id).result_channel == "DKARI"  # the IM Slack opened


def test_blocks_and_chat_update(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*M-1* moved"}}]
    queue(db, clock, text="M-1 moved", blocks=blocks)
    dispatcher.run_once()
    (posted,) = slack.posted("CNET")
    assert posted["blocks"] == blocks
    queue(db, clock, method="chat.update", ts="1700000000.000100", text="M-1 cancelled")
    assert dispatcher.run_once().sent == 1
    (call,) = slack.calls_to("chat.update")
    update = call.params
    assert update["ts"] == "1700000000.000100" and update["text"] == "M-1 cancelled"
    assert "unfurl_links" not in update


def test_enqueue_refuses_an_unclear_target(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        queue(db, clock, channel="C1", user="U1")
    with pytest.raises(ValueError, match=r"chat\.update"):
        queue(db, clock, method="chat.update")
    with db.session() as session:
        assert store.pending_count(session) == 0


def test_a_dedupe_key_queues_one_message(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    assert queue(db, clock, dedupe_key="digest:2026-W48") is not None
    assert queue(db, clock, dedupe_key="digest:2026-W48") is None
    with db.session() as session:
        first = outbox.enqueue(
            session, kind="x", text="a", channel="C1", due_at=clock.now(), dedupe_key="k"
        )
        again = outbox.enqueue(
            session, kind="x", text="a", channel="C1", due_at=clock.now(), dedupe_key="k"
        )
        assert first is not None and again is None
        assert store.exists_key(session, "k") and not store.exists_key(session, "other")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    dispatcher.run_once()
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_concurrent_dispatchers_send_each_row_exactly_once(
    db: Database, slack: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    for n in range(40):
        queue(db, clock, text=f"message {n}", channel=f"C{n % 4}")
    other = Database(db.url)  # a second process: its own engine and connections
    try:
        dispatchers = [
            make_dispatcher(db, client, clock, worker="proc-a", batch=3),
            make_dispatcher(other, client, clock, worker="proc-b", batch=3),
        ]
        errors: list[BaseException] = []

        def work(d: Dispatcher) -> None:
            try:
                idle = 0
                while idle < 3:
                    idle = idle + 1 if d.run_once().handled == 0 else 0
            except BaseException as error:  # surfaced in the main thread below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers for _ in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
    finally:
        other.dispose()
    sent = Counter(str(params["text"]) for params in slack.posted())
    assert sent == Counter({f"message {n}": 1 for n in range(40)})
    with db.session() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
        assert set(statuses) == {"sent"}


def test_rate_limit_waits_for_retry_after(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, text="Reminder")
    assert row_id is not None
    slack.fail_next("chat.postMessage", status=429, retry_after=30)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    row = get(db, row_id)
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert row.claimed_by is None
    clock.advance(seconds=29)
    assert dispatcher.run_once() == DispatchReport()
    clock.advance(seconds=2)
    assert dispatcher.run_once() == DispatchReport(sent=1)
    drain(dispatcher, clock, rounds=3)
    assert texts(slack, "CNET") == ["Reminder"]


def test_server_errors_are_retried_with_backoff(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, text="Agenda")
    assert row_id is not None
    slack.fail_next("chat.postMessage", status=500, times=2)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    first = get(db, row_id)
    assert first.last_error is not None and first.last_error.startswith("http_500")
    assert timedelta(0) < first.next_attempt_at - clock.now() <= timedelta(seconds=1)
    clock.advance(seconds=1)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    second = get(db, row_id)
    assert timedelta(seconds=1) <= second.next_attempt_at - clock.now() <= timedelta(seconds=2)
    drain(dispatcher, clock, rounds=3)
    assert texts(slack, "CNET") == ["Agenda"]
    assert get(db, row_id).attempts == 2


def test_a_dropped_connection_is_retried(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, text="Still here")
    assert row_id is not None
    slack.fail_next("chat.postMessage", reset_connection=True)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    # no quick retry by the SDK on the dispatcher's behalf: it would not look first
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert get(db, row_id).unsure_since == clock.now()
    drain(dispatcher, clock, rounds=3)
    assert texts(slack, "CNET") == ["Still here"]
    assert len(slack.calls_to("conversations.history")) == 1  # looked, found nothing, posted


def test_a_time_out_is_retried(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, text="Slow Slack")
    assert row_id is not None
    slack.fail_next("chat.postMessage", status=500, delay=2.5)  # the client gives up after 1 s
    assert dispatcher.run_once() == DispatchReport(retried=1)
    assert get(db, row_id).last_error == "timeout"
    drain(dispatcher, clock, rounds=3)
    assert texts(slack, "CNET") == ["Slow Slack"]


@pytest.fixture
def real_clock() -> ManualClock:
    # Slack's ts is the real time of posting, so the look-back starts from the real time too
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


def test_a_time_out_after_slack_posted_is_not_posted_twice(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    row_id = queue(db, real_clock, text="Once only")
    assert row_id is not None
    slack.fail_next("chat.postMessage", delay=1.5)  # Slack posts it; the answer comes too late
    assert dispatcher.run_once() == DispatchReport(retried=1)
    assert get(db, row_id).last_error == "timeout"
    slack.wait_for("chat.postMessage")
    slack.wait_idle()  # the slow answer has now been given, to nobody
    (posted,) = slack.posted("CNET")
    drain(dispatcher, real_clock, rounds=3)
    assert texts(slack, "CNET") == ["Once only"]
    assert len(slack.calls_to("chat.postMessage")) == 1
    row = get(db, row_id)
    assert row.status == "sent" and row.result_ts == posted.get("_ts")
    assert row.result_channel == "CNET"


def test_a_direct_message_that_timed_out_is_looked_for_in_the_dm(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    row_id = queue(db, real_clock, text="Your issue", user="UKARI")
    assert row_id is not None
    slack.fail_next("chat.postMessage", delay=1.5)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    slack.wait_for("chat.postMessage")
    slack.wait_idle()  # Slack has posted it, after the client gave up
    drain(dispatcher, real_clock, rounds=3)
    assert texts(slack, "UKARI") == ["Your issue"]
    (opened,) = slack.calls_to("conversations.open")
    (looked,) = slack.calls_to("conversations.history")
    assert opened.params["users"] == "UKARI" and looked.params["channel"] == "DKARI"
    assert get(db, row_id).status == "sent"


def test_a_5xx_that_posted_nothing_is_posted_after_looking(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    queue(db, real_clock, text="After a 502")
    slack.fail_next("chat.postMessage", status=502)
    drain(dispatcher, real_clock, rounds=3)
    assert texts(slack, "CNET") == ["After a 502"]
    assert len(slack.calls_to("conversations.history")) == 1


def test_a_429_while_looking_keeps_looking_before_posting(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    row_id = queue(db, real_clock, text="Patient")
    assert row_id is not None
    slack.fail_next("chat.postMessage", delay=1.5)
    slack.fail_next("conversations.history", status=429, retry_after=3)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    slack.wait_for("chat.postMessage")
    slack.wait_idle()  # Slack has posted it, after the client gave up
    real_clock.advance(minutes=6)
    assert dispatcher.run_once() == DispatchReport(retried=1)  # the look was rate limited
    row = get(db, row_id)
    assert row.status == "pending" and row.last_error == "ratelimited"
    assert row.unsure_since is not None
    drain(dispatcher, real_clock, rounds=2)
    assert texts(slack, "CNET") == ["Patient"]
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_without_the_history_scope_the_message_is_sent_again_rather_than_held(
    db: Database,
    slack: FakeSlack,
    client: WebClient,
    real_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    queue(db, real_clock, text="Unsure")
    slack.fail_next("chat.postMessage", status=500)
    slack.fail_next("conversations.history", error="missing_scope")
    drain(dispatcher, real_clock, rounds=3)
    assert texts(slack, "CNET") == ["Unsure"]
    assert "could not look for an unanswered attempt (missing_scope)" in caplog.text


def test_after_a_slow_answer_the_rest_of_the_batch_goes_to_other_workers(
    db: Database, slack: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    slow = make_dispatcher(db, client, clock, slow_call=0.3, worker="slow")
    other = make_dispatcher(db, client, clock, worker="other")
    ids = [queue(db, clock, text=f"Message {n}") for n in range(3)]
    slack.fail_next("chat.postMessage", delay=0.5)  # answered, but slowly
    assert slow.run_once() == DispatchReport(sent=1, deferred=2)
    assert [get(db, row_id or 0).claimed_by for row_id in ids[1:]] == [None, None]
    assert other.run_once() == DispatchReport(sent=2)
    assert texts(slack, "CNET") == ["Message 0", "Message 1", "Message 2"]


def test_a_slow_answer_holds_up_only_its_own_message(
    db: Database, slack: FakeSlack, clock: ManualClock
) -> None:
    patient = WebClient(token=TOKEN, base_url=slack.url, timeout=10)
    dispatcher = make_dispatcher(db, patient, clock, slow_call=5)
    for n in range(3):
        queue(db, clock, text=f"Message {n}")
    slack.fail_next("chat.postMessage", delay=3)  # the first one Slack gets is answered in 3 s
    stop = threading.Event()
    threads = start_dispatch_threads(dispatcher, stop, interval=60, workers=2)
    try:
        dispatcher.wake()
        # the other worker sends the other two while the slow one waits for its answer
        deadline = time.monotonic() + 2
        while len(slack.posted()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(slack.posted()) == 2
        deadline = time.monotonic() + 5
        while pending(db) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        dispatcher.wake()
        dispatcher.wake()
        for thread in threads:
            thread.join(timeout=10)
    assert sorted(texts(slack, "CNET")) == ["Message 0", "Message 1", "Message 2"]
    assert pending(db) == 0


def test_giving_up_after_max_attempts_tells_the_coordinators(
    db: Database, slack: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, clock, max_attempts=3)
    row_id = queue(db, clock, text="Never arrives")
    assert row_id is not None
    slack.fail_next("chat.postMessage", status=503, times=3)
    drain(dispatcher, clock, rounds=6)
    row = get(db, row_id)
    assert row.status == "failed" and row.attempts == 3
    assert texts(slack, "CNET") == []
    for coordinator in COORDINATORS:
        (alert,) = texts(slack, coordinator)
        assert "3 attempts" in alert and "<#CNET>" in alert and "Never arrives" in alert


def test_a_channel_refusal_fails_and_alerts_each_coordinator_once(
    db: Database,
    slack: FakeSlack,
    dispatcher: Dispatcher,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    slack.fail_channel("CGONE", "channel_not_found")
    ids = [queue(db, clock, text=f"Reminder {n}", channel="CGONE") or 0 for n in range(5)]
    assert dispatcher.run_once() == DispatchReport(failed=5)
    assert dispatcher.run_once() == DispatchReport(sent=2)  # the alerts
    drain(dispatcher, clock, rounds=2)
    for row_id in ids:
        row = get(db, row_id)
        assert row.status == "failed" and row.last_error == "channel_not_found"
    for coordinator in COORDINATORS:
        (alert,) = texts(slack, coordinator)
        assert "<#CGONE>" in alert and "channel_not_found" in alert
        assert "/invite @returbot" in alert and "/returbot channel" in alert
    with db.session() as session:
        listed = store.failed(session)
        assert [r.id for r in listed] == sorted(ids, reverse=True)
    # another failure the same day for the same channel does not alert again
    queue(db, clock, text="Reminder 6", channel="CGONE")
    clock.advance(hours=1)
    drain(dispatcher, clock, rounds=2)
    assert all(len(texts(slack, c)) == 1 for c in COORDINATORS)
    assert TOKEN not in caplog.text


def test_the_alert_is_in_the_organisation_language_unless_the_coordinator_chose(
    db: Database, slack: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    with db.session() as session:
        common.set_user_language(session, "UCOORD2", "en")
    dispatcher = make_dispatcher(db, client, clock, lang="nb")
    slack.fail_channel("CARCH", "is_archived")
    queue(db, clock, text="Til arkivet", channel="CARCH")
    drain(dispatcher, clock, rounds=2)
    (nb,) = texts(slack, "UCOORD1")
    (en,) = texts(slack, "UCOORD2")
    assert "Kanalen er arkivert" in nb and "<#CARCH>" in nb
    assert "The channel is archived" in en and "<#CARCH>" in en


def test_a_fallback_user_gets_the_message_instead(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    slack.fail_channel("CPRIV", "not_in_channel")
    row_id = queue(
        db, clock, kind="confirmation", text="D-7 logged", channel="CPRIV", fallback_user="UKARI"
    )
    assert dispatcher.run_once() == DispatchReport(failed=1)
    assert dispatcher.run_once() == DispatchReport(sent=1)
    (dm,) = texts(slack, "UKARI")
    assert "D-7 logged" in dm and "<#CPRIV>" in dm
    assert all(texts(slack, c) == [] for c in COORDINATORS)
    assert row_id is not None and get(db, row_id).status == "failed"


def test_a_refused_alert_does_not_raise_another_alert(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    slack.fail_channel("CGONE", "channel_not_found")
    slack.fail_channel("UCOORD1", "user_not_found")
    queue(db, clock, text="Lost", channel="CGONE")
    drain(dispatcher, clock, rounds=4)
    assert len(texts(slack, "UCOORD2")) == 1
    with db.session() as session:
        kinds = sorted(r.kind for r in store.failed(session))
        assert kinds == ["alert", "notice"]


def test_without_coordinators_a_refusal_is_logged(
    db: Database,
    slack: FakeSlack,
    client: WebClient,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = make_dispatcher(db, client, clock, coordinators=())
    slack.fail_channel("CGONE", "not_in_channel")
    queue(db, clock, text="Lost", channel="CGONE")
    with caplog.at_level(logging.INFO, logger="returbot.outbox"):
        assert dispatcher.run_once() == DispatchReport(failed=1)
    assert "no coordinator" in caplog.text and TOKEN not in caplog.text
    assert dispatcher.run_once() == DispatchReport()
    with db.session() as session:
        assert [r.last_error for r in store.failed(session)] == ["not_in_channel"]


def test_a_claim_of_a_dead_dispatcher_expires(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, text="Orphan")
    with db.session() as session:  # a process that claims and then dies
        claimed = store.claim_due(session, clock.now(), "dead", timedelta(seconds=60), 10)
        assert [r.id for r in claimed] == [row_id]
    assert dispatcher.run_once() == DispatchReport()
    clock.advance(seconds=59)
    assert dispatcher.run_once() == DispatchReport()
    clock.advance(seconds=2)
    assert dispatcher.run_once() == DispatchReport(sent=1)
    drain(dispatcher, clock, rounds=3)
    assert texts(slack, "CNET") == ["Orphan"]


def test_a_dead_dispatcher_that_had_posted_is_not_posted_after(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    row_id = queue(db, real_clock, text="Posted, then the process died")
    with db.session() as session:  # a process claims the row, posts it and dies
        (claimed,) = store.claim_due(session, real_clock.now(), "dead", timedelta(seconds=60), 10)
        marker = {"outbox_id": row_id, "queued_at": claimed.created_at.isoformat()}
    posted = client.chat_postMessage(
        channel="CNET",
        text="Posted, then the process died",
        metadata={"event_type": METADATA_TYPE, "event_payload": marker},
    )
    real_clock.advance(seconds=61)
    assert make_dispatcher(db, client, real_clock).run_once() == DispatchReport(sent=1)
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("conversations.history")) == 1
    row = get(db, row_id)
    assert row.status == "sent" and row.result_ts == posted["ts"]


def queue_upload(db: Database, clock: ManualClock, **fields: Any) -> int:
    extra = {"filename": "M-1.ics", "content": "BEGIN:VCALENDAR", "title": "M-1"}
    row_id = queue(db, clock, kind="ics", method=outbox.UPLOAD, text="Kalender", extra=extra)
    assert row_id is not None
    return row_id


def shared(slack: FakeSlack) -> list[str]:
    """IDs of the files shared by completed uploads."""
    calls = slack.calls_to("files.completeUploadExternal")
    return [f["id"] for c in calls if c.params.get("_ok") for f in c.params["files"]]


def test_an_upload_whose_answer_was_lost_is_not_shared_twice(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    row_id = queue_upload(db, real_clock)
    slack.fail_next("files.completeUploadExternal", reset_connection=True, after=True)
    assert dispatcher.run_once() == DispatchReport(retried=1)
    drain(dispatcher, real_clock, rounds=3)
    (file_id,) = shared(slack)
    assert len(slack.calls_to("files.getUploadURLExternal")) == 1
    assert slack.uploads[file_id] == b"BEGIN:VCALENDAR"
    row = get(db, row_id)
    assert row.status == "sent" and row.payload["extra"]["file_ids"] == [file_id]


def test_an_upload_that_failed_before_it_was_shared_is_uploaded_again(
    db: Database, slack: FakeSlack, client: WebClient, real_clock: ManualClock
) -> None:
    dispatcher = make_dispatcher(db, client, real_clock)
    row_id = queue_upload(db, real_clock)
    slack.fail_next("files.completeUploadExternal", status=500)
    drain(dispatcher, real_clock, rounds=3)
    (file_id,) = shared(slack)
    assert len(slack.calls_to("files.getUploadURLExternal")) == 2
    assert len(slack.calls_to("conversations.history")) == 1
    row = get(db, row_id)
    assert row.status == "sent" and row.payload["extra"]["file_ids"][-1] == file_id


def test_a_queued_message_survives_a_restart(
    db: Database, slack: FakeSlack, client: WebClient, clock: ManualClock
) -> None:
    queue(db, clock, text="Before the restart", due_at=clock.now() + timedelta(minutes=5))
    db.dispose()
    restarted = Database(db.url)
    try:
        clock.advance(minutes=5)
        assert make_dispatcher(restarted, client, clock).run_once().sent == 1
    finally:
        restarted.dispose()
    assert texts(slack, "CNET") == ["Before the restart"]


def test_cancel_for_removes_only_the_kinds_asked(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    later = clock.now() + timedelta(hours=1)
    queue(db, clock, kind="reminder", text="r1", ref_kind="meeting", ref_id=1, due_at=later)
    queue(db, clock, kind="agenda", text="a1", ref_kind="meeting", ref_id=1, due_at=later)
    queue(db, clock, kind="reminder", text="r2", ref_kind="meeting", ref_id=2, due_at=later)
    with db.session() as session:
        assert store.cancel_for(session, "meeting", 1, kinds=["reminder"]) == 1
        assert store.pending_count(session) == 2
    clock.advance(hours=1)
    dispatcher.run_once()
    assert sorted(texts(slack, "CNET")) == ["a1", "r2"]
    with db.session() as session:
        assert store.cancel_for(session, "meeting", 1) == 0  # nothing pending is left


def _remember_ts(session: Any, row: OutboxMessage) -> None:
    common.set_value(session, f"notice:{row.id}", f"{row.result_channel}/{row.result_ts}")


def _broken(session: Any, row: OutboxMessage) -> None:
    common.set_value(session, f"broken:{row.id}", "half done")
    raise RuntimeError("hook bug")


TEST_HOOKS = {"test-hook": [_remember_ts], "test-broken-hook": [_broken]}


def test_on_sent_hooks_write_in_the_same_transaction(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue(db, clock, kind="test-hook", text="Notice")
    broken_id = queue(db, clock, kind="test-broken-hook", text="Other notice")
    assert dispatcher.run_once() == DispatchReport(sent=2)
    assert row_id is not None and broken_id is not None
    row = get(db, row_id)
    with db.session() as session:
        assert common.get_value(session, f"notice:{row_id}") == (
            f"{row.result_channel}/{row.result_ts}"
        )
        # a failing hook is undone, but the message still counts as sent: never sent twice
        assert common.get_value(session, f"broken:{broken_id}") is None
    assert get(db, broken_id).status == "sent"
    drain(dispatcher, clock, rounds=2)
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_the_loop_survives_an_unexpected_error(
    db: Database,
    slack: FakeSlack,
    client: WebClient,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Flaky(Dispatcher):
        calls = 0

        def run_once(self) -> DispatchReport:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise RuntimeError(f"database went away with {TOKEN}")
            return super().run_once()

    transports = {outbox.SLACK: SlackTransport(client), outbox.EMAIL: Unconfigured()}
    dispatcher = Flaky(db=db, transports=transports, clock=clock, coordinators=(), lang="en")
    queue(db, clock, text="After the hiccup")
    stop = threading.Event()
    thread = threading.Thread(target=dispatcher.loop, args=(stop, 0.05))
    with caplog.at_level(logging.ERROR, logger="returbot.outbox"):
        thread.start()
        try:
            for _ in range(100):
                if texts(slack, "CNET"):
                    break
                threading.Event().wait(0.05)
        finally:
            stop.set()
            thread.join(timeout=5)
    assert texts(slack, "CNET") == ["After the hiccup"]
    assert "outbox run failed" in caplog.text and TOKEN not in caplog.text


# A message that cannot be put together: failed for good at once, reported, never dropped.


def _real_renderers(db: Database, clock: ManualClock, slack: FakeSlack) -> Dispatcher:
    """A dispatcher with the meeting renderers the processes use."""
    from handlers import meetings as meeting_handlers

    rt = Runtime(settings=make_settings(api_url=slack.url), db=db, clock=clock)
    client = WebClient(token=TOKEN, base_url=slack.url, timeout=1)
    return make_dispatcher(db, client, clock, renderers=meeting_handlers.renderers(rt))


def _failures(db: Database) -> list[str]:
    with db.session() as session:
        return [f.error for f in status.read(session).failures]


def test_a_message_whose_record_is_gone_fails_once_and_tells_the_coordinators(
    db: Database, slack: FakeSlack, clock: ManualClock
) -> None:
    dispatcher = _real_renderers(db, clock, slack)
    reminder = {
        "kind": meeting_reminders.REMINDER, "text": "M-1", "ref_kind": "meeting",
        "ref_id": 4242, "extra": {"offset": 3600},
    }  # fmt: skip
    gone = queue(db, clock, **reminder)
    queue(db, clock, text="An ordinary notice")
    # before: the queued "M-1" went out as the reminder, and nobody heard of the fault
    assert dispatcher.run_once() == DispatchReport(sent=1, failed=1)
    assert texts(slack, "CNET") == ["An ordinary notice"]
    assert gone is not None
    row = get(db, gone)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "cannot_build: meeting #4242: LookupError: meeting #4242 is gone"
    assert dispatcher.run_once() == DispatchReport(sent=2)  # one alert to each coordinator
    for coordinator in COORDINATORS:
        (alert,) = texts(slack, coordinator)
        assert "`meeting_reminder`" in alert and "<#CNET>" in alert
        assert "no longer in the database (meeting #4242)" in alert
        assert "LookupError: meeting #4242 is gone" in alert and "/returbot status" in alert
    # another message about the same record the same day: failed and listed, not alerted again
    queue(db, clock, **reminder)
    drain(dispatcher, clock, rounds=3)
    assert all(len(texts(slack, c)) == 1 for c in COORDINATORS)
    assert texts(slack, "CNET") == ["An ordinary notice"]  # never tried, let alone retried
    assert _failures(db) == [row.last_error, row.last_error]


@TEST_RENDERERS.add("test-broken-renderer")
def _broken_renderer(session: Any, row: OutboxMessage) -> tuple[str, None]:
    raise ValueError(f"no view for <!channel> `{TOKEN}`")


def test_a_broken_renderer_names_the_record_and_the_command_that_shows_it(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    with db.session() as session:
        meeting = Meeting(
            number=7, series_key="network", title="Nettverksmøte", starts_at=clock.now(),
            ends_at=clock.now() + timedelta(hours=2), created_by="UCOORD1",
        )  # fmt: skip
        session.add(meeting)
        session.flush()
        meeting_id = meeting.id
    queue(
        db, clock, kind="test-broken-renderer", text="Queued text", channel="CPRIV",
        fallback_user="UKARI", ref_kind="meeting", ref_id=meeting_id,
    )  # fmt: skip
    assert dispatcher.run_once() == DispatchReport(failed=1)
    assert dispatcher.run_once() == DispatchReport(sent=3)  # the asker and two coordinators
    assert texts(slack, "CPRIV") == []
    (note,) = texts(slack, "UKARI")  # told the file or notice they were promised is not coming
    assert "*M-7*" in note and "<#CPRIV>" in note and "coordinators have been told" in note
    for coordinator in COORDINATORS:
        (alert,) = texts(slack, coordinator)
        assert "*M-7*" in alert and "`/meeting show M-7`" in alert
        assert "ValueError: no view for" in alert
        assert TOKEN not in alert and "<!channel>" not in alert
    (error,) = _failures(db)
    assert error.startswith("cannot_build: M-7: ValueError") and TOKEN not in error


def test_an_upload_that_lost_its_file_fails_for_good_without_calling_slack(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    row_id = queue_upload(db, clock)
    with db.session() as session:
        # a row as an older version or a hand edit may leave it: no content to upload
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        row.payload = {**row.payload, "extra": {"filename": "M-1.ics"}}
    # before: a KeyError taken for a network fault, retried 12 times over half an hour
    assert dispatcher.run_once() == DispatchReport(failed=1)
    assert slack.calls_to("files.getUploadURLExternal") == []
    drain(dispatcher, clock, rounds=3)
    assert slack.calls_to("files.getUploadURLExternal") == []
    assert get(db, row_id).attempts == 1
    for coordinator in COORDINATORS:
        (alert,) = texts(slack, coordinator)
        assert "`ics`" in alert and "without its file" in alert


_LOCKED = {"left": 1}


@TEST_RENDERERS.add("test-locked-renderer")
def _locked_once(session: Any, row: OutboxMessage) -> tuple[str, None]:
    if _LOCKED["left"]:
        _LOCKED["left"] -= 1
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))
    return "Composed at last", None


def test_a_database_fault_while_composing_is_tried_again_not_failed(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    _LOCKED["left"] = 2  # the quick claim, and the careful one after it
    row_id = queue(db, clock, kind="test-locked-renderer", text="Queued text")
    assert dispatcher.run_once() == DispatchReport(retried=1)
    assert row_id is not None
    row = get(db, row_id)
    assert (row.status, row.last_error) == ("pending", "composing: database: OperationalError")
    clock.advance(minutes=1)
    assert dispatcher.run_once() == DispatchReport(sent=1)
    assert texts(slack, "CNET") == ["Composed at last"]
    assert all(texts(slack, c) == [] for c in COORDINATORS)


@TEST_RENDERERS.add("test-swallowing-renderer")
def _swallows_an_error(session: Any, row: OutboxMessage) -> tuple[str, None]:
    with contextlib.suppress(Exception):  # a renderer that hides its own database error
        session.execute(text("SELECT * FROM no_such_table"))
    return "Composed anyway", None


def test_a_database_error_a_renderer_hides_is_not_a_claim_lost(
    db: Database, slack: FakeSlack, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    """On PostgreSQL the error spoils the claim's transaction even though the renderer caught
    it (its commit would roll the claim back without a word): the claim is made again with a
    savepoint, where the renderer counts as broken. SQLite's transaction is not spoilt."""
    row_id = queue(db, clock, kind="test-swallowing-renderer", text="Queued text")
    report = dispatcher.run_once()
    assert row_id is not None
    row = get(db, row_id)
    if db.dialect == "postgresql":
        assert report == DispatchReport(failed=1)
        assert row.status == "failed" and texts(slack, "CNET") == []
    else:
        assert report == DispatchReport(sent=1)
        assert row.status == "sent" and texts(slack, "CNET") == ["Composed anyway"]


def test_a_fault_of_the_quick_claim_is_met_by_a_careful_one_at_once(
    db: Database,
    slack: FakeSlack,
    dispatcher: Dispatcher,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A renderer's database error spoils the claim's transaction when no savepoint holds
    it: the claim is rolled back and made again with savepoints, in the same run."""
    _LOCKED["left"] = 1
    first = queue(db, clock, kind="test-locked-renderer", text="Queued text")
    second = queue(db, clock, text="Plain text")
    assert dispatcher.run_once() == DispatchReport(sent=2)
    assert sorted(texts(slack, "CNET")) == ["Composed at last", "Plain text"]
    assert first is not None and second is not None
    assert get(db, first).attempts == 0 and get(db, second).attempts == 0
    assert "composing a message failed (OperationalError), claiming again" in caplog.text
