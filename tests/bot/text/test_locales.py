"""Every text exists in both languages, with the same placeholders."""

from __future__ import annotations

import string

from bot.text.i18n import catalogue


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_bokmal_and_english_have_the_same_keys_and_placeholders() -> None:
    nb, en = catalogue("nb"), catalogue("en")
    assert sorted(set(nb) ^ set(en)) == []
    differ = {key for key in nb if placeholders(nb[key]) != placeholders(en[key])}
    assert sorted(differ) == []
