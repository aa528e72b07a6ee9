"""Stable identifiers: the same record gets the same ``systemID`` in every export (SPEC §10)."""

from __future__ import annotations

import uuid

_ROOT = uuid.UUID("6b1f5d0e-6f63-5d2a-9a43-7265747572ba")  # returbot's own namespace


def system_id(organisation: str, name: str) -> str:
    """A UUID derived from the organisation and a record's name (``D-4``, ``I-2/notat/7``)."""
    return str(uuid.uuid5(uuid.uuid5(_ROOT, organisation), name))
