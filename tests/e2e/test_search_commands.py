"""/returbot search, /issue search and /decision search end to end (SPEC §4, §11): records made
through the commands are found in the same transaction, each hit by its ID with its kind, title,
status and snippet; bad input gets one sentence."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.blockcheck import assert_valid_blocks
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot, Reply


def made(reply: Reply) -> None:
    assert reply.in_channel, reply.text


def seed(bot: Bot) -> None:
    made(bot.command("/decision", 'Felles rutine for uttransport dept:PU details:"Gjelder alle"'))
    made(
        bot.command(
            "/issue", 'Mottak i nord mangler tolk dept:RMA details:"Tolketjenesten svikter"'
        )
    )
    made(bot.command("/issue", "note I-1 Ny avtale med tolkeformidler er inngått i dag."))
    made(
        bot.command(
            "/meeting", 'schedule network 15.12.2026 10:00 place:"Møterom 3"', user=COORDINATOR
        )
    )
    made(bot.command("/meeting", "agenda M-1 Status for tilbaketakelsesavtaler"))


def test_one_search_finds_each_kind_by_its_id_with_kind_title_status_and_snippet(bot: Bot) -> None:
    seed(bot)
    reply = bot.command("/returbot", "search avtalene")
    assert not reply.in_channel
    assert_valid_blocks(reply.json["blocks"])
    lines = reply.text.splitlines()
    # the note's words and the agenda item's compound were indexed when they were written
    assert lines[0].startswith("*I-1* Mottak i nord mangler tolk — Sak · Åpen"), reply.text
    assert lines[1] == "> Tolketjenesten svikter · Ny avtale med tolkeformidler er inngått i dag."
    assert lines[2].startswith("*M-1* ") and "Møte · Planlagt" in lines[2]
    assert "tilbaketakelsesavtaler" in lines[3]
    decision = bot.command("/returbot", "search rutinen")
    assert decision.text.startswith("*D-1* Felles rutine for uttransport — Beslutning · Gjeldende")


def test_kind_narrows_the_search_and_a_bad_kind_is_one_sentence(bot: Bot) -> None:
    seed(bot)
    assert "I-1" not in bot.command("/returbot", "search avtale kind:meeting").text
    assert "M-1" in bot.command("/returbot", "search avtale kind:møte").text
    assert "I-1" in bot.command("/returbot", "search avtale kind:sak").text
    bad = bot.command("/returbot", "search avtale kind:notat")
    assert bad.status == 200 and not bad.in_channel
    assert bad.text == (
        "«notat» er ikke en type å søke i. Bruk kind:decision, kind:issue eller kind:meeting."
    )


def test_issue_and_decision_search_keep_to_their_own_kind(bot: Bot) -> None:
    seed(bot)
    made(bot.command("/decision", "Avtale om tolker dept:RMA"))
    issue = bot.command("/issue", "search tolkeformidler")
    assert "I-1" in issue.text and "D-2" not in issue.text
    decision = bot.command("/decision", "search tolk")
    assert "D-2" in decision.text and "I-1" not in decision.text
    assert bot.command("/sak", "search avtale").text.startswith("*I-1*")


def test_nothing_found_suggests_fewer_words_and_no_words_shows_how(bot: Bot) -> None:
    seed(bot)
    none = bot.command("/returbot", "search tolk uttransport budsjett")
    assert none.text == (
        "Ingen treff. Alle ordene må finnes i samme sak, beslutning eller møte: prøv færre ord."
    )
    empty = bot.command("/issue", "search  «» *")
    assert empty.text.startswith("Skriv ett eller flere ord å søke etter")
    assert "/issue search" in empty.text


def test_a_typo_still_finds_the_record(bot: Bot) -> None:
    seed(bot)
    assert bot.command("/returbot", "search uttrasport").text.startswith("*D-1*")


def test_english_users_get_english_kinds_and_statuses(bot: Bot) -> None:
    seed(bot)
    bot.command("/returbot", "language en")
    reply = bot.command("/returbot", "search rutine")
    assert "— Decision · Active" in reply.text


def test_a_snippet_cannot_ping_or_disguise_a_link(bot: Bot) -> None:
    seed(bot)
    made(
        bot.command(
            "/issue",
            "Skjema for reisestøtte dept:RMA "
            'details:"Til <!channel> og <@UOLA>: se <https://evil.example|udi.no>"',
        )
    )
    reply = bot.command("/returbot", "search reisestøtte")
    assert "I-2" in reply.text
    assert not re.search(r"<!(channel|here|everyone)>|<@U", reply.text), reply.text
    assert "evil.example" in reply.text  # a link is shown by its address, not a label


def test_a_command_that_fails_leaves_nothing_in_the_index(bot: Bot) -> None:
    bot.command("/decision", "Rutine for dublin dept:XYZ")  # an unknown department: refused
    with bot.db.session() as session:
        assert session.scalar(text("SELECT count(*) FROM search_docs")) == 0
    assert bot.command("/decision", "search dublin").text.startswith("Ingen treff")
