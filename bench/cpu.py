"""CPU per command, counted in instructions (valgrind's callgrind): repeatable whatever else the
machine is doing, unlike times (issue 19).

    python bench/cpu.py [--commands 40]

Each command is dispatched through Bolt in-process (the signature checked, the listener run, the
answer rendered; no HTTP, which costs every app alike) against a SQLite file, after 10 to warm
up. A child process is run under callgrind twice, with 0 and with N commands; the difference over
N is the instructions per command. The floors are a bare Bolt app answering a no-op and one that
inserts and commits one row through SQLAlchemy first (``bench/bare_bolt.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIOS = {
    "no-op floor": ("bare", "/noop"),
    "durable floor": ("bare", "/durable"),
    "/decision new": ("returbot", "decision"),
    "/issue new": ("returbot", "issue"),
    "/issue ack": ("returbot", "ack"),
}


def child(app_kind: str, what: str, count: int) -> None:
    """Dispatch ``count`` commands after 10 to warm up (run under callgrind by ``main``)."""
    from slack_bolt.request import BoltRequest

    from tests.support import slackreq
    from tests.support.fakeslack import FakeSlack

    folder = tempfile.mkdtemp()
    with FakeSlack() as slack:
        from storage import migrate
        from storage.db import Database

        db = Database(f"sqlite:///{folder}/bench.db")
        if app_kind == "bare":
            from bench.bare_bolt import bare_bolt

            app = bare_bolt(slack.url, db)
        else:
            from bot import settings as settings_module
            from returbot import wiring

            migrate.upgrade(db.engine)
            env = {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
                "SLACK_API_URL": slack.url,
                "RETURBOT_COORDINATORS": "UBENCH",
            }
            rt = wiring.runtime(settings_module.load(env), db=db)
            app = wiring.slack_app(rt)

        def send(command: str, text: str) -> None:
            body = slackreq.slash_body(command, text, user_id="UBENCH")
            headers = {k.lower(): v for k, v in slackreq.sign(body).items()}
            answer = app.dispatch(BoltRequest(body=body, headers=headers))
            if answer.status != 200:
                raise SystemExit(f"{command} {text!r}: {answer.status} {answer.body[:200]}")

        def one(i: int) -> None:
            if app_kind == "bare":
                send(what, f"Beslutning nummer {i} om felles rutine dept:RMA,PU tags:retur")
            elif what == "decision":
                send("/decision", f"Beslutning nummer {i} om felles rutine dept:RMA,PU tags:retur")
            elif what == "issue":
                send("/issue", f"Mangler tolk i region {i} dept:RMA")
            else:
                send("/issue", f"ack I-{i + 1} dept:RMA")

        if what == "ack":  # issues to acknowledge, made before the counting
            for i in range(count + 10):
                send("/issue", f"Mangler tolk {i} dept:RMA")
        for i in range(10 + count):
            one(i)
    os._exit(0)  # no teardown in the count


def counted(app_kind: str, what: str, count: int) -> int:
    """Instructions the child process executes for ``count`` commands."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("needs valgrind (Debian's package valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        done = subprocess.run(
            [
                valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
                sys.executable, __file__, "--child", app_kind, what, str(count),
            ],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
        found = re.search(r"Collected : (\d+)", done.stderr)
        if found is None:
            raise SystemExit(f"callgrind said nothing countable:\n{done.stderr[-2000:]}")
        return int(found.group(1))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=40)
    args = parser.parse_args()
    per: dict[str, float] = {}
    for name, (app_kind, what) in SCENARIOS.items():
        # with "ack", the issues made first differ between the two runs: count them apart
        base = counted(app_kind, what, 0) if what != "ack" else None
        if base is None:
            more = counted(app_kind, what, args.commands)
            fewer = counted(app_kind, what, args.commands // 2)
            # each run also made its own issues first: one issue made is one "/issue new"
            per[name] = (more - fewer) / (args.commands - args.commands // 2) - per["/issue new"]
        else:
            per[name] = (counted(app_kind, what, args.commands) - base) / args.commands
        durable = per.get("durable floor")
        ratio = f"  ×{per[name] / durable:.2f} durable floor" if durable else ""
        print(f"{name:<14} {per[name] / 1e6:7.2f} M instructions per command{ratio}")


if __name__ == "__main__":
    main()
