"""Every string a Slack call or an answer carries, for tests that look for what was sent."""

from __future__ import annotations

import json
from typing import Any


def strings(value: Any) -> list[str]:
    """Every string in a JSON-like value (JSON held in a string is opened too)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return [value] if isinstance(parsed, str | int | float) else strings(parsed)
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []
