"""The one error type users see: a message key and its parameters, rendered in their language."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or a refused action: rendered as one clear sentence, nothing is written.

    Example::

        raise UserError("parse.bad_date", value="32.13.2026")
    """

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"UserError({self.key!r}, {self.params!r})"
