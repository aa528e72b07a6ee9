"""What a process keeps of the run-time settings — the channel bindings and the departments'
addresses — while the settings' stamp stands (issue 19).

Every command reads the user's language and, in the same statement, the stamp
(``storage.common.user_language``); a change to a binding, a language or an address moves the
stamp in its own transaction (``storage.common.settings_changed``). What was read under a
stamp is good for as long as the database still shows that stamp, in every process: none
answers from settings older than the stamp its own transaction read, so a change made in
another process is seen by the next command after its commit. A transaction that read no
stamp (the clock's jobs, the outbox, the web) or that changes the settings itself reads them
afresh. Kept per engine: two apps on two engines (two processes, or two in one test) keep
their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage import common

V = TypeVar("V", bound=Mapping[str, Any])

_kept: WeakKeyDictionary[Engine, dict[str, tuple[int, Mapping[str, Any]]]] = WeakKeyDictionary()
_lock = threading.Lock()


def read(session: Session, name: str, load: Callable[[Session], V]) -> V:
    """``load(session)``, or what it gave under the stamp this transaction read."""
    stamp = common.settings_stamp(session)
    if stamp is None:
        return load(session)
    engine = session.get_bind()
    if not isinstance(engine, Engine):  # a session bound to a connection: nothing kept
        return load(session)
    with _lock:
        kept = _kept.setdefault(engine, {})
        found = kept.get(name)
    if found is not None and found[0] == stamp:
        return found[1]  # type: ignore[return-value]
    value = load(session)
    with _lock:
        kept[name] = (stamp, value)
    return value
