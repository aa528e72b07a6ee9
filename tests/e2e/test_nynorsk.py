"""Nynorsk end to end: chosen with /returbot language nn, then every answer in Nynorsk, with dates
written and read the Nynorsk way; and an organisation whose configured language is nn."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import orgconfig
from returbot.console import render_blocks
from storage.models import Issue, UserPreference
from tests.blockcheck import assert_valid_blocks
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.e2e.test_home import home_text, open_home


def test_choosing_nynorsk_answers_in_nynorsk_from_then_on(bot: Bot) -> None:
    chosen = bot.command("/returbot", "language nn")
    assert chosen.text == "Greitt, eg svarar deg på nynorsk frå no av."
    with bot.db.session() as session:
        (pref,) = session.scalars(select(UserPreference))
        assert (pref.user_id, pref.language) == ("UKARI", "nn")
    listing = bot.command("/returbot", "departments")
    assert_valid_blocks(listing.json["blocks"])
    assert "*Avdelingar og etatar*" in listing.text and "*Møteseriar*" in listing.text
    logged = bot.command("/decision", "Felles rutine for uttransport dept:PU,RMA")
    assert "Avgjerd *D-1* er loggført: Felles rutine for uttransport" in logged.text
    missing = bot.command("/issue", "show I-99")
    assert missing.text == "Eg finn ikkje saka I-99. Skriv /issue list for å sjå opne saker."
    # someone else still reads Bokmål
    other = bot.command("/issue", "show I-99", user="UOLA")
    assert other.text.startswith("Jeg finner ikke saken I-99.")
    # and back
    assert "bokmål" in bot.command("/returbot", "language NB").text
    assert "Jeg finner ikke saken" in bot.command("/issue", "show I-99").text


def test_a_bad_language_names_all_three(bot: Bot) -> None:
    reply = bot.command("/returbot", "language nynorsk")
    assert "«nynorsk»" in reply.text
    assert "/returbot language nn for nynorsk" in reply.text
    bot.command("/returbot", "language nn")
    help_text = bot.command("/returbot", "help").text
    assert "`/returbot language nb|nn|en`" in help_text and "held nettverket samkøyrt" in help_text


def test_nynorsk_dates_are_read_and_written(bot: Bot) -> None:
    bot.command("/returbot", "language nn", user=COORDINATOR)
    bot.command("/returbot", "language nn")
    # now is Wednesday 25 November 2026, 10:30 in Oslo
    scheduled = bot.command("/meeting", "schedule network tysdag kl. 10", user=COORDINATOR)
    assert "Møte *M-1* er sett opp" in scheduled.text
    assert "tysdag 1. desember 2026 kl. 10.00–12.00" in scheduled.text
    registered = bot.command("/issue", 'Manglar reisedokument dept:PU due:"i morgon"')
    assert "Sak *I-1* er registrert" in registered.text
    bot.command("/issue", "Tolk til intervju dept:RMA due:laurdag")
    bot.command("/issue", 'Kapasitet dept:RMA due:"14. mars"')
    with bot.db.session() as session:
        dues = [str(i.due) for i in session.scalars(select(Issue).order_by(Issue.id))]
    assert dues == ["2026-11-26", "2026-11-28", "2027-03-14"]
    card = render_blocks(bot.command("/issue", "show I-1").json["blocks"])
    assert "*Frist*: 26. november 2026" in card and "*Ansvarleg*: <@UKARI>" in card
    refused = bot.command("/issue", "Feil dato dept:RMA due:imorgo")
    assert refused.text == (
        "Eg forstår ikkje datoen «imorgo». Skriv til dømes 1.12.2026, 2026-12-01, 14. mars, "
        "i morgon, fredag eller +3d."
    )
    shown = render_blocks(bot.command("/meeting", "show M-1").json["blocks"])
    assert "tysdag 1. desember 2026 kl. 10.00–12.00" in shown
    assert "/digest" in bot.command("/digest", "help").text
    assert "kvar måndag kl. 08.00" in bot.command("/digest", "help").text


def test_an_organisation_configured_in_nynorsk(bot: Bot) -> None:
    org = replace(bot.rt.org, language="nn")
    bot.rt.settings = replace(bot.rt.settings, org=org)
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.slack.set_members("CRMA", ["UKARI"])
    reply = bot.command("/issue", "Kapasitet på Trandum dept:RMA due:+5d")
    assert "Sak *I-1* er registrert: Kapasitet på Trandum" in reply.text
    bot.deliver()
    (notice,) = bot.slack.posted("CRMA")
    shown = render_blocks(notice["blocks"])
    assert "Ny sak som gjeld *RMA*: *I-1* Kapasitet på Trandum" in shown
    assert "*Frist*: 30. november 2026" in shown and "*Avdelingar det gjeld*: RMA" in shown
    status = bot.command("/returbot", "status", user=COORDINATOR).text
    assert "Neste vekeoppsummering: måndag 30. november 2026 kl. 08.00" in status
    open_home(bot)
    home = home_text(bot)
    assert "== returbot — oversikta di ==" in home
    assert "[Logg avgjerd] [Registrer sak] [Set opp møte]" in home
    assert "*Dei opne sakene dine (1)*" in home
    assert "Oppdatert onsdag 25. november 2026 kl. 10.30" in home
    # a user's own choice still wins over the organisation's
    bot.command("/returbot", "language en")
    assert "is not a language" in bot.command("/returbot", "language x").text


def test_the_config_file_takes_nn_and_names_it_when_refusing(tmp_path: Path) -> None:
    bundled = (resources.files("bot") / "default_config.toml").read_text(encoding="utf-8")
    assert 'language = "nb"' in bundled
    path = tmp_path / "org.toml"
    path.write_text(bundled.replace('language = "nb"', 'language = "nn"'), encoding="utf-8")
    assert orgconfig.load(str(path)).language == "nn"
    path.write_text(bundled.replace('language = "nb"', 'language = "no"'), encoding="utf-8")
    with pytest.raises(orgconfig.ConfigError) as refused:
        orgconfig.load(str(path))
    assert "organization.language" in str(refused.value)
    assert 'must be "nb", "nn" or "en", got \'no\'' in str(refused.value)


def test_the_digest_in_nynorsk(bot: Bot) -> None:
    bot.command("/returbot", "language nn", user=COORDINATOR)
    bot.command("/returbot", "language nn")
    bot.command("/meeting", "schedule network 1.12.2026 10:00", user=COORDINATOR)
    bot.command("/meeting", "agenda M-1 Status på reisedokument")
    bot.command("/issue", "Reisedokument frå Irak manglar dept:PU")
    bot.command("/decision", "Felles rutine for uttransport dept:AUA")
    text = render_blocks(bot.command("/digest").json["blocks"])
    assert "Vekeoppsummering, veke 48" in text
    assert "23. november 2026 – 29. november 2026" in text
    assert "berre du ser dette" in text
    assert "*Avgjerder denne veka (1)*" in text and "*Nye saker (1)*" in text
    assert "*Ventar på kvittering (1)*" in text and "ventar på PU" in text
    assert "*Møte dei neste 14 dagane (1)*" in text
    assert "• *M-1* Returnettverket — tysdag 1. desember 2026 kl. 10.00–12.00" in text
    assert "  *PU*: opne: 1" in text
