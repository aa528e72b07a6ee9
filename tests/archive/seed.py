"""A year of the network's work, made through the use cases as people would make it.

2026 in Oslo: issues reported, noted, acknowledged and closed with decisions; meetings held
with their agenda; decisions superseded and revoked; screened records (some words, a whole
title); Norwegian letters and texts as long as the bot takes. One issue stays open, one
meeting is still ahead when the package is made, one was cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot import decisions, issues, meetings, screening
from bot.context import Actor
from bot.decisions import DecisionInput
from bot.issues import IssueInput
from bot.meetings import CancelInput, MeetingInput
from bot.runtime import Runtime

KARI = Actor("UKARI", "nb")
OLA = Actor("UOLA", "nb")
COORD = Actor("UCOORD", "nb", is_coordinator=True)
NAMES = {"UKARI": "Kari Nordby", "UOLA": "Ola Ås", "UCOORD": "Åse Ødegård"}
START, END = date(2026, 1, 1), date(2026, 12, 31)
# the package is made before the year is over: one meeting is still ahead
EXPORTED_AT = datetime(2026, 12, 20, 11, 0, tzinfo=UTC)
LONG = ("Blåbærsyltetøy på brødskiva, ærlig talt. " * 80)[:3000]
# screened words: they may be in the archive's own files, never in the public journal
SECRET_PERSON = "Ola Nordmann"
SECRET_WHOLE = "Saken om Kåre Kvisthaug"
SECRET_MEETING = "Ahmed Karimi"
SECRET_DECISION = "Per Hansen"


@dataclass
class Seeded:
    """The refs of what was made, by what the package should do with them."""

    closed_issues: list[str] = field(default_factory=list)
    open_issues: list[str] = field(default_factory=list)
    held_meetings: list[str] = field(default_factory=list)
    ahead: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)  # every one the package holds
    outside: list[str] = field(default_factory=list)  # decided before the period
    notes: int = 0
    agenda: int = 0


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


class Seeder:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.made = Seeded()

    def when(self, moment: datetime) -> None:
        self.rt.clock.set(moment)  # type: ignore[attr-defined]

    def decision(self, actor: Actor = KARI, **fields: object) -> int:
        data = DecisionInput(**fields)  # type: ignore[arg-type]
        with self.rt.db.session() as s:
            d = decisions.log(s, org=self.rt.org, actor=actor, data=data, now=self.rt.clock.now())
            return d.number

    def issue(self, title: str, depts: list[str], actor: Actor = KARI, **fields: object) -> int:
        data = IssueInput(title=title, departments=depts, **fields)  # type: ignore[arg-type]
        with self.rt.db.session() as s:
            return issues.register(
                s, org=self.rt.org, actor=actor, data=data, now=self.rt.clock.now()
            ).number

    def note(self, number: int, text: str, actor: Actor = OLA) -> None:
        with self.rt.db.session() as s:
            issues.add_note(s, actor=actor, number=number, text=text, now=self.rt.clock.now())
        self.made.notes += 1

    def ack(self, number: int, code: str) -> None:
        with self.rt.db.session() as s:
            issues.acknowledge(
                s, org=self.rt.org, actor=COORD, number=number, code=code, now=self.rt.clock.now()
            )

    def close(self, number: int, decision: int | None = None, text: str = "") -> None:
        with self.rt.db.session() as s:
            issues.close(
                s, actor=KARI, number=number, decision=decision, text=text,
                now=self.rt.clock.now(),
            )  # fmt: skip
        self.made.notes += 1 if text else 0

    def meeting(self, series: str, start: datetime, **fields: object) -> int:
        data = MeetingInput(series=series, start=start, **fields)  # type: ignore[arg-type]
        with self.rt.db.session() as s:
            made = meetings.schedule(
                s, org=self.rt.org, actor=COORD, data=data, now=self.rt.clock.now()
            )
            return made.meeting.number

    def agenda(self, number: int, text: str, **fields: object) -> None:
        with self.rt.db.session() as s:
            meetings.add_agenda(
                s, org=self.rt.org, actor=OLA, number=number, text=text,
                now=self.rt.clock.now(), **fields,  # type: ignore[arg-type]
            )  # fmt: skip
        self.made.agenda += 1


def seed_year(rt: Runtime) -> Seeded:
    """The year; the clock is left at the moment the package is made."""
    seed = Seeder(rt)
    _last_year(seed)
    _issues(seed)
    _meetings(seed)
    _decisions(seed)
    seed.when(EXPORTED_AT)
    return seed.made


def _last_year(seed: Seeder) -> None:
    seed.when(datetime(2025, 11, 3, 9, tzinfo=UTC))
    seed.made.outside.append(f"D-{seed.decision(title='Fjorårets rutine for mottak')}")


def _issues(seed: Seeder) -> None:
    made = seed.made
    seed.when(at(1, 12))
    first = seed.issue(f"Retur av **{SECRET_PERSON}** til Irak", ["RMA", "PU"],
                       description="Gjelder én person; følges opp av PU.")  # fmt: skip
    with seed.rt.db.session() as s:
        screening.screen_issue(s, actor=KARI, number=first, basis="Offl. § 13",
                               now=seed.rt.clock.now())  # fmt: skip
    seed.note(first, f"Møte med {SECRET_PERSON} avtalt; tolk bestilt. Æ, ø og å virker.")
    seed.when(at(1, 14))
    seed.ack(first, "RMA")
    seed.ack(first, "PU")
    seed.when(at(2, 2))
    resolving = seed.decision(title="Felles rutine for frivillig retur", issue=first,
                              departments=["RMA", "PU"], decided_by="Returnettverket",
                              basis="Retningslinje 2026-01", tags=["retur", "rutine"])  # fmt: skip
    seed.close(first, decision=resolving, text="Løst med ny rutine.")
    made.closed_issues.append(f"I-{first}")
    made.decisions.append(f"D-{resolving}")

    seed.when(at(3, 2))
    long_one = seed.issue("Lang sak om mottakskapasitet i Nord-Norge", ["RMA"],
                          description=LONG, priority="high")  # fmt: skip
    seed.note(long_one, LONG)
    seed.when(at(4, 20))
    seed.ack(long_one, "RMA")
    seed.close(long_one)
    made.closed_issues.append(f"I-{long_one}")

    seed.when(at(5, 4))
    whole = seed.issue(SECRET_WHOLE, ["UNE"])
    with seed.rt.db.session() as s:
        screening.screen_issue(s, actor=COORD, number=whole, basis="Offl. § 14",
                               now=seed.rt.clock.now())  # fmt: skip
    seed.note(whole, "Drøftet internt.")
    seed.when(at(5, 20))
    seed.close(whole)
    made.closed_issues.append(f"I-{whole}")

    seed.when(at(6, 1))
    made.open_issues.append(f"I-{seed.issue('Åpen sak om reisedokumenter', ['NID'])}")


def _meetings(seed: Seeder) -> None:
    made = seed.made
    seed.when(at(3, 1))
    network = seed.meeting("network", at(3, 10, 9), place="Møterom 3 – Ærøy")
    seed.agenda(network, "Status for returarbeidet\nMed tall fra første kvartal.", department="PU")
    seed.agenda(network, "Oppfølging av I-1", issue=1)
    seed.when(at(3, 10, 12))
    taken = seed.decision(title="Nettverket møtes månedlig", meeting=network)
    made.decisions.append(f"D-{taken}")
    made.held_meetings.append(f"M-{network}")

    seed.when(at(8, 20))
    title = f"Kvartalsmøte om **{SECRET_MEETING}**"
    quarterly = seed.meeting("quarterly", at(9, 8, 8), title=title)
    now = seed.rt.clock.now()
    with seed.rt.db.session() as s:
        screening.screen_meeting(s, actor=COORD, number=quarterly, basis="Offl. § 13", now=now)
        meetings.answer_attendance(s, org=seed.rt.org, actor=COORD, number=quarterly,
                                   code="OPA", answer="attend", now=now)  # fmt: skip
    seed.agenda(quarterly, f"Saken til {SECRET_MEETING}")
    made.held_meetings.append(f"M-{quarterly}")

    seed.when(at(10, 1))
    dropped = seed.meeting("seminar", at(10, 15, 8))
    with seed.rt.db.session() as s:
        meetings.cancel(s, org=seed.rt.org, actor=COORD, data=CancelInput(dropped, "Sykdom"),
                        now=seed.rt.clock.now())  # fmt: skip
    made.cancelled.append(f"M-{dropped}")

    seed.when(at(12, 1))
    made.ahead.append(f"M-{seed.meeting('steering', EXPORTED_AT + timedelta(days=2))}")


def _decisions(seed: Seeder) -> None:
    made = seed.made
    seed.when(at(4, 1))
    old = seed.decision(title="Rutine for tolk – første utgave", details=LONG)
    seed.when(at(6, 1))
    new = seed.decision(title="Rutine for tolk – andre utgave", supersedes=old)
    seed.when(at(7, 1))
    dropped = seed.decision(OLA, title="Forsøk med videomøter")
    seed.when(at(7, 15))
    with seed.rt.db.session() as s:
        decisions.revoke(s, actor=OLA, number=dropped, reason="Ikke lenger aktuelt.",
                         now=seed.rt.clock.now())  # fmt: skip
    seed.when(at(9, 1))
    secret = seed.decision(title=f"Avtale om retur av {SECRET_DECISION}", decided_by="Ledermøtet")
    with seed.rt.db.session() as s:
        screening.screen_decision(
            s, actor=KARI, number=secret, basis="Offl. § 13", now=seed.rt.clock.now(),
            marked_title=f"Avtale om retur av **{SECRET_DECISION}**",
        )  # fmt: skip
    made.decisions += [f"D-{n}" for n in (old, new, dropped, secret)]
