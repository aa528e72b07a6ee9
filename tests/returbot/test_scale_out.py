"""The whole system scaled out on PostgreSQL, with faults: nothing lost, nothing sent twice.

Two `returbot run --no-scheduler` web processes and two `returbot scheduler` processes share one
PostgreSQL and the fake Slack. 200 signed commands go to both web processes; meetings and
issues owe messages that fall due while the test runs (meeting reminders, an optional
department's invitation, acknowledgement reminders one minute after an issue); the active
scheduler is killed with SIGKILL halfway; the fake Slack answers a share of the calls with 429s,
500s, dropped connections and time-outs, some of them after it has posted the message.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from handlers.slack_transport import METADATA_TYPE
from storage.db import Database
from storage.models import (
    AgendaItem,
    Decision,
    Issue,
    IssueDepartment,
    IssueNote,
    Meeting,
    OutboxMessage,
)
from tests.conftest import COORDINATOR
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack, Fault
from tests.support.postgres import empty_postgres
from tests.support.processes import (
    ROOT,
    environment,
    free_port,
    health,
    scheduler,
    stop,
    stop_all,
    wait_health,
)

OSLO = ZoneInfo("Europe/Oslo")
CHANNELS = {"RMA": "CRMA", "PU": "CPU", "OPA": "COPA", "network": "CNET", "digest": "CDIG"}
# a share of the calls that send fails, in every way Slack fails; half of them after posting
FAULTS = [
    Fault(status=429, retry_after=1),
    Fault(status=500),
    Fault(status=503, after=True),
    Fault(reset_connection=True),
    Fault(reset_connection=True, after=True),
    Fault(delay=10.5, after=True),  # the bot's client gives up after 10 s; Slack posted it
]
FAULT_RATE = 0.12
# seconds from the start of the commands to the meetings' reminder moment at the least: the
# meetings are scheduled before it (a moment already past when a meeting is scheduled is skipped)
REMINDER_MARGIN = 8
OUTBOX_METHODS = {
    "chat.postMessage", "chat.update", "conversations.history",
    "files.getUploadURLExternal", "files.completeUploadExternal",
}  # fmt: skip


@dataclass
class Cluster:
    slack: FakeSlack
    db: Database
    webs: list[str]  # base URLs
    web_processes: list[subprocess.Popen[str]]
    schedulers: list[tuple[subprocess.Popen[str], int]]  # process, health port
    answers: list[tuple[str, str, str]] = field(default_factory=list)  # command, text, answer

    def send(self, number: int, command: str, text: str, user: str, channel: str) -> str:
        """Command ``number`` goes to web process ``number % 2``; returns the answer's text."""
        url = self.webs[number % len(self.webs)] + "/slack/events"
        body = slackreq.slash_body(command, text, user_id=user, channel_id=channel)
        started = time.monotonic()
        status, _, raw = slackreq.post(url, body, timeout=10)
        took = time.monotonic() - started
        assert status == 200, (command, text, status, raw[:300])
        assert took < 3, (command, text, took)
        # an answer is a JSON message, or its plain text (Slack shows either to the user)
        answer = str(json.loads(raw)["text"]) if raw.startswith(b"{") else raw.decode()
        self.answers.append((command, text, answer))
        return answer


def config_file(tmp_path: Path) -> Path:
    """The bundled organisation, with departments reminded one minute after an issue."""
    bundled = (ROOT / "bot" / "default_config.toml").read_text(encoding="utf-8")
    changed = bundled.replace('ack_within = "2d"', 'ack_within = "1m"')
    assert changed != bundled
    path = tmp_path / "org.toml"
    path.write_text(changed, encoding="utf-8")
    return path


def start_web(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "returbot", "run", "--no-scheduler"], cwd=cwd, env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_serving(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while health(port) is None:
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, f"web process on {port} did not start"
        time.sleep(0.1)


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str) -> Iterator[Cluster]:
    db = empty_postgres(pg_url)
    config = config_file(tmp_path)
    with FakeSlack() as slack:
        processes: list[subprocess.Popen[str]] = []
        try:

            def env(port: int) -> dict[str, str]:
                url = db.engine.url.render_as_string(False)
                return environment(slack.url, url, port, token="xoxb-clock-token") | {
                    "RETURBOT_CONFIG": str(config)
                }

            web_ports = [free_port(), free_port()]
            webs = [start_web(env(port), tmp_path) for port in web_ports]
            processes += webs
            clock_ports = [free_port(), free_port()]
            first = scheduler(env(clock_ports[0]), tmp_path)
            processes.append(first)
            wait_health(clock_ports[0], "active", 30)
            second = scheduler(env(clock_ports[1]), tmp_path)
            processes.append(second)
            wait_health(clock_ports[1], "standby", 30)
            for port, process in zip(web_ports, webs, strict=True):
                wait_serving(port, process)
            yield Cluster(
                slack=slack,
                db=db,
                webs=[f"http://127.0.0.1:{port}" for port in web_ports],
                web_processes=webs,
                schedulers=[(first, clock_ports[0]), (second, clock_ports[1])],
            )
        finally:
            stop_all(processes)
            db.dispose()


def local(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def ref(answer: str, letter: str) -> int:
    found = re.search(rf"\b{letter}-(\d+)\b", answer)
    assert found, answer
    return int(found.group(1))


def run_all(cluster: Cluster, commands: list[tuple[int, str, str, str, str]]) -> list[str]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda c: cluster.send(*c), commands))


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def tagged_messages(slack: FakeSlack) -> dict[int, list[dict[str, Any]]]:
    """Every message Slack holds that the outbox posted, by outbox row."""
    found: dict[int, list[dict[str, Any]]] = {}
    with slack._lock:
        for channel, messages in slack._history.items():
            for message in messages:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == METADATA_TYPE:
                    row_id = int(metadata["event_payload"]["outbox_id"])
                    found.setdefault(row_id, []).append({**message, "channel": channel})
    return found


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(420)  # most of it is waiting a minute for reminders to fall due
def test_two_web_and_two_clock_processes_lose_nothing_and_send_nothing_twice(
    cluster: Cluster,
) -> None:
    slack = cluster.slack
    binds = [
        (i, "/returbot", f"channel {name}", COORDINATOR, channel)
        for i, (name, channel) in enumerate(CHANNELS.items())
    ]
    for command in binds:
        cluster.send(*command)
    slack.set_members("CPU", [f"U{n:03d}" for n in range(7)])  # PU's members acknowledge for it
    slack.chaos(OUTBOX_METHODS, FAULT_RATE, FAULTS, seed=6)

    # meetings whose messages fall due while the test runs: the 1h reminders of two network
    # meetings at the same time in two rooms (the same command twice would be taken for a resend)
    # within a minute from now, the steering group's 1d reminder at that moment too (a moment a
    # minute later would hold the test up another minute: the acknowledgement reminders are due
    # a minute from now), the quarterly meeting's invitation to its optional department OPA (at
    # once: none of its reminder moments is left)
    now = datetime.now(UTC)
    soon = next_minute(now + timedelta(hours=1, seconds=REMINDER_MARGIN))
    meetings = [
        (0, "/meeting", f"schedule network {local(soon)}", COORDINATOR, "CNET"),
        (1, "/meeting", f'schedule network {local(soon)} place:"Rom 2"', COORDINATOR, "CNET"),
        (2, "/meeting", f"schedule steering {local(soon + timedelta(days=1) - timedelta(hours=1))}",
         COORDINATOR, "CNET"),
        (3, "/meeting", f"schedule quarterly {local(soon + timedelta(hours=2))}", COORDINATOR,
         "CNET"),
    ]  # fmt: skip
    first_half: list[tuple[int, str, str, str, str]] = list(meetings)
    for n in range(4, 100):
        user = f"U{n % 7:03d}"
        if n % 3 == 0:
            first_half.append((n, "/decision", f"Vedtak nummer {n} dept:RMA", user, "CRMA"))
        elif n % 3 == 1:
            first_half.append((n, "/issue", f"Sak nummer {n} dept:RMA,PU", user, "CRMA"))
        else:
            first_half.append((n, "/issue", "list", user, "CRMA"))
    answers = run_all(cluster, first_half)
    meeting_ids = [ref(a, "M") for a in answers[:4]]
    issue_ids = [ref(a, "I") for c, a in zip(first_half, answers, strict=True) if c[1] == "/issue"
                 and c[2].startswith("Sak")]  # fmt: skip
    decision_ids = [ref(a, "D") for c, a in zip(first_half, answers, strict=True)
                    if c[1] == "/decision"]  # fmt: skip

    # halfway: the active scheduler dies without a word; the standby must take over
    active, _ = cluster.schedulers[0]
    standby, standby_port = cluster.schedulers[1]
    active.send_signal(signal.SIGKILL)
    active.wait(timeout=10)
    takeover = ThreadPoolExecutor(max_workers=1).submit(wait_health, standby_port, "active", 30)

    second_half: list[tuple[int, str, str, str, str]] = []
    for n in range(100, 200):
        user = f"U{n % 7:03d}"
        kind = n % 5
        if kind == 0:
            second_half.append((n, "/decision", f"Vedtak nummer {n} dept:RMA", user, "CRMA"))
        elif kind == 1:
            second_half.append((n, "/issue", f"Sak nummer {n} dept:RMA,PU", user, "CRMA"))
        elif kind == 2:
            target = issue_ids[(n // 5) % len(issue_ids)]
            second_half.append((n, "/issue", f"note I-{target} Notat nummer {n}", user, "CRMA"))
        elif kind == 3:
            target = issue_ids[(n // 5) % len(issue_ids)]
            second_half.append((n, "/issue", f"ack I-{target} dept:PU", user, "CPU"))
        elif n % 10 == 9:  # a calendar file, uploaded to the channel
            meeting = meeting_ids[(n // 10) % 4]
            second_half.append((n, "/meeting", f"ics M-{meeting}", user, "CNET"))
        else:
            meeting = meeting_ids[(n // 5) % 2]
            second_half.append((n, "/meeting", f"agenda M-{meeting} Punkt {n}", user, "CNET"))
    answers = run_all(cluster, second_half)
    for command, answer in zip(second_half, answers, strict=True):
        if command[2].startswith(("note", "ack", "agenda", "ics")):
            assert command[2].split()[1] in answer, (command, answer)
    issue_ids += [ref(a, "I") for c, a in zip(second_half, answers, strict=True)
                  if c[2].startswith("Sak")]  # fmt: skip
    decision_ids += [ref(a, "D") for c, a in zip(second_half, answers, strict=True)
                     if c[1] == "/decision"]  # fmt: skip
    assert takeover.result() < 30  # seconds from the SIGKILL until the standby is active

    # everything owed comes due: the last issue's acknowledgement reminder is a minute after it,
    # the meetings' reminders at their moment (queued or not by now)
    with cluster.db.session() as session:
        last_issue = session.scalar(select(func.max(Issue.created_at)))
        last_moment = session.scalar(select(func.max(OutboxMessage.due_at)))
    assert last_issue is not None and last_moment is not None
    last_reminder = soon - timedelta(hours=1)
    owed_by = max(last_issue + timedelta(minutes=1), last_moment, last_reminder)
    wait_until(lambda: datetime.now(UTC) >= owed_by, 240, "the last message to fall due")
    # the faults go on until every message owed is queued and has been tried at least once;
    # then Slack calms down, and a retry's backoff is not waited out: it is due at once
    wait_until(lambda: all_tried(cluster.db), 120, "every message owed to be tried")
    slack.calm()
    wait_until(lambda: pending(cluster.db, retry_now=True) == 0, 120, "the outbox to empty")

    with cluster.db.session() as session:
        check_records(session, decision_ids, issue_ids, meeting_ids, second_half)
        check_every_message_once(session, slack)
        check_ack_reminders(session)
        check_meeting_messages(session, meeting_ids)
    assert len(slack.chaos_log) >= 20, "too few faults to prove anything"
    report(cluster, takeover.result())
    assert health(standby_port) == {"status": "ok", "database": "ok", "scheduler": "active"}
    for web in cluster.webs:
        assert health(int(web.rsplit(":", 1)[1])) == {"status": "ok", "database": "ok"}
    for process in cluster.web_processes:
        assert stop(process) is not None
        assert process.returncode == 0
    err = stop(standby)
    assert standby.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "xoxb-clock-token" not in err


def report(cluster: Cluster, took_over: float) -> None:
    """The run in figures (shown with ``pytest -s``; quoted in the closing note)."""
    with cluster.db.session() as session:
        rows = list(session.scalars(select(OutboxMessage)))
    faults = Counter(
        f"{method} {'after' if f.after else 'before'} "
        f"{'reset' if f.reset_connection else 'time-out' if f.delay else f.status}"
        for method, f in cluster.slack.chaos_log
    )
    with cluster.db.session() as session:
        created = {i: c for i, c in session.execute(select(Issue.id, Issue.created_at))}
    late: dict[str, float] = {}
    for r in rows:
        if r.sent_at is None or r.attempts:
            continue
        moment = r.due_at
        if r.kind == "issue_ack_reminder" and r.ref_id is not None:
            moment = created[r.ref_id] + timedelta(minutes=1)  # ack_within, not the sweep
        late[r.kind] = max(late.get(r.kind, 0.0), (r.sent_at - moment).total_seconds())
    lateness = {kind: round(seconds, 1) for kind, seconds in late.items()}
    print(
        f"\nscale-out: {len(cluster.answers)} commands; {len(rows)} messages "
        f"({dict(Counter(r.kind for r in rows))}); retried {sum(r.attempts > 0 for r in rows)}, "
        f"unanswered and looked up {sum(r.unsure_since is not None for r in rows)}; "
        f"latest first try after its moment {lateness} s; "
        f"standby active {took_over:.1f} s after the SIGKILL; faults {dict(faults)}"
    )


def pending(db: Database, *, retry_now: bool = False) -> int:
    """Rows still to send; with ``retry_now`` those waiting out a backoff are made due now."""
    with db.session() as session:
        if retry_now:
            now = datetime.now(UTC)
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.claimed_by.is_(None),
                    OutboxMessage.next_attempt_at > now,
                )
                .values(next_attempt_at=now)
            )
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
            or 0
        )


def all_tried(db: Database) -> bool:
    """Every message the test is owed is queued, and none is waiting for its first try: each
    unacknowledged department's reminder, the three meeting reminders and the invitation."""
    with db.session() as session:
        unacked = {
            (issue_id, code)
            for issue_id, code in session.execute(
                select(IssueDepartment.issue_id, IssueDepartment.department).where(
                    IssueDepartment.acked_by.is_(None)
                )
            )
        }
        rows = list(session.scalars(select(OutboxMessage)))
    reminded = {
        (r.ref_id, r.payload["extra"]["department"]) for r in rows if r.kind == "issue_ack_reminder"
    }
    kinds = Counter(r.kind for r in rows)
    untried = [r for r in rows if r.status == "pending" and r.attempts == 0]
    return (
        unacked <= reminded
        and kinds["meeting_reminder"] >= 3
        and kinds["meeting_invite"] >= 1
        and not untried
    )


def check_records(
    session: Session,
    decision_ids: list[int],
    issue_ids: list[int],
    meeting_ids: list[int],
    second_half: list[tuple[int, str, str, str, str]],
) -> None:
    """Every command that answered with a record left that record, and nothing else."""
    assert len(set(decision_ids)) == len(decision_ids) == 32 + 20
    assert len(set(issue_ids)) == len(issue_ids) == 32 + 20
    assert sorted(session.scalars(select(Decision.number))) == sorted(decision_ids)
    assert sorted(session.scalars(select(Issue.number))) == sorted(issue_ids)
    assert sorted(session.scalars(select(Meeting.number))) == sorted(meeting_ids)
    notes = [c[2].split(" ", 2)[2] for c in second_half if c[2].startswith("note")]
    assert sorted(session.scalars(select(IssueNote.text))) == sorted(notes)
    acked = {int(c[2].split()[1][2:]) for c in second_half if c[2].startswith("ack")}
    rows = session.scalars(
        select(Issue.number)
        .join(IssueDepartment, IssueDepartment.issue_id == Issue.id)
        .where(IssueDepartment.department == "PU", IssueDepartment.acked_by.is_not(None))
    )
    assert set(rows) == acked
    items = [c[2].split(" ", 2)[2] for c in second_half if c[2].startswith("agenda")]
    assert sorted(session.scalars(select(AgendaItem.text))) == sorted(items)


def check_every_message_once(session: Session, slack: FakeSlack) -> None:
    """Every queued message went out, and Slack holds each posted one exactly once."""
    rows = list(session.scalars(select(OutboxMessage)))
    assert Counter(r.status for r in rows) == Counter({"sent": len(rows)}), [
        (r.id, r.kind, r.status, r.last_error) for r in rows if r.status != "sent"
    ]
    posted = tagged_messages(slack)
    posts = {r.id: r for r in rows if r.method == "chat.postMessage"}
    twice = {row_id: len(found) for row_id, found in posted.items() if len(found) != 1}
    assert twice == {}, twice
    assert set(posted) == set(posts)
    for row_id, (message,) in posted.items():
        assert posts[row_id].result_ts == message["ts"], row_id
    # each calendar file was shared once, whatever happened to the attempts before
    shares = Counter(
        f["id"]
        for call in slack.calls_to("files.completeUploadExternal")
        if call.params.get("_ok")
        for f in call.params["files"]
    )
    uploads = [r for r in rows if r.method == "files.upload_v2"]
    assert len(uploads) == 10
    for row in uploads:
        assert sum(shares[f] for f in row.payload["extra"]["file_ids"]) == 1, row.id


def check_ack_reminders(session: Session) -> None:
    """A department that never acknowledged was reminded once, in its channel."""
    unacked = session.execute(
        select(IssueDepartment.issue_id, IssueDepartment.department).where(
            IssueDepartment.acked_by.is_(None)
        )
    ).all()
    assert len(unacked) > 50
    reminders = Counter(
        (r.ref_id, r.payload["extra"]["department"], r.channel)
        for r in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "issue_ack_reminder")
        )
    )
    for issue_id, code in unacked:
        assert reminders[(issue_id, code, CHANNELS[code])] == 1, (issue_id, code)


def check_meeting_messages(session: Session, meeting_ids: list[int]) -> None:
    """Each network meeting's 1h reminder, the steering group's 1d reminder and the quarterly
    meeting's invitation went out once, and none before its time."""
    for number in meeting_ids:
        meeting = session.scalar(select(Meeting).where(Meeting.number == number))
        assert meeting is not None
        rows = list(
            session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.ref_kind == "meeting", OutboxMessage.ref_id == meeting.id
                )
            )
        )
        kinds = Counter(r.kind for r in rows)
        if meeting.series_key == "quarterly":
            assert kinds["meeting_invite"] == 1 and kinds["meeting_reminder"] == 0, kinds
            # the meeting's other rows (its calendar files, uploaded to CNET) come in any order
            (invite,) = [r for r in rows if r.kind == "meeting_invite"]
            assert invite.channel == CHANNELS["OPA"]
        else:
            (reminder,) = [r for r in rows if r.kind == "meeting_reminder"]
            offset = timedelta(hours=1) if meeting.series_key == "network" else timedelta(days=1)
            assert reminder.due_at == meeting.starts_at - offset
            assert reminder.sent_at is not None and reminder.sent_at >= reminder.due_at
            if reminder.attempts == 0:
                assert reminder.sent_at - reminder.due_at < timedelta(seconds=15)
