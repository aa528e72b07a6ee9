"""The composition root: every kind of message the code can queue can be composed and sent by
every kind of process (a clock process once sent placeholder texts for want of renderers)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from bot import messages
from returbot import wiring
from storage.db import Database
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> list[tuple[str, Path, ast.Module]]:
    out = []
    for room in ("bot", "handlers", "returbot"):
        for path in sorted((ROOT / room).rglob("*.py")):
            if path.name == "__main__.py":
                continue  # importing it runs the command
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out.append((module, path, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _forwarders(
    trees: list[tuple[str, Path, ast.Module]],
) -> dict[tuple[str, str], tuple[int, str]]:
    """Functions that pass a ``kind`` parameter of their own on to ``enqueue``: name -> the
    parameter's position and name, so that their callers' arguments are read instead."""
    out: dict[tuple[str, str], tuple[int, str]] = {}
    for module, _path, tree in trees:
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            params = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
            for call in ast.walk(func):
                if isinstance(call, ast.Call) and _name(call.func) == "enqueue":
                    for keyword in call.keywords:
                        value = keyword.value
                        named = isinstance(value, ast.Name) and value.id in params
                        if keyword.arg == "kind" and isinstance(value, ast.Name) and named:
                            out[(module, func.name)] = (params.index(value.id), value.id)
    return out


def queued_kinds() -> dict[str, str]:
    """Every kind an ``enqueue(...)`` call in the code can queue, resolved, with where it is."""
    trees = _modules()
    forwarders = _forwarders(trees)
    found: dict[str, str] = {}
    for module, path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            callee = _callee(module, node.func)
            values: list[ast.expr] = []
            if name == "enqueue":
                values = [k.value for k in node.keywords if k.arg == "kind"]
            elif callee in forwarders:
                position, param = forwarders[callee]
                values = [k.value for k in node.keywords if k.arg == param]
                if not values and len(node.args) > position:
                    values = [node.args[position]]
            for value in values:
                kind = _resolve(module, value, forwarded=name == "enqueue")
                if kind is not None:
                    found[kind] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def _callee(module: str, func: ast.expr) -> tuple[str, str] | None:
    """The module and name of a called function: ``f(...)`` or ``other_module.f(...)``."""
    if isinstance(func, ast.Name):
        return module, func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        target = getattr(importlib.import_module(module), func.value.id, None)
        if target is not None and hasattr(target, "__file__"):
            return str(target.__name__), func.attr
    return None


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _resolve(module: str, value: ast.expr, *, forwarded: bool) -> str | None:
    """A constant, a module constant or ``other_module.CONSTANT``; None for ``row.kind`` (a
    row's own kind sent again: the fallback DM of a message that could not go) and, in an
    ``enqueue`` call, for a forwarder's own parameter (its callers are read instead)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    owner = importlib.import_module(module)
    if isinstance(value, ast.Name):
        if forwarded and not hasattr(owner, value.id):
            return None
        return str(getattr(owner, value.id))
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
        target = getattr(owner, value.value.id, None)
        if target is not None and hasattr(target, "__file__"):
            return str(getattr(target, value.attr))
        assert value.value.id == "row" and value.attr == "kind", ast.dump(value)
        return None
    raise AssertionError(f"{module}: a kind the test cannot read: {ast.dump(value)}")


def test_the_scan_finds_the_kinds_everyone_knows() -> None:
    kinds = queued_kinds()
    assert {"issue_notice", "meeting_reminder", "digest", "alert", "confirmation"} <= kinds.keys()


def test_every_queued_kind_is_declared_composed_or_carried() -> None:
    undeclared = {
        kind: where
        for kind, where in queued_kinds().items()
        if kind not in messages.COMPOSED | messages.CARRIED
    }
    assert undeclared == {}


@pytest.mark.parametrize("role", wiring.ROLES)
def test_every_process_can_compose_every_composed_kind(role: str, sqlite_db: Database) -> None:
    parts = wiring.process(make_settings(), role, db=sqlite_db)
    assert parts.dispatcher.renderers.keys() >= messages.COMPOSED
    assert parts.dispatcher.hooks == messages.SENT_HOOKS
    assert (parts.app is None) == (role == "clock")


def test_a_missing_renderer_stops_the_process_before_it_sends(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "COMPOSED", messages.COMPOSED | {"never_rendered"})
    with pytest.raises(RuntimeError, match="never_rendered"):
        wiring.process(make_settings(), "clock", db=sqlite_db)
