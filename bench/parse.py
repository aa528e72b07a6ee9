"""Parsing and rendering of hostile text (SPEC §6: every input answered well within Slack's
3 seconds, linearly): the grammar, the markup renderer, the identity-number check and the
error sentence, each on its own; then whole slash commands through the HTTP server, and the
latency of ``/healthz`` while two of them are being answered.

    python bench/parse.py [--size 40000] [--repeat 3]

Each figure is the best of ``--repeat`` runs, at the size given and at a quarter of it: with
linear code the ratio is about 4, with quadratic code about 16.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import settings as settings_module
from bot.errors import UserError
from bot.text import guard
from bot.text.grammar import parse_command
from handlers.common import explain
from returbot import wiring
from returbot.web_server import WebApp, make_server, serve_until_closed
from storage import migrate
from storage.db import Database
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack


def shapes(size: int) -> dict[str, str]:
    """Hostile texts of about ``size`` characters, by name."""
    soup = '<!x> 26.06.92 "a" <@U1|k> <https://e.example|x> &amp; \u200b1 «b» '
    return {
        "option x": "Tittel dept:" + "x" * size,
        "option <!": "Tittel dept:" + "<!" * (size // 2),
        "option <https:": "Tittel dept:" + "<https:" * (size // 7),
        'a" repeated': 'a"' * (size // 2),
        "< repeated": "<" * size,
        "<@U1| repeated": "<@U1|" * (size // 5),
        "1 repeated": "1 " * (size // 2),
        "spaces then x": "1" + " " * size + "x1",
        "mixed": (soup * (size // len(soup) + 1))[:size],
    }


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.suppress(UserError):
            fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def functions(text: str) -> dict[str, Callable[[], object]]:
    return {
        "parse": lambda: parse_command(
            text, subcommands=("new", "list"), default="new", options=("dept", "details")
        ),
        "mrkdwn": lambda: guard.mrkdwn(text),
        "plain": lambda: guard.plain(text),
        "id check": lambda: guard.contains_identity_number(text),
        "explain": lambda: explain(
            "nb", UserError("common.unknown_department", code=text, valid="RMA")
        ),
    }


def units(size: int, repeat: int) -> None:
    print(f"functions, ms at {size} characters (x ratio to {size // 4}; linear is about 4):")
    names = list(functions(""))
    print(f"{'shape':<16}" + "".join(f"{name:>20}" for name in names))
    small_shapes = shapes(size // 4)
    for name, text in shapes(size).items():
        small = functions(small_shapes[name])
        cells = []
        for key, fn in functions(text).items():
            big = best(fn, repeat)
            ratio = big / max(best(small[key], repeat), 0.001)
            cells.append(f"{big:10.1f} (x{ratio:4.1f})")
        print(f"{name:<16}" + "".join(f"{cell:>20}" for cell in cells))


def slack_escape(text: str) -> str:
    """What Slack sends for typed text: & < > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def commands(size: int) -> dict[str, tuple[str, str]]:
    typed = shapes(size)
    return {
        "/decision dept:x*N": ("/decision", typed["option x"]),
        "/decision dept:<!*N": ("/decision", typed["option <!"]),
        '/decision a"*N': ("/decision", typed['a" repeated']),
        "/decision <*N": ("/decision", typed["< repeated"]),
        "/issue details:<https:": ("/issue", f'T dept:RMA details:"{typed["option <https:"]}"'),
        "/issue 1 *N": ("/issue", "T dept:RMA " + typed["1 repeated"]),
        "/meeting place:mixed": ("/meeting", 'network +3d place:"' + typed["mixed"] + '"'),
        "/returbot language x": ("/returbot", "language " + typed["option x"]),
    }


def serve(size: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "RETURBOT_COORDINATORS": "UBENCH",
        }
        rt = wiring.runtime(settings_module.load(env), db=db)
        app = wiring.slack_app(rt)
        server = make_server(WebApp(app, rt), host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=serve_until_closed, args=(server,), daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        print(f"\nwhole commands through HTTP (Slack-escaped text), ms, best of {repeat}:")
        bodies = {}
        for name, (command, text) in commands(size).items():
            body = slackreq.slash_body(command, slack_escape(text), user_id="UBENCH")
            bodies[name] = body

            def send(body: str = body) -> None:
                status, _, _ = slackreq.post(base + "/slack/events", body, timeout=60)
                assert status == 200, status

            print(f"  {name:<26} {len(body):>7} bytes  {best(send, repeat):9.1f} ms")
        healthz(base, [bodies["/decision dept:<!*N"], bodies['/decision a"*N']])
        server.close()
        db.dispose()


def healthz(base: str, hostile: list[str]) -> None:
    """The slowest ``/healthz`` answer while two hostile commands are answered."""
    import urllib.request

    done = threading.Event()
    latencies: list[float] = []

    def poll() -> None:
        while not done.is_set():
            started = time.perf_counter()
            with urllib.request.urlopen(base + "/healthz", timeout=30) as reply:  # noqa: S310
                reply.read()
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.005)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.05)
    started = time.perf_counter()
    senders: list[threading.Thread] = []
    for body in hostile:
        args: Any = (base + "/slack/events", body)
        senders.append(threading.Thread(target=slackreq.post, args=args, kwargs={"timeout": 60}))
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    both = (time.perf_counter() - started) * 1000
    time.sleep(0.05)
    done.set()
    poller.join()
    print(
        f"\n/healthz during two hostile commands ({both:.0f} ms for both): "
        f"{len(latencies)} answers, slowest {max(latencies):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    units(args.size, args.repeat)
    serve(args.size, args.repeat)


if __name__ == "__main__":
    main()
