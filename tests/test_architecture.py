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
ROOMS = ("returbot", "handlers", "web", "mail", "archive", "bot", "storage")
ADAPTERS = ("handlers", "web", "mail", "archive")
# what each room may not import (its own room and those below it are allowed); archive/ (the
# Noark 5 package, SPEC §10) is an adapter like the others: only returbot/ imports it
FORBIDDEN: dict[str, set[str]] = {
    "storage": {"returbot", "handlers", "web", "mail", "archive", "bot"},
    "bot": {"returbot", "handlers", "web", "mail", "archive"},
    "handlers": {"returbot", "web", "mail", "archive"},
    "web": {"returbot", "handlers", "mail", "archive"},
    "mail": {"returbot", "handlers", "web", "archive"},
    "archive": {"returbot", "handlers", "web", "mail"},
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


def modules_imported(path: Path) -> set[str]:
    """The full names of the modules ``path`` imports (``from storage import issues`` names
    ``storage.issues``; ``from storage.models import Issue`` names ``storage.models``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


# what an adapter may take from storage/: the typed records the use cases hand it
ADAPTER_STORAGE = {"storage", "storage.models"}


@pytest.mark.parametrize("room", ADAPTERS)
def test_an_adapter_reads_the_database_only_through_the_core(room: str) -> None:
    """A query belongs to a use case in bot/; an adapter knows the records, not the tables."""
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(room)
        for name in sorted(modules_imported(path))
        if (name == "storage" or name.startswith("storage."))
        and name not in ADAPTER_STORAGE
        and not name.startswith("storage.models.")
    ]
    assert wrong == []


@pytest.mark.parametrize("room", ADAPTERS)
def test_an_adapter_decides_no_permission(room: str) -> None:
    """Who may do what is decided in the use cases (bot/permissions.py), for every way in."""
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(room)
        for name in sorted(modules_imported(path))
        if name == "bot.permissions" or name.startswith("bot.permissions.")
    ]
    assert wrong == []


def test_the_module_check_sees_what_a_from_import_names(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from storage import issues\nfrom storage.models import Issue\n"
        "def f():\n    from bot import permissions\n"
    )
    found = modules_imported(source)
    assert {"storage.issues", "storage.models", "bot.permissions"} <= found
