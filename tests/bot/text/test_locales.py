"""Every text exists in every language, with the same placeholders and the same Slack markup.

Bokmål is the reference: whatever ``bot/text/locales/nb/`` holds (every ``*.toml`` there, the
files added later included) must be in ``nn`` and ``en`` too, and nothing else may be.
"""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources

import pytest

from bot.text.i18n import DEFAULT_LANG, LANGUAGES, as_lang, catalogue, t

OTHERS = [lang for lang in LANGUAGES if lang != DEFAULT_LANG]
_ITALIC = re.compile(r"(?<![\w`])_[^_\n]+_(?![\w`])")
_EMOJI = re.compile(r":[a-z_]+:")
# a mention, a channel, a special mention or a link, without its label (<{url}|åpne i Slack>)
_ANGLE = re.compile(r"<([@#!][^>|]*|\{url\}|https?://[^>|]*)[^>]*>")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def markup(text: str) -> tuple[object, ...]:
    """What Slack renders of a text apart from its words: bold, code, italics, emoji, links,
    mentions, bullets and line breaks."""
    return (
        text.count("*"),
        text.count("`"),
        len(_ITALIC.findall(text)),
        sorted(_EMOJI.findall(text)),
        sorted(_ANGLE.findall(text)),
        text.count("•"),
        text.count("\n"),
    )


def test_nynorsk_is_a_language() -> None:
    assert LANGUAGES == ("nb", "nn", "en")
    assert [as_lang(code) for code in ("nb", "nn", "en", None, "de", "NN")] == [
        "nb", "nn", "en", "nb", "nb", "nb",
    ]  # fmt: skip


def test_the_bokmal_catalogue_is_every_nb_file() -> None:
    folder = resources.files("bot.text") / "locales" / "nb"
    files = sorted(e.name for e in folder.iterdir() if e.name.endswith(".toml"))
    domains = {key.split(".", 1)[0] for key in catalogue("nb")}
    assert {name.removesuffix(".toml") for name in files} == domains
    assert {"admin", "common", "decision", "issue", "meeting", "parse"} <= domains
    for name in files:
        assert tomllib.loads((folder / name).read_text(encoding="utf-8")), name


@pytest.mark.parametrize("lang", OTHERS)
def test_every_bokmal_key_is_in_every_language(lang: str) -> None:
    nb, other = catalogue("nb"), catalogue(as_lang(lang))
    assert sorted(set(nb) - set(other)) == []
    assert sorted(set(other) - set(nb)) == []


@pytest.mark.parametrize("lang", OTHERS)
def test_every_text_has_the_placeholders_and_markup_of_bokmal(lang: str) -> None:
    nb, other = catalogue("nb"), catalogue(as_lang(lang))
    shared = sorted(set(nb) & set(other))
    assert [k for k in shared if placeholders(nb[k]) != placeholders(other[k])] == []
    assert [k for k in shared if markup(nb[k]) != markup(other[k])] == []


def test_nynorsk_is_not_bokmal_with_another_name() -> None:
    """The Nynorsk texts are their own: the words a Bokmål text would use are not in them."""
    nb, nn = catalogue("nb"), catalogue("nn")
    same = [k for k in nb if nb[k] == nn[k] and len(placeholders(nb[k])) < 2 and " " in nb[k]]
    assert len(same) < len(nb) // 10, same
    # Bokmål words, and "beslutning" outside the command alias /beslutning
    bokmal = re.compile(r"\b(ikke|jeg|hvis|noe|bundet|(?<!/)beslutning\w*|uke|hver|fra)\b")
    assert [k for k, text in nn.items() if bokmal.search(text.lower())] == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nb", "Greit, jeg svarer deg på norsk bokmål fra nå av."),
        ("nn", "Greitt, eg svarar deg på nynorsk frå no av."),
        ("en", "All right, I will answer you in English from now on."),
    ],
)
def test_each_language_says_it_in_its_own_words(lang: str, expected: str) -> None:
    assert t(lang, "admin.language_set") == expected
    assert "/returbot language nn" in t(lang, "admin.bad_language", value="de")
    assert "nb|nn|en" in t(lang, "admin.help")
