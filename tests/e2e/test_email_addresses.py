"""/returbot email DEPT … (SPEC §4.5, §8): a coordinator sets the addresses a department's
e-mail goes to; a malformed one is refused with a sentence and nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from bot import addresses
from storage.models import AuditEntry, DepartmentEmail
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot


def stored(bot: Bot) -> dict[str, list[str]]:
    with bot.db.session() as session:
        return {r.department: r.addresses for r in session.scalars(select(DepartmentEmail))}


def test_a_coordinator_sets_addresses_as_typed_or_as_slack_sends_them(bot: Bot) -> None:
    reply = bot.command(
        "/returbot",
        "email pu <mailto:Vakt@Politiet.NO|Vakt@Politiet.NO>, leder@politiet.no",
        user=COORDINATOR,
    )
    assert reply.in_channel
    assert reply.text.startswith(
        "E-post for *PU* går nå til `Vakt@politiet.no`, `leder@politiet.no`."
    )
    assert "SMTP_URL" in reply.text  # e-mail is not set up in this bot: it says so
    assert stored(bot) == {"PU": ["Vakt@politiet.no", "leder@politiet.no"]}
    listed = bot.command("/returbot", "departments").text
    assert "e-post: `Vakt@politiet.no`, `leder@politiet.no`" in listed
    with bot.db.session() as session:
        assert addresses.current(session, bot.rt.org)["PU"] == [
            "Vakt@politiet.no",
            "leder@politiet.no",
        ]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "email_set")).one()
        assert entry.changes["department"] == "PU"
    cleared = bot.command("/returbot", "email PU none", user=COORDINATOR)
    assert cleared.text.startswith("*PU* får ikke lenger e-post fra returbot.")
    assert stored(bot) == {"PU": []}


def test_bad_input_is_one_sentence_and_changes_nothing(bot: Bot) -> None:
    bot.command("/returbot", "email PU vakt@politiet.no", user=COORDINATOR)
    cases = {
        "email PU vakt@politiet": "«vakt@politiet» er ikke en e-postadresse.",
        "email PU a b@politiet.no": "«a» er ikke en e-postadresse.",
        "email PU <script>@x.no": "er ikke en e-postadresse",
        "email PU 01019010127@pu.no": "fødselsnummer",
        "email XYZ vakt@politiet.no": "XYZ",
        "email PU": "Skriv adressene etter avdelingen",
        "email": "Skriv avdelingen og adressene",
        "email PU " + ",".join(f"a{i}@pu.no" for i in range(11)): "høyst 10",
    }
    for text, expected in cases.items():
        reply = bot.command("/returbot", text, user=COORDINATOR)
        assert reply.status == 200 and not reply.in_channel, text
        assert expected in reply.text, (text, reply.text)
    assert stored(bot) == {"PU": ["vakt@politiet.no"]}


def test_only_a_coordinator_may_set_addresses(bot: Bot) -> None:
    reply = bot.command("/returbot", "email PU vakt@politiet.no", user="UKARI")
    assert not reply.in_channel and "koordinator" in reply.text.lower()
    assert stored(bot) == {}
