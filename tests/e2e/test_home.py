"""The Home tab end to end: opened through a signed event, published to the fake Slack, refreshed
after the user changes something, its buttons acting from the tab."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, insert

from returbot.console import render_blocks
from storage import common
from storage.models import Issue, IssueDepartment
from tests.blockcheck import assert_valid_view
from tests.conftest import COORDINATOR, NOW
from tests.e2e.conftest import Bot
from tests.support import slackreq


def open_home(bot: Bot, user: str = "UKARI", tab: str = "home") -> None:
    settle(bot)  # refreshes asked for by earlier commands are done: they find no tab yet
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab}
    reply = bot.send(slackreq.event_body(event))
    assert reply.status == 200
    settle(bot)


def settle(bot: Bot) -> None:
    assert bot.rt.home is not None and bot.rt.home.wait_idle(10)


def homes(bot: Bot, user: str = "UKARI") -> list[dict[str, Any]]:
    """Every view published to ``user``'s Home tab, oldest first."""
    return [
        c.params["view"]
        for c in bot.slack.calls_to("views.publish")
        if c.params.get("user_id") == user
    ]


def home_text(bot: Bot, user: str = "UKARI") -> str:
    views = homes(bot, user)
    assert views, f"no Home tab published for {user}"
    assert_valid_view(views[-1])
    return render_blocks(views[-1]["blocks"])


def ok(bot: Bot, command: str, text: str, user: str = "UKARI") -> None:
    reply = bot.command(command, text, user=user)
    assert "blocks" in reply.json or reply.in_channel, reply.text


def part(text: str, title: str) -> list[str]:
    """The lines under the heading that starts with ``title``, up to the next divider."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"*{title}"))
    out = []
    for line in lines[start + 1 :]:
        if line.startswith("  ─"):
            break
        out.append(line)
    return out


def seed(bot: Bot) -> None:
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.command("/returbot", "channel PU", user=COORDINATOR, channel="CPU")
    bot.slack.set_members("CRMA", ["UKARI", "UOLA"])
    bot.slack.set_members("CPU", ["UOLA"])
    ok(bot, "/issue", "Reisedokumenter mangler dept:PU due:+5d")  # I-1, Kari reports and owns
    ok(bot, "/issue", "Kapasitet på Trandum dept:RMA,UNE owner:<@UOLA>")  # I-2, Kari reports
    ok(bot, "/issue", "Tolk til intervjuer dept:RMA", user="UOLA")  # I-3, Ola's
    ok(bot, "/issue", "Gammel sak dept:ASA")  # I-4, closed below
    ok(bot, "/issue", "close I-4")
    ok(bot, "/issue", "Frist i går dept:AUA due:+1d prio:høy")  # I-5, overdue once time moves
    ok(bot, "/meeting", "schedule network 01.12.2026 10:00", user=COORDINATOR)
    ok(bot, "/meeting", "agenda M-1 Kapasitet på Trandum issue:I-2")
    ok(bot, "/decision", "Felles rutine for uttransport dept:AUA,PU")
    ok(bot, "/decision", "Ny praksis for lengeværende barn dept:RMA")
    bot.clock.advance(days=2)


def test_opening_the_home_tab_shows_the_users_overview(bot: Bot) -> None:
    seed(bot)
    open_home(bot)
    (view,) = homes(bot)
    assert view["type"] == "home"
    text = home_text(bot)
    assert "== returbot — din oversikt ==" in text
    assert "[Logg beslutning] [Registrer sak] [Sett opp møte]" in text
    mine = part(text, "Dine åpne saker (3)")
    assert [line.split(" — ")[0] for line in mine] == [
        "• *I-5* Frist i går",  # overdue first
        "• *I-1* Reisedokumenter mangler",
        "• *I-2* Kapasitet på Trandum",  # reported by Kari, owned by Ola
    ]
    assert "på overtid" in mine[0]
    assert "I-3" not in "\n".join(mine) and "I-4" not in text  # Ola's own, and the closed one
    waiting = part(text, "Venter på kvittering fra RMA (2)")
    assert waiting[0].startswith("*I-2* Kapasitet på Trandum")
    assert waiting[1] == "  [Kvitter for RMA]"
    assert waiting[2].startswith("*I-3* Tolk til intervjuer")
    meetings = part(text, "Neste møter (1)")
    assert meetings[0].startswith("• *M-1* Returnettverket — tirsdag 1. desember 2026 kl. 10.00")
    assert "1 punkt" in meetings[0]  # its agenda count
    decisions = part(text, "Siste beslutninger")
    assert decisions[0].startswith("• *D-2* Ny praksis for lengeværende barn")
    assert decisions[1].startswith("• *D-1* Felles rutine for uttransport")
    buttons = [
        e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["open_decision_modal", "open_issue_modal", "open_meeting_modal"]


def test_the_departments_a_user_belongs_to_are_their_channels(bot: Bot) -> None:
    seed(bot)
    open_home(bot, "UOLA")
    text = home_text(bot, "UOLA")
    assert "*Venter på kvittering fra RMA, PU (3)*" in text
    open_home(bot, "UNOBODY")
    text = home_text(bot, "UNOBODY")
    assert "Du er ikke med i kanalen til noen avdeling" in text
    assert "Du har ingen åpne saker som ansvarlig eller melder." in text


def test_the_messages_tab_publishes_nothing(bot: Bot) -> None:
    seed(bot)
    open_home(bot, tab="messages")
    assert homes(bot) == []


def test_a_change_refreshes_the_home_tab_and_a_read_does_not(bot: Bot) -> None:
    seed(bot)
    open_home(bot)
    assert len(homes(bot)) == 1
    bot.command("/issue", "list")
    bot.command("/decision", "search rutine")
    settle(bot)
    assert len(homes(bot)) == 1  # reading changes nothing
    ok(bot, "/issue", "close I-5")
    settle(bot)
    assert len(homes(bot)) == 2
    assert "*Dine åpne saker (2)*" in home_text(bot) and "I-5" not in home_text(bot)


def test_bad_input_refreshes_nothing(bot: Bot) -> None:
    seed(bot)
    open_home(bot)
    reply = bot.command("/issue", "close I-999")
    assert "I-999" in reply.text
    settle(bot)
    assert len(homes(bot)) == 1


def test_the_owner_sees_an_issue_assigned_to_them_by_someone_else(bot: Bot) -> None:
    seed(bot)
    open_home(bot, "UOLA")
    open_home(bot, "UKARI")
    before = len(homes(bot, "UOLA"))
    ok(bot, "/issue", "assign I-1 <@UOLA>", user="UKARI")
    settle(bot)
    assert len(homes(bot, "UOLA")) == before + 1
    assert "*I-1* Reisedokumenter mangler" in home_text(bot, "UOLA")


def test_a_user_who_never_opened_the_tab_gets_no_publish(bot: Bot) -> None:
    seed(bot)
    ok(bot, "/issue", "note I-1 Purret på PU")
    settle(bot)
    assert bot.slack.calls_to("views.publish") == []


def test_whether_a_writer_has_a_tab_is_asked_once_a_minute_not_on_every_write(
    bot: Bot,
) -> None:
    seed(bot)
    asked: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "key_values" in statement and "home:" in str(args[0]):
            asked.append(statement)

    event.listen(bot.db.engine, "before_cursor_execute", count)
    try:
        for n in range(3):
            ok(bot, "/issue", f"note I-1 Purring nummer {n}", user="UNEW")
            settle(bot)
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", count)
    assert len(asked) == 1 and bot.slack.calls_to("views.publish") == []
    # opening the tab is known at once in this process, and the next write refreshes it
    open_home(bot, "UNEW")
    settle(bot)
    before = len(homes(bot, "UNEW"))
    ok(bot, "/issue", "note I-1 Etter at fanen ble åpnet", user="UNEW")
    settle(bot)
    assert len(homes(bot, "UNEW")) == before + 1


def test_acknowledging_from_the_home_tab(bot: Bot) -> None:
    seed(bot)
    open_home(bot)
    view = {**homes(bot)[-1], "id": "VHOME"}
    body = slackreq.action_body("issue_ack", "2:RMA", user_id="UKARI", view=view)
    assert bot.send(body).status == 200
    settle(bot)
    text = home_text(bot)
    assert "*Venter på kvittering fra RMA (1)*" in text
    assert "*I-3* Tolk til intervjuer" in "\n".join(part(text, "Venter på kvittering"))
    assert bot.slack.calls_to("chat.postEphemeral") == []  # the refreshed tab is the answer
    shown = bot.command("/issue", "show I-2").text + str(bot.command("/issue", "show I-2").json)
    assert "RMA" in shown and "UKARI" in shown


def test_an_acknowledgement_refused_from_the_tab_is_told_by_dm(bot: Bot) -> None:
    seed(bot)
    open_home(bot)
    ok(bot, "/issue", "ack I-2 dept:RMA", user="UOLA")
    view = {**homes(bot)[0], "id": "VHOME"}
    body = slackreq.action_body("issue_ack", "2:RMA", user_id="UKARI", view=view)
    assert bot.send(body).status == 200
    (dm,) = [m for m in bot.slack.posted("UKARI") if "I-2" in m.get("text", "")]
    assert "allerede kvittert" in dm["text"]


def test_the_buttons_open_the_three_forms(bot: Bot) -> None:
    open_home(bot)
    view = {**homes(bot)[-1], "id": "VHOME"}
    for action, callback in [
        ("open_decision_modal", "decision_modal"),
        ("open_issue_modal", "issue_modal"),
        ("open_meeting_modal", "meeting_modal"),
    ]:
        before = len(bot.slack.calls_to("views.open"))
        assert bot.send(slackreq.action_body(action, "", user_id="UKARI", view=view)).status == 200
        opened = bot.slack.calls_to("views.open")
        assert len(opened) == before + 1
        assert opened[-1].params["view"]["callback_id"] == callback
        assert opened[-1].params["trigger_id"] == "trig.action"


def test_a_form_opened_from_the_tab_confirms_by_dm_and_refreshes(bot: Bot) -> None:
    open_home(bot)
    view = {**homes(bot)[-1], "id": "VHOME"}
    bot.send(slackreq.action_body("open_decision_modal", "", user_id="UKARI", view=view))
    modal = bot.slack.calls_to("views.open")[-1].params["view"]
    values = {"title": {"value": {"type": "plain_text_input", "value": "Ny rutine fra Hjem"}}}
    submit = slackreq.view_submission_body(
        "decision_modal", values, user_id="UKARI", private_metadata=modal["private_metadata"]
    )
    assert bot.send(submit).status == 200
    bot.deliver()
    settle(bot)
    assert any("D-1" in m.get("text", "") for m in bot.slack.posted("UKARI"))
    assert "*D-1* Ny rutine fra Hjem" in home_text(bot)


def test_english_for_a_user_who_chose_it(bot: Bot) -> None:
    seed(bot)
    bot.command("/returbot", "language en", user="UKARI")
    open_home(bot)
    text = home_text(bot)
    assert "== returbot — your overview ==" in text
    assert "*Your open issues (3)*" in text and "*Waiting for acknowledgement from RMA (2)*" in text
    assert "[Log decision] [Register issue] [Schedule meeting]" in text


def test_channel_members_are_read_once_within_the_cache_time(bot: Bot) -> None:
    seed(bot)
    open_home(bot)
    open_home(bot)
    channels = [str(c.params.get("channel")) for c in bot.slack.calls_to("conversations.members")]
    assert sorted(channels) == ["CPU", "CRMA"]


def test_an_unreadable_channel_counts_as_not_a_member(bot: Bot) -> None:
    seed(bot)
    bot.slack.fail_next("conversations.members", error="channel_not_found", times=2)
    open_home(bot)
    assert "Du er ikke med i kanalen til noen avdeling" in home_text(bot)


def test_a_rate_limited_publish_is_tried_again(bot: Bot) -> None:
    bot.slack.fail_next("views.publish", status=429, retry_after=1)
    open_home(bot)
    deadline = time.monotonic() + 5
    while len(bot.slack.calls_to("views.publish")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    settle(bot)
    published = [c for c in bot.slack.calls_to("views.publish") if c.params.get("_ok")]
    assert len(published) == 1


def test_five_hundred_open_issues_fit_in_a_hundred_blocks(bot: Bot) -> None:
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.slack.set_members("CRMA", ["UKARI"])
    with bot.db.session() as session:
        session.execute(
            insert(Issue),
            [
                {
                    "id": n,
                    "number": n,
                    "title": f"Sak nummer {n} med en ganske lang tittel " + "x" * 150,
                    "description": "",
                    "reporter": "UKARI",
                    "owner": "UKARI",
                    "priority": "normal",
                    "status": "open",
                    "created_at": NOW,
                    "last_activity_at": NOW,
                }
                for n in range(1, 501)
            ],
        )
        session.execute(
            insert(IssueDepartment), [{"issue_id": n, "department": "RMA"} for n in range(1, 501)]
        )
        common.set_numbering(session, "I", 500)
    open_home(bot)
    text = home_text(bot)  # validated: at most 100 blocks, sections within 3,000 characters
    assert "*Dine åpne saker (500)*" in text
    assert "… og 490 til: `/issue list mine`" in text
    assert "*Venter på kvittering fra RMA (500)*" in text
    assert "… og 492 til: `/issue list`" in text
