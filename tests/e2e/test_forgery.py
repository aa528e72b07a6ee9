"""SPEC §6 end to end: links and mentions in user text are shown for what they are wherever the
bot shows that text (answers, cards, lists, notices, the digest, the Home tab, error sentences);
the bot's own mentions stay live; hostile input of any size or shape gets a sentence."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot, Reply
from tests.support import slackreq
from tests.support.jsonwalk import strings

FORGED = "<https://evil.example/login|https://www.udi.no/skjema>"
LIE = "www.udi.no/skjema"
TARGET = "<https://evil.example/login>"


def slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def everything_sent(bot: Bot, *replies: Reply) -> str:
    """All text the bot gave Slack: the answers, and every Web API call it made."""
    texts = [s for reply in replies for s in strings(reply.json or reply.body.decode())]
    texts += [s for call in bot.slack.calls for s in strings(call.params)]
    return "\n".join(texts)


def bind(bot: Bot, target: str, channel: str) -> None:
    reply = bot.command("/returbot", f"channel {target}", user=COORDINATOR, channel=channel)
    assert reply.in_channel, reply.text


def open_home(bot: Bot, user: str = "UKARI") -> None:
    assert bot.rt.home is not None and bot.rt.home.wait_idle(10)
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    assert bot.send(slackreq.event_body(event)).status == 200
    assert bot.rt.home.wait_idle(10)


@pytest.mark.parametrize("typed", [FORGED, slack_escaped(FORGED)], ids=["markup", "escaped"])
def test_a_forged_link_shows_its_target_everywhere(bot: Bot, typed: str) -> None:
    bind(bot, "RMA", "CRMA")
    bind(bot, "digest", "CDIG")
    replies = [
        bot.command("/decision", f'Ny rutine {typed} dept:RMA details:"Se {typed}"'),
        bot.command("/issue", f'Skjema {typed} dept:RMA details:"Fyll ut {typed}"'),
        bot.command("/issue", f"note I-1 Oppdatert: {typed}"),
        bot.command("/meeting", "schedule network 3.12.2026 10:00", user=COORDINATOR),
        bot.command("/meeting", f"agenda M-1 Gå gjennom {typed}"),
    ]
    assert all(r.status == 200 and (r.in_channel or r.json.get("blocks")) for r in replies)
    bot.deliver()  # notices and confirmations
    replies += [
        bot.command("/decision", "show D-1"),
        bot.command("/decision", "list"),
        bot.command("/issue", "show I-1"),
        bot.command("/issue", "list"),
        bot.command("/meeting", "show M-1"),
        bot.command("/digest", ""),
    ]
    open_home(bot)
    sent = everything_sent(bot, *replies)
    assert TARGET in sent
    assert LIE not in sent, [s for s in sent.splitlines() if LIE in s][:3]
    posted = [p for p in bot.slack.posted("CRMA") if "I-1" in str(p.get("text"))]
    assert posted and TARGET in json.dumps(posted[0]["blocks"]), "the notice shows the target"


def test_typed_mentions_do_not_ping_and_the_bots_own_stay_live(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    # as Slack sends a command whose text names people: <@U…|name>
    replies = [
        bot.command(
            "/issue",
            'Spør <@UOLA|ola> dept:RMA details:"Ta det med <@UPER> og <!here> <!subteam^S1|@alle>"',
        ),
        bot.command("/issue", "note I-1 Takk, <@UOLA|ola>!"),
        bot.command("/decision", "Avklart med <@UOLA|ola> dept:RMA by:<@UPER>"),
        bot.command("/meeting", "schedule network 3.12.2026 10:00", user=COORDINATOR),
        bot.command("/meeting", "agenda M-1 <@UOLA> orienterer"),
    ]
    assert all(r.status == 200 for r in replies)
    bot.deliver()
    shown = [("/issue", "show I-1"), ("/decision", "show D-1"), ("/meeting", "show M-1")]
    replies += [bot.command(c, t) for c, t in [*shown, ("/digest", "")]]
    open_home(bot)
    sent = everything_sent(bot, *replies)
    for ping in ("<@UOLA", "<@UPER", "<!here", "<!subteam", "<!channel"):
        assert ping not in sent, [s for s in sent.splitlines() if ping in s][:3]
    assert "@ola" in sent and "@UPER" in sent
    # the bot's own mentions, made from stored IDs: the reporter, the owner, the author
    notice = next(p for p in bot.slack.posted("CRMA") if "I-1" in str(p.get("text")))
    assert "<@UKARI>" in json.dumps(notice["blocks"])
    assert "<@UKARI>" in json.dumps(bot.command("/decision", "show D-1").json["blocks"])


def test_error_sentences_echo_a_bounded_value_that_neither_pings_nor_links(bot: Bot) -> None:
    long = bot.command("/decision", "Tittel dept:" + "X" * 40_000)
    assert long.status == 200 and "X" * 100 not in long.text and len(long.text) < 600
    mention = bot.command("/decision", "Tittel dept:<@UOLA|ola>")
    assert "<@UOLA" not in mention.text and "@ola" in mention.text
    link = bot.command("/decision", f"Tittel dept:{FORGED}")
    assert LIE not in link.text and TARGET in link.text
    broadcast = bot.command("/decision", "show <!channel>")
    assert "<!channel>" not in broadcast.body.decode() and "@channel" in broadcast.text
    # a form's field error is plain text: the same value, bounded, no markup
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Tittel"}},
        "tags": {"value": {"type": "plain_text_input", "value": "<@UOLA|ola> " + "x" * 5000}},
    }
    form = bot.send(slackreq.view_submission_body("decision_modal", values, user_id="UKARI"))
    errors = form.json["errors"]
    assert all("<@" not in e and len(e) < 600 for e in errors.values()), errors
    # the coordinator named in a refusal is the bot's own mention: live
    refused = bot.command("/meeting", "schedule network 3.12.2026 10:00")
    assert f"<@{COORDINATOR}>" in refused.text


HOSTILE = {
    "long option value": "Tittel dept:" + "x" * 40_000,
    "long quoted details": 'Tittel dept:RMA details:"' + "y " * 20_000 + '"',
    "quote pairs": 'a"' * 20_000,
    "unbalanced quotes": '"' + "a" * 40_000,
    "open brackets": "<" * 40_000,
    "specials": "dept:" + "<!" * 20_000,
    "links": "dept:" + "<https:" * 6_000,
    "mentions": "<@U1|" * 8_000,
    "digits": "1 " * 20_000,
    "long gap": "1" + " " * 40_000 + "x1",
    "zero-width": "\u200b1" * 20_000,
    "mixed": ('<!x> 26.06.92 "a" <@U1|k> <https://e.example|x> &amp; \u200b1 «b» ' * 700),
}


@pytest.mark.parametrize("shape", list(HOSTILE))
def test_hostile_input_of_any_shape_gets_a_sentence(bot: Bot, shape: str) -> None:
    typed = HOSTILE[shape]
    for command in ("/decision", "/issue", "/meeting", "/returbot"):
        for text in (typed, slack_escaped(typed)):
            reply = bot.command(command, text, user=COORDINATOR)
            assert reply.status == 200, reply.body[:200]
            body = reply.body.decode()
            assert "Traceback" not in body and not re.search(r"<!(channel|here|everyone)", body)
            assert reply.text.strip() or reply.json.get("blocks"), (command, shape)
    assert bot.get("/healthz").status == 200
    assert "D-" in bot.command("/decision", "Vanlig beslutning etterpå dept:RMA").text
