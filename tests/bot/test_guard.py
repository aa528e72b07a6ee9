"""Privacy and safety (SPEC §6): identity numbers, broadcast mentions, lengths, resends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import guard
from bot.errors import UserError

# 01.01.1990, checked by hand: k1 = 11 - 86 % 11 = 2, k2 = 11 - 81 % 11 = 7
FNR = "01019010127"
D_NUMBER = "41019012393"


@pytest.mark.parametrize(
    "text",
    [
        FNR,
        f"Gjelder {FNR}.",
        "fnr 010190 10127",
        "fnr 010190-10127",
        f"D-nr {D_NUMBER}",
        f"x{FNR}x",
    ],
)
def test_identity_numbers_are_found(text: str) -> None:
    assert guard.contains_identity_number(text)
    with pytest.raises(UserError) as caught:
        guard.check_text(text, "details")
    assert caught.value.key == "safety.identity_number"


@pytest.mark.parametrize(
    "text",
    ["01019010128", "12345678901", "1" * 11, "010190101270", "tlf 22 33 44 55", "2026-12-01"],
)
def test_other_numbers_pass(text: str) -> None:
    assert not guard.contains_identity_number(text)
    assert guard.check_text(text, "details") == text


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
        ("<@U123> og <#C999|retur>", "<@U123> og <#C999|retur>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("se <https://udi.no|UDI>", "se <https://udi.no|UDI>"),
        ("<!date^1392734382^{date}|17. feb>", "17. feb"),
    ],
)
def test_mrkdwn_never_pings_a_broadcast(raw: str, shown: str) -> None:
    assert guard.mrkdwn(raw) == shown


@given(st.text())
def test_mrkdwn_output_has_no_broadcast(text: str) -> None:
    out = guard.mrkdwn(text)
    for token in ("<!channel", "<!here", "<!everyone", "<!subteam"):
        assert token not in out


def test_fingerprint_ignores_spacing_and_case() -> None:
    assert guard.fingerprint("decision", "Ny  rutine") == guard.fingerprint("decision", "ny rutine")
    assert guard.fingerprint("decision", "a") != guard.fingerprint("issue", "a")
