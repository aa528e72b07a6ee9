"""Privacy and safety (SPEC §6): identity numbers as a person reads them, links and mentions
shown for what they are, broadcasts that never ping, bounded echoes, lengths, resends."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.text import guard, markup

# 01.01.1990, checked by hand: k1 = 11 - 86 % 11 = 2, k2 = 11 - 81 % 11 = 7
FNR = "01019010127"
D_NUMBER = "41019012393"
SPEC_NUMBER = "26069235653"  # SPEC §6's own example, with valid check digits


def test_the_examples_have_valid_check_digits() -> None:
    for number in (FNR, D_NUMBER, SPEC_NUMBER):
        assert guard.is_identity_number(number)
    assert not guard.is_identity_number("01019010128")


def spellings(number: str) -> list[str]:
    """Every way SPEC §6 says a person may write one number."""
    a, b = number[:6], number[6:]
    dotted = f"{number[:2]}.{number[2:4]}.{number[4:6]} {b}"
    fours = f"{number[:4]} {number[4:8]} {number[8:]}"
    splits = [" ", ".", "-", "\u00a0", "\u202f", "\u2007", "\t", "\n", "\r\n", "  ", " - ", "–"]
    invisible = ["\u200b", "\u200c", "\u2060", "\ufeff", "\u00ad", "\u200e"]
    markup = ["<!x>", "<!date^1^{date}>", "<!x|>"]
    return [
        number,
        dotted,
        fours,
        " ".join(number),
        "\u200b".join(number),
        f"*{a}* _{b}_",
        f"«{a}»{b}",
        number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        *(f"{a}{sep}{b}" for sep in splits),
        *(f"{a}{mark}{b}" for mark in invisible),
        *(f"{a}{mark}{b}" for mark in markup),
        f"<https://x.no/{a}>{b}",  # a link shows its address, and the digits run on
        f"<https://x.no|{a}> {b}",  # a label, for any renderer that trusts labels
        f"<@U1|{a}>{b}",  # a typed mention shows its label
    ]


@pytest.mark.parametrize("number", [FNR, D_NUMBER, SPEC_NUMBER])
def test_every_spelling_of_spec_6_is_found(number: str) -> None:
    for spelled in spellings(number):
        padded = (f"Gjelder {spelled}.", f"x{spelled}x", f"Tlf 22 33 44 55.\n{spelled}")
        for text in (spelled, *padded):
            assert guard.contains_identity_number(text), repr(text)
            with pytest.raises(UserError) as caught:
                guard.check_text(text, "details")
            assert caught.value.key == "safety.identity_number"


@pytest.mark.parametrize(
    "text",
    [
        FNR,
        f"Gjelder {FNR}.",
        "fnr 010190 10127",
        "fnr 010190-10127",
        f"D-nr {D_NUMBER}",
        f"x{FNR}x",
        "260692 35653",
        "26.06.92 35653",
        "2606 9235 653",
        "260692<!x>35653",
        "2 6 0 6 9 2 3 5 6 5 3",
        "Ring 12 34 56 78 om 260692 35653",  # one number in a chain of groups
        "M-1 260692 35653",
        "1.12.2026 260692 35653",
        "kl. 14:00 260692 35653",
        f"{FNR}:00",  # eleven digits in a row are one number, whatever follows
        f"D-{FNR}",
    ],
)
def test_identity_numbers_are_found(text: str) -> None:
    assert guard.contains_identity_number(text)
    with pytest.raises(UserError) as caught:
        guard.check_text(text, "details")
    assert caught.value.key == "safety.identity_number"


@pytest.mark.parametrize(
    "text",
    [
        "01019010128",  # fails the check digits
        "12345678901",
        "1" * 11,
        "010190101270",  # part of a longer number
        "1 01019010127 0".replace(" ", ""),
        "tlf 22 33 44 55",
        "+47 22 33 44 55, 99 88 77 66",
        "2026-12-01",
        "01.12.2026 14:00",
        "1.12.2026 kl. 14–16",
        "sak 26/01234, 26/01235 og 2026/01234-5",  # case numbers
        "260692/35653",
        "260692,35653",
        "Punkt 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11",
        "Org.nr. 974 760 673",
        "260692&amp;35653",  # an escape typed as text is shown as text
        "010190 x 10127",
        "move M-1 17.12.2026 12:00",  # an ID, a date and a time, not one number
        "M-12 1.12.2026 10 deltakere",
        "2026-12-01 14:00",
        "I-3 01-12-2026 1",
        "kl. 10:00–12:00 i rom 3",
        "1,5 mill. 10 000 000",
    ],
)
def test_ordinary_numbers_pass(text: str) -> None:
    assert not guard.contains_identity_number(text), text
    assert guard.check_text(text, "details") == text


def test_refuse_names_the_field() -> None:
    guard.refuse_identity_numbers("ingen nummer her", "tags")
    with pytest.raises(UserError) as caught:
        guard.refuse_identity_numbers("260692 35653", "tags")
    assert (caught.value.key, caught.value.params) == ("safety.identity_number", {"field": "tags"})


def test_redaction_removes_the_whole_number_and_only_it() -> None:
    assert guard.redact_identity_numbers("Gjelder 260692 35653, ring 22 33 44 55") == (
        "Gjelder […], ring 22 33 44 55"
    )
    assert guard.redact_identity_numbers("a 260692<!x>35653 b", "#") == "a # b"
    assert guard.redact_identity_numbers(f"{FNR} og {D_NUMBER}", "#") == "# og #"
    assert guard.redact_identity_numbers("01.12.2026") == "01.12.2026"


def test_echo_is_bounded_and_carries_no_identity_number() -> None:
    assert guard.echo("x" * 40_000) == "x" * 99 + "…"
    assert guard.echo("kort") == "kort"
    shown = guard.echo("dept:260692 35653")
    assert "35653" not in shown and "[…]" in shown
    assert not guard.contains_identity_number(guard.echo("x" * 95 + "260692 35653"))


def test_lengths_are_refused_not_truncated() -> None:
    assert guard.check_text("x" * 200, "title", limit=200) == "x" * 200
    with pytest.raises(UserError) as caught:
        guard.check_text("x" * 201, "title", limit=200)
    assert caught.value.params == {"field": "title", "limit": 200, "length": 201}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Hei <!channel> og <!here|here>", "Hei @channel og @here"),
        ("<!everyone> nå", "@everyone nå"),
        ("til <!subteam^S123|@retur>", "til @retur"),
        ("til <!subteam^S123>", "til @group"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("<!date^1392734382^{date}|17. feb>", "17. feb"),
        ("<!x>", ""),
    ],
)
def test_mrkdwn_never_pings_a_broadcast(raw: str, shown: str) -> None:
    assert guard.mrkdwn(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "<https://evil.example/login|https://www.udi.no/skjema>",
            "<https://evil.example/login>",
        ),
        ("se <https://udi.no|UDI>", "se <https://udi.no>"),
        ("<https://udi.no>", "<https://udi.no>"),
        ("<https://udi.no|https://udi.no>", "<https://udi.no>"),
        ("<http://udi.no|udi.no>", "<http://udi.no|udi.no>"),  # Slack's own auto-link
        ("<https://udi.no/|udi.no>", "<https://udi.no/|udi.no>"),
        ("<mailto:kari@udi.no|kari@udi.no>", "<mailto:kari@udi.no|kari@udi.no>"),
        ("<mailto:kari@evil.example|kari@udi.no>", "<mailto:kari@evil.example>"),
        ("<https://x.no/?a=1&b=2|lenke>", "<https://x.no/?a=1&amp;b=2>"),
        ("<javascript:alert(1)|klikk>", "&lt;javascript:alert(1)|klikk&gt;"),
        ("<tel:12345|ring>", "&lt;tel:12345|ring&gt;"),
    ],
)
def test_a_link_shows_where_it_leads(raw: str, shown: str) -> None:
    assert guard.mrkdwn(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<@U123> se her", "@U123 se her"),
        ("<@U123|kari> se her", "@kari se her"),
        ("<@W9AB|@kari>", "@kari"),
        ("<#C999|retur>", "<#C999>"),  # a channel link notifies nobody; Slack shows its name
        ("<#C999>", "<#C999>"),
    ],
)
def test_a_typed_mention_does_not_ping(raw: str, shown: str) -> None:
    assert guard.mrkdwn(raw) == shown


def test_plain_shows_what_mrkdwn_shows_without_markup() -> None:
    raw = "<!here> <@U1|kari> <https://evil.example|https://udi.no> <#C9|x> a & b"
    assert guard.plain(raw) == "@here @kari https://evil.example #C9 a & b"


LIVE = re.compile(r"<([^<>]*)>")


@given(st.text())
def test_mrkdwn_output_never_pings_and_never_lies(text: str) -> None:
    out = guard.mrkdwn(text)
    for live in LIVE.findall(out):
        # what survives as markup: a channel, or a link whose label is its own address
        assert live.startswith(("#C", "#G", "http", "mailto")), out
        if "|" in live and not live.startswith("#"):
            target, label = (part.replace("&amp;", "&") for part in live.split("|", 1))
            assert label in markup._SCHEME.sub("", target)


SOUP = st.lists(
    st.sampled_from(
        ["<", ">", "|", "!", "@U1", "#C1", "https://", "x", "<!here>", "<@U1|k>", "1", " ",
         "&", "\u200b", "."]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@given(st.text(alphabet=st.characters(blacklist_characters="<")))
def test_text_with_no_markup_is_shown_as_the_whole_reading_shows_it(text: str) -> None:
    """Text with no ``<`` takes a short way: what it shows is what reading it for markup
    shows (a trailing ``<x`` sends it the long way and is no markup itself)."""
    assert markup.mrkdwn(text) + "&lt;x" == markup.mrkdwn(text + "<x")
    assert markup.plain(text) + "<x" == markup.plain(text + "<x")


@given(SOUP)
def test_markup_soup_is_shown_safely(text: str) -> None:
    out = guard.mrkdwn(text)
    assert "<!" not in out and "<@" not in out
    guard.contains_identity_number(text)


@given(
    st.lists(st.sampled_from(["1", " ", "<", ">", "<!x>", "\u200b", ".", "a", '"']), max_size=60)
)
def test_redaction_leaves_no_identity_number(parts: list[str]) -> None:
    text = "".join(parts) + " 260692 35653"
    redacted = guard.redact_identity_numbers(text, "#")
    assert not guard.contains_identity_number(redacted)


@pytest.mark.parametrize(
    "hostile",
    ["<" * 40_000, "<!" * 20_000, '<https:"' * 5_000, "1 " * 20_000, "1" + " " * 40_000 + "x1",
     "<@U1|" * 8_000 + ">" * 8_000, "\u200b1" * 20_000],
)  # fmt: skip
def test_hostile_shapes_are_read_whole(hostile: str) -> None:
    # linear time is measured by bench/parse.py; here: every shape is read without error
    guard.contains_identity_number(hostile)
    assert guard.plain(hostile).count("@") <= hostile.count("@") + hostile.count("<!")
    assert "<!" not in guard.mrkdwn(hostile)


def test_fingerprint_ignores_spacing_and_case() -> None:
    assert guard.fingerprint("decision", "Ny  rutine") == guard.fingerprint("decision", "ny rutine")
    assert guard.fingerprint("decision", "a") != guard.fingerprint("issue", "a")
