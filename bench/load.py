"""Sustained load on two `returbot run --no-scheduler` processes sharing one PostgreSQL, against two
bare Bolt processes in the same run: throughput, ack latency percentiles, errors, and the
resident memory of each web process afterwards.

    python bench/load.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        [--clients 50] [--seconds 60] [--pace 0] [--decisions 20000] [--issues 5000]

Everything in the given database is dropped first: point it at a database of its own.

Each client is a thread with a keep-alive HTTP connection to one of the two processes (clients
alternate between them, as a load balancer would); it sends a signed slash command, waits for
the answer, and sends the next after ``--pace`` seconds (0: at once, the most pressure). The
returbot commands are a mix of writes and reads: /decision (30%), /issue with a department
notice (20%), /decision search (20%), /issue list (15%), /meeting list (10%), /issue note (5%).
The bare Bolt processes are measured twice: answering a no-op command (the *no-op floor*) and
inserting and committing one row in the same PostgreSQL before they ack (the *durable floor*,
the least any app must do before it can name the record it made: the ceiling, measured). An
error is a non-200, a transport failure, a time-out (10 s), or an answer that is not what the
command should say.

The goals (issue 19): returbot's throughput at least 0.16 of the no-op floor's in the same run
(3x the 184/3,442 of issue 19's first measurement), p99 under 150 ms, zero errors, each web
process under 100 MB resident, and at most 2 ms of web-process CPU per command.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from bench.bare_bolt import prepare
from bench.issue_list import seed_issues
from bench.seed import WORDS, percentile, seed_decisions
from storage.models import OutboxMessage
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres
from tests.support.processes import ROOT, environment, free_port, stop_all

# -> (label, body, what the answer must contain)
Body = Callable[[random.Random, int], tuple[str, str, str]]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # ms
    by_label: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def wait_healthy(port: int, process: subprocess.Popen[bytes], path: str = "/healthz") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"process on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


def rss(pid: int) -> tuple[float, float]:
    """Resident and peak resident size of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds used so far by ``pids`` (those still there)."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / tick
        system += int(fields[12]) / tick
    return user, system


def postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@dataclass
class CpuUse:
    """The CPU each group of processes used in one phase (seconds), and the phase's wall time."""

    label: str
    wall: float
    per_process: dict[str, tuple[float, float]]  # name -> (user, system) seconds

    def __str__(self) -> str:
        parts = [
            f"{name} {user / self.wall:.2f}+{system / self.wall:.2f}"
            for name, (user, system) in self.per_process.items()
        ]
        return f"{self.label} CPU cores used (user+system): " + ", ".join(parts)


def measured(
    label: str, work: Callable[[], Result], groups: dict[str, list[int]]
) -> tuple[Result, CpuUse]:
    """Run ``work``; also say how much CPU each group of processes used meanwhile."""
    groups = groups | {"postgres": postgres_pids(), "load clients": [os.getpid()]}
    before = {name: cpu_seconds(pids) for name, pids in groups.items()}
    started = time.perf_counter()
    result = work()
    wall = time.perf_counter() - started
    used: dict[str, tuple[float, float]] = {}
    for name, pids in groups.items():
        user, system = (b - a for a, b in zip(before[name], cpu_seconds(pids), strict=True))
        used[name] = (user, system)
    return result, CpuUse(label, wall, used)


@dataclass
class Waits:
    """What the database's other sessions were doing, sampled every 10 ms during a phase."""

    samples: int = 0
    active: int = 0  # sessions running a statement, summed over the samples
    waiting: dict[str, int] = field(default_factory=dict)  # wait event -> sessions, summed

    def __str__(self) -> str:
        if not self.samples:
            return "no samples"
        parts = ", ".join(
            f"{name} {count / self.samples:.2f}"
            for name, count in sorted(self.waiting.items(), key=lambda kv: -kv[1])[:5]
        )
        return (
            f"sessions running a statement, on average {self.active / self.samples:.2f}; "
            f"waiting on (average sessions): {parts or 'nothing'}"
        )


WAITS = text(
    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend'"
)


def sample_waits(url: str, stop: threading.Event, waits: Waits) -> None:
    """Count, every 10 ms until ``stop``, the sessions active and what they wait on (a row
    lock of the record-number counter shows as ``Lock:transactionid`` or ``Lock:tuple``)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        while not stop.wait(0.01):
            waits.samples += 1
            for state, kind, event in connection.execute(WAITS):
                if state != "active":
                    continue
                waits.active += 1
                if kind and kind != "Client":
                    name = f"{kind}:{event}"
                    waits.waiting[name] = waits.waiting.get(name, 0) + 1
    engine.dispose()


def returbot_command(rng: random.Random, n: int) -> tuple[str, str, str]:
    user = f"U{rng.randint(1, 200):05d}"
    words = " ".join(rng.choice(WORDS) for _ in range(6))
    roll = rng.random()
    if roll < 0.30:
        command, text, expect = "/decision", f"{words} {n} dept:RMA,PU tags:retur", "D-"
    elif roll < 0.50:
        command, text, expect = "/issue", f"{words} {n} dept:RMA", "I-"
    elif roll < 0.70:
        command, text, expect = "/decision", f"search {rng.choice(WORDS)}", ""
    elif roll < 0.85:
        command, text, expect = "/issue", "list", ""
    elif roll < 0.95:
        command, text, expect = "/meeting", "list", ""
    else:
        number = rng.randint(1, 5000)
        command, text, expect = "/issue", f"note I-{number} {words} {n}", f"I-{number}"
    label = f"{command} {text.split()[0] if expect != 'D-' and expect != 'I-' else 'new'}"
    return label, slackreq.slash_body(command, text, user_id=user, channel_id="CRMA"), expect


def noop_command(rng: random.Random, n: int) -> tuple[str, str, str]:
    return "/noop", slackreq.slash_body("/noop", f"noop {n}", user_id="UBENCH"), "ok"


def durable_command(rng: random.Random, n: int) -> tuple[str, str, str]:
    words = " ".join(rng.choice(WORDS) for _ in range(6))
    body = slackreq.slash_body("/durable", f"{words} {n}", user_id="UBENCH")
    return "/durable", body, "ok "


def client(
    port: int, make: Body, seed: int, stop: threading.Event, pace: float, result: Result
) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    while not stop.is_set():
        n += 1
        label, body, expect = make(rng, seed * 1_000_000 + n)
        headers = slackreq.sign(body)
        started = time.perf_counter()
        try:
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            payload = response.read().decode("utf-8", "replace")
            took = (time.perf_counter() - started) * 1000
            error = ""
            if response.status != 200:
                error = f"HTTP {response.status}"
            elif expect and expect not in payload:
                error = f"unexpected answer: {payload[:160]}"
        except (OSError, http.client.HTTPException) as problem:
            took = (time.perf_counter() - started) * 1000
            error = f"{type(problem).__name__}: {problem}"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with result.lock:
            result.latencies.append(took)
            result.by_label.setdefault(label, []).append(took)
            if error:
                result.errors.append(error)
        if pace:
            stop.wait(pace)
    connection.close()


def load(ports: list[int], make: Body, clients: int, seconds: float, pace: float) -> Result:
    result = Result()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=client, args=(ports[i % len(ports)], make, i + 1, stop, pace, result)
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return result


def report(name: str, result: Result, seconds: float) -> None:
    values = result.latencies
    print(
        f"{name:<13} requests={len(values):6d}  throughput={len(values) / seconds:7.1f}/s  "
        f"p50={percentile(values, 50):7.1f} ms  p90={percentile(values, 90):7.1f} ms  "
        f"p99={percentile(values, 99):7.1f} ms  max={max(values):7.1f} ms  "
        f"errors={len(result.errors)}"
    )
    if len(result.by_label) > 1:
        for label, times in sorted(result.by_label.items()):
            print(
                f"          {label:<16} n={len(times):6d}  p50={percentile(times, 50):7.1f} ms  "
                f"p99={percentile(times, 99):7.1f} ms"
            )
    for error in sorted(set(result.errors))[:5]:
        print(f"          e.g. {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pace", type=float, default=0.0, help="a client's pause between commands")
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--issues", type=int, default=5_000)
    parser.add_argument("--log", default="bench-load.log", help="the web processes' log")
    args = parser.parse_args()
    if not args.pg:
        raise SystemExit(
            "give --pg postgresql+psycopg://… (everything in that database is dropped)"
        )
    db = empty_postgres(args.pg)
    started = time.perf_counter()
    seed_decisions(db, args.decisions)
    seed_issues(db, args.issues)
    prepare(db)
    print(
        f"seeded {args.decisions} decisions and {args.issues} issues "
        f"in {time.perf_counter() - started:.1f}s; {args.clients} clients, {args.seconds:.0f} s "
        f"each phase, pace {args.pace} s"
    )
    with FakeSlack() as slack:
        url = db.engine.url.render_as_string(hide_password=False)
        env = environment(slack.url, url, token="xoxb-bench")
        processes: list[subprocess.Popen[bytes]] = []
        log = Path(args.log)
        log.write_text("")
        try:
            ours = [free_port(), free_port()]
            webs = [
                subprocess.Popen(
                    [sys.executable, "-m", "returbot", "run", "--no-scheduler"],
                    env=env | {"PORT": str(port)},
                    stdout=subprocess.DEVNULL,
                    stderr=log.open("ab"),
                )
                for port in ours
            ]
            processes += webs
            bare = [free_port(), free_port()]
            bares = [
                subprocess.Popen(
                    [
                        sys.executable,
                        str(ROOT / "bench" / "bare_bolt.py"),
                        str(port),
                        slack.url,
                        url,
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for port in bare
            ]
            processes += bares
            for port, process in zip(ours, webs, strict=True):
                wait_healthy(port, process)
            for port, process in zip(bare, bares, strict=True):
                wait_healthy(port, process, "/slack/events")
            bind = slackreq.slash_body(
                "/returbot", "channel RMA", user_id="UCOORD", channel_id="CRMA"
            )
            slackreq.post(f"http://127.0.0.1:{ours[0]}/slack/events", bind)
            before = [rss(p.pid)[0] for p in webs]
            # a short warm-up of both, then the measured phases one after the other
            load(ours, returbot_command, args.clients, 3, args.pace)
            load(bare, noop_command, args.clients, 3, args.pace)
            load(bare, durable_command, args.clients, 3, args.pace)
            web_pids = [p.pid for p in webs]
            waits, sampled = Waits(), threading.Event()
            sampler = threading.Thread(target=sample_waits, args=(url, sampled, waits))
            sampler.start()
            ours_result, ours_cpu = measured(
                "returbot",
                lambda: load(ours, returbot_command, args.clients, args.seconds, args.pace),
                {"web processes": web_pids},
            )
            sampled.set()
            sampler.join()
            after = [rss(p.pid) for p in webs]
            bare_pids = {"bare processes": [p.pid for p in bares]}
            noop_result, noop_cpu = measured(
                "no-op floor",
                lambda: load(bare, noop_command, args.clients, args.seconds, args.pace),
                bare_pids,
            )
            durable_result, durable_cpu = measured(
                "durable floor",
                lambda: load(bare, durable_command, args.clients, args.seconds, args.pace),
                bare_pids,
            )
            report("returbot", ours_result, args.seconds)
            report("no-op floor", noop_result, args.seconds)
            report("durable floor", durable_result, args.seconds)
            for line in (ours_cpu, noop_cpu, durable_cpu):
                print(line)
            print(f"PostgreSQL during the returbot phase: {waits}")
            served = len(ours_result.latencies)

            def per_command(use: CpuUse, group: str, result: Result) -> float:
                return sum(use.per_process[group]) / max(1, len(result.latencies)) * 1000

            print(
                "CPU per command in the serving processes: "
                f"returbot {per_command(ours_cpu, 'web processes', ours_result):.2f} ms "
                "(goal ≤ 2 ms), "
                f"no-op floor {per_command(noop_cpu, 'bare processes', noop_result):.2f} ms, "
                f"durable floor {per_command(durable_cpu, 'bare processes', durable_result):.2f} ms"
            )
            for name, floor in (("no-op", noop_result), ("durable", durable_result)):
                p50 = percentile(ours_result.latencies, 50) / percentile(floor.latencies, 50)
                rate = served / max(1, len(floor.latencies))
                print(f"returbot / {name} floor: p50 ×{p50:.1f}, throughput ×{rate:.3f}")
            print("goal: throughput ≥ ×0.16 the no-op floor's, p99 < 150 ms, zero errors")
            for number, ((now, peak), start) in enumerate(zip(after, before, strict=True), 1):
                print(
                    f"web process {number}: resident {now:.0f} MB after the run "
                    f"(peak {peak:.0f} MB, {start:.0f} MB before)  goal < 100 MB"
                )
            deadline = time.monotonic() + 60
            with db.session() as session:
                while True:
                    waiting = session.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == "pending")
                    )
                    if not waiting or time.monotonic() > deadline:
                        break
                    session.rollback()
                    time.sleep(0.5)
                sent = session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == "sent")
                )
            print(f"outbox: {sent} notices sent by the web processes, {waiting or 0} pending")
            problems = [line for line in log.read_text().splitlines() if "ERROR" in line]
            print(f"web process log {log}: {len(problems)} ERROR lines")
        finally:
            stop_all(processes)
            db.dispose()


if __name__ == "__main__":
    main()
