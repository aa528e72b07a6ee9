"""What a process keeps of the run-time settings is never older than the database: two real
`returbot run --no-scheduler` processes on one database (a SQLite file, and PostgreSQL), a
language chosen and a channel bound through one, and the very next command through the other
answers in that language and sends its notice to that channel (issue 19)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.processes import environment, free_port, health, stop_all

COORDINATOR = "UCOORD"  # tests.support.processes.environment's


class Web:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/slack/events"

    def command(self, command: str, text: str, *, user: str = "UKARI", channel: str = "CX") -> str:
        body = slackreq.slash_body(command, text, user_id=user, channel_id=channel)
        status, _headers, answer = slackreq.post(self.url, body)
        assert status == 200, answer
        if answer.startswith(b"{"):  # an answer with blocks or in the channel
            return str(json.loads(answer)["text"])
        return answer.decode()  # Bolt sends a bare text as it is


@pytest.fixture
def webs(db: Database, tmp_path: Path) -> Iterator[tuple[Web, Web, FakeSlack]]:
    with FakeSlack() as slack:
        env = environment(slack.url, db.engine.url.render_as_string(hide_password=False))
        ports = [free_port(), free_port()]
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "returbot", "run", "--no-scheduler"],
                cwd=tmp_path,
                env=env | {"PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for port in ports
        ]
        try:
            deadline = time.monotonic() + 30
            for port, process in zip(ports, processes, strict=True):
                while health(port) is None:
                    assert process.poll() is None, process.communicate()[1]
                    assert time.monotonic() < deadline, "a process did not start"
                    time.sleep(0.1)
            yield Web(ports[0]), Web(ports[1]), slack
        finally:
            stop_all(processes)


@pytest.mark.slow
def test_a_language_chosen_in_one_process_is_spoken_by_the_other_at_once(
    webs: tuple[Web, Web, FakeSlack],
) -> None:
    first, second, _slack = webs
    for web in (first, second):  # each has read the language (and the stamp) once
        assert "Ingen saker passer" in web.command("/issue", "list")
    assert "in English from now on" in first.command("/returbot", "language en")
    assert "No issues match" in second.command("/issue", "list")
    assert "norsk bokmål fra nå av" in second.command("/returbot", "language nb")
    assert "Ingen saker passer" in first.command("/issue", "list")


@pytest.mark.slow
def test_a_channel_bound_in_one_process_gets_the_next_notice_sent_by_the_other(
    webs: tuple[Web, Web, FakeSlack],
) -> None:
    first, second, slack = webs

    def channel_of(ref: str, sent: int) -> list[str]:
        slack.wait_for("chat.postMessage", sent, timeout=10)
        found = re.compile(rf"\b{ref}\b")
        return [m["channel"] for m in slack.posted() if found.search(m.get("text", ""))]

    first.command("/returbot", "channel RMA", user=COORDINATOR, channel="COLD")
    assert "I-1" in second.command("/issue", "Mangler tolk i Bergen dept:RMA")
    assert channel_of("I-1", 1) == ["COLD"]  # the second has read the bindings
    first.command("/returbot", "channel RMA", user=COORDINATOR, channel="CNEW")
    assert "I-2" in second.command("/issue", "Mangler tolk i Tromsø dept:RMA")
    assert channel_of("I-2", 2) == ["CNEW"]
    assert "I-3" in first.command("/issue", "Mangler tolk i Vardø dept:RMA")
    second.command("/returbot", "channel RMA", user=COORDINATOR, channel="COLD")
    assert "I-4" in first.command("/issue", "Mangler tolk i Bodø dept:RMA")
    assert channel_of("I-4", 4) == ["COLD"]
