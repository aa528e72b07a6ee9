"""The `returbot` command as a user runs it: console, export, db, bad settings."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import migrate

ROOT = Path(__file__).resolve().parents[2]


def returbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RETURBOT_", "DATABASE"))
    }
    base.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'rb.db'}", "PYTHONPATH": str(ROOT)})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "returbot", *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_console_logs_lists_and_exports(tmp_path: Path) -> None:
    logged = returbot(
        tmp_path,
        "console",
        "-c",
        '/decision Felles rutine for uttransport dept:PU,RMA by:"AUAs ledermøte" tags:retur',
    )
    assert logged.returncode == 0, logged.stderr
    assert "Beslutning *D-1* er loggført" in logged.stdout
    assert "to the channel" in logged.stdout
    listed = returbot(tmp_path, "console", "-c", "/decision list")
    assert "D-1" in listed.stdout and "Felles rutine for uttransport" in listed.stdout
    bad = returbot(tmp_path, "console", "-c", "/decision x dept:XYZ")
    assert "Jeg kjenner ikke avdelingen «XYZ»" in bad.stdout and "Traceback" not in bad.stderr

    exported = returbot(tmp_path, "export", "decisions")
    assert exported.returncode == 0
    records = json.loads(exported.stdout)
    assert records == [
        {
            "id": "D-1",
            "title": "Felles rutine for uttransport",
            "details": "",
            "departments": ["PU", "RMA"],
            "decided_by": "AUAs ledermøte",
            "basis": "",
            "decided_on": records[0]["decided_on"],
            "author": "UCONSOLE",
            "tags": ["retur"],
            "meeting": None,
            "issue": None,
            "supersedes": None,
            "superseded_by": None,
            "status": "active",
            "created_at": records[0]["created_at"],
            "screening": None,
            "public_title": "Felles rutine for uttransport",
        }
    ]
    as_csv = returbot(tmp_path, "export", "decisions", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows[0]["departments"] == "PU;RMA" and rows[0]["id"] == "D-1"
    for kind in ("issues", "meetings"):
        empty = returbot(tmp_path, "export", kind)
        assert json.loads(empty.stdout) == []
        header = returbot(tmp_path, "export", kind, "--format", "csv").stdout.splitlines()
        assert header[0].startswith("id,")


def test_console_reads_commands_from_stdin(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "returbot", "console"],
        input="/returbot help\n/decision help\nexit\n",
        cwd=tmp_path,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'rb.db'}",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "/returbot language" in result.stdout and "/decision search" in result.stdout


def test_console_shows_the_home_tab_and_refreshes_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "returbot", "console"],
        input="/returbot channel RMA\nhome\n/issue Kapasitet på Trandum dept:RMA\nexit\n",
        cwd=tmp_path,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'rb.db'}",
            "RETURBOT_COORDINATORS": "UCONSOLE",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("── Home tab ──")[1:]
    assert "Du har ingen åpne saker" in first
    assert "Ingen åpne saker venter på kvittering fra RMA." in first
    assert "*Dine åpne saker (1)*" in second and "*I-1* Kapasitet på Trandum" in second
    assert "[Kvitter for RMA]" in second


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "x"}, "PORT"),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "RETURBOT_CONFIG": "/no/such.toml",
            },
            "/no/such.toml",
        ),
    ],
)
def test_run_refuses_bad_settings_with_one_line(
    tmp_path: Path, env: dict[str, str], words: str
) -> None:
    result = returbot(tmp_path, "run", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert "xoxb-1" not in result.stderr


def test_db_upgrade(tmp_path: Path) -> None:
    result = returbot(tmp_path, "db", "upgrade")
    assert result.returncode == 0 and f"schema at {migrate.head()}" in result.stdout


def test_digest_print(tmp_path: Path) -> None:
    returbot(tmp_path, "console", "-c", "/decision Felles rutine for uttransport dept:PU,RMA")
    returbot(tmp_path, "console", "-c", "/issue Mangler reisedokumenter dept:PU")
    printed = returbot(tmp_path, "digest", "--print")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("== Ukeoppsummering, uke ")
    assert "D-1 Felles rutine for uttransport" in printed.stdout
    assert "*I-1* Mangler reisedokumenter — PU" in printed.stdout
    english = returbot(tmp_path, "digest", "--print", "--lang", "en", "--week", "2020-W01")
    assert "Weekly digest, week 1" in english.stdout
    assert "30 December 2019 – 5 January 2020" in english.stdout
    assert "Felles rutine" not in english.stdout  # not logged that week
    bad = returbot(tmp_path, "digest", "--print", "--week", "uke 47")
    assert bad.returncode == 2 and "2026-W47" in bad.stderr and "Traceback" not in bad.stderr
