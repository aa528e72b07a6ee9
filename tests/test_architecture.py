"""The shape of the tree (docs: README "Layout"): dependencies point one way,
``returbot -> handlers | web | mail -> bot -> storage``, and no adapter imports another.

Read from the source with ``ast`` (every ``import``, also those inside functions), so a new
back-edge fails here before anybody has to find it by reading.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("returbot", "handlers", "web", "mail", "bot", "storage")
ADAPTERS = ("handlers", "web", "mail")
# what each room may not import (its own room and those below it are allowed)
FORBIDDEN: dict[str, set[str]] = {
    "storage": {"returbot", "handlers", "web", "mail", "bot"},
    "bot": {"returbot", "handlers", "web", "mail"},
    "handlers": {"returbot", "web", "mail"},
    "web": {"returbot", "handlers", "mail"},
    "mail": {"returbot", "handlers", "web"},
    "returbot": set(),
}
# the core talks to no outside system's library: Slack, HTTP serving and scheduling are adapters'
CORE_FORBIDDEN = ("slack_bolt", "slack_sdk", "waitress", "apscheduler", "flask", "smtplib")
# (file, library) pairs allowed all the same; none today: the outbox's Slack calls live in
# handlers/slack_transport.py behind bot/outbox/transport.py's interface
CORE_EXCEPTIONS: set[tuple[str, str]] = set()


def modules(room: str) -> list[Path]:
    folder = ROOT / room
    return sorted(folder.rglob("*.py")) if folder.is_dir() else []


def imported(path: Path) -> set[str]:
    """The top-level packages ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("room", ROOMS)
def test_no_room_imports_a_room_above_it_or_a_sibling_adapter(room: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(room)
        for name in sorted(imported(path) & FORBIDDEN[room])
    ]
    assert wrong == []


def test_the_core_imports_no_adapter_library() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for room in ("bot", "storage")
        for path in modules(room)
        for name in sorted(imported(path) & set(CORE_FORBIDDEN))
        if (str(path.relative_to(ROOT)), name) not in CORE_EXCEPTIONS
    ]
    assert wrong == []


def test_the_exceptions_are_still_needed() -> None:
    """An exception that no longer applies is taken off the list, so it cannot hide a new one."""
    stale = [
        f"{file} no longer imports {name}"
        for file, name in sorted(CORE_EXCEPTIONS)
        if name not in imported(ROOT / file)
    ]
    assert stale == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from handlers.views import digest\n    import returbot.cli\n")
    assert imported(source) == {"handlers", "returbot"}
