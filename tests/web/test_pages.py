"""The register's pages over real HTTP (SPEC §9): what a signed-in reader sees, paging by 50,
the supersede chain, the acknowledgement matrix, meetings; user text shown as text."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from bot import decisions, issues, meetings
from bot.decisions import DecisionInput
from bot.issues import IssueInput
from bot.meetings import MeetingInput
from tests.conftest import COORDINATOR, NOW
from tests.web.conftest import Browser, Site


def _log(site: Site, title: str, **fields: object) -> int:
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        found = decisions.log(
            session,
            org=site.rt.org,
            actor=actor,
            data=DecisionInput(title=title, **fields),  # type: ignore[arg-type]
            now=site.clock.now(),
        )
        return found.number


def _issue(site: Site, title: str, codes: list[str], **fields: object) -> int:
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        found = issues.register(
            session,
            org=site.rt.org,
            actor=actor,
            data=IssueInput(title=title, departments=codes, **fields),  # type: ignore[arg-type]
            now=site.clock.now(),
        )
        return found.number


def _ack(site: Site, number: int, code: str) -> None:
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        issues.acknowledge(
            session, org=site.rt.org, actor=actor, number=number, code=code, now=site.clock.now()
        )


def _rows(browser: Browser, path: str) -> list[str]:
    """The references in the first column of the page's table, top to bottom."""
    page = browser.get(path)
    assert page.status == 200, page.text[:300]
    return re.findall(r'<th scope="row"><a href="/\w+/([DIM]-\d+)"', page.body)


@pytest.fixture
def reader(site: Site) -> Browser:
    return site.signed_in()


def test_decisions_newest_first_fifty_a_page(site: Site, reader: Browser) -> None:
    for n in range(1, 56):
        _log(site, f"Beslutning nummer {n}", departments=["RMA"])
    first = _rows(reader, "/decisions")
    assert len(first) == 50
    assert first[0] == "D-55" and first[-1] == "D-6"
    page = reader.get("/decisions")
    assert "Side 1 av 2 (55 i alt)" in page.text
    assert 'href="/decisions?page=2"' in page.body
    assert _rows(reader, "/decisions?page=2") == ["D-5", "D-4", "D-3", "D-2", "D-1"]


@pytest.mark.parametrize("page", ["3", "0", "abc", "-1", "1e3", "٣"])
def test_a_page_that_is_not_there_is_a_sentence_and_404(
    site: Site, reader: Browser, page: str
) -> None:
    _log(site, "Bare én", departments=["RMA"])
    for path in ("/decisions", "/issues", "/meetings"):
        answer = reader.get(f"{path}?page={quote(page)}")
        assert answer.status == 404, (path, page)
        assert "Det finnes ingen side" in answer.text
        assert "Traceback" not in answer.body


def test_decisions_filter_by_department_tag_status_and_since(site: Site, reader: Browser) -> None:
    _log(site, "Gammel rutine", departments=["RMA"], tags=["retur"], decided_on=date(2026, 1, 5))
    _log(site, "Ny rutine", departments=["PU"], tags=["retur", "dublin"])
    _log(site, "Ny rutine 2", departments=["RMA"], supersedes=1)
    assert _rows(reader, "/decisions?department=rma") == ["D-3", "D-1"]
    assert _rows(reader, "/decisions?tag=dublin") == ["D-2"]
    assert _rows(reader, "/decisions?status=superseded") == ["D-1"]
    assert _rows(reader, "/decisions?since=2026-06-01") == ["D-3", "D-2"]
    assert _rows(reader, "/decisions?department=RMA&status=active") == ["D-3"]
    page = reader.get("/decisions?department=RMA&status=active")
    assert '<option value="RMA" selected>' in page.body  # the form shows what is chosen


def test_the_search_box_finds_through_the_search(site: Site, reader: Browser) -> None:
    _log(site, "Felles rutine for uttransport", departments=["RMA"])
    _log(site, "Mottak i Råde", departments=["RMA"], details="uttransport vurderes")
    _log(site, "Noe helt annet", departments=["PU"])
    found = _rows(reader, "/decisions?q=uttransport")
    assert set(found) == {"D-1", "D-2"}
    assert _rows(reader, "/decisions?q=uttransport&department=PU") == []
    assert "Ingen beslutning passer." in reader.get("/decisions?q=uttransport&department=PU").text


def test_a_bad_filter_is_a_sentence_and_400(site: Site, reader: Browser) -> None:
    page = reader.get("/decisions?since=25.11.2026")
    assert page.status == 400
    assert "«25.11.2026» er ikke en dato" in page.text
    page = reader.get("/decisions?department=ZZZ")
    assert page.status == 400
    assert "Jeg kjenner ikke avdelingen «ZZZ»" in page.text
    assert reader.get("/decisions?status=borte").status == 400


def test_a_decision_shows_its_whole_record_and_chain(site: Site, reader: Browser) -> None:
    issue = _issue(site, "Retur til Irak stopper opp", ["RMA", "PU"])
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        scheduled = meetings.schedule(
            session,
            org=site.rt.org,
            actor=actor,
            data=MeetingInput(series="quarterly", start=NOW + timedelta(days=7)),
            now=site.clock.now(),
        )
        meeting = scheduled.meeting.number
    _log(site, "Første rutine", departments=["RMA"])
    _log(
        site,
        "Andre rutine",
        departments=["RMA", "PU"],
        tags=["retur"],
        details="Gjelder fra mandag.",
        decided_by="AUAs ledermøte",
        supersedes=1,
        issue=issue,
        meeting=meeting,
    )
    _log(site, "Tredje rutine", departments=["RMA"], supersedes=2)
    page = reader.get("/decisions/D-2")
    assert page.status == 200
    assert "D-2 Andre rutine" in page.text
    assert "Gjelder fra mandag." in page.text and "AUAs ledermøte" in page.text
    assert "erstattet" in page.text
    chain = page.body[page.body.index('class="chain"') :]
    assert chain.index("/decisions/D-3") < chain.index("D-2") < chain.index("/decisions/D-1")
    assert 'href="/issues/I-1"' in page.body
    assert f'href="/meetings/M-{meeting}"' in page.body
    assert 'href="/decisions?tag=retur"' in page.body
    alone = reader.get("/decisions/D-3").text
    assert "D-2" in alone and "D-1" in alone  # the chain reaches back all the way


HOSTILE = '<script>alert("x")</script> & <b>fet</b>'


def test_user_text_is_shown_as_text(site: Site, reader: Browser) -> None:
    _log(site, HOSTILE, departments=["RMA"], details='<img src=x onerror="alert(1)">')
    number = _issue(site, HOSTILE, ["RMA"], description="<iframe>")
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        issues.add_note(session, actor=actor, number=number, text="<script>note</script>", now=NOW)
    for path in ("/decisions", "/decisions/D-1", "/issues", f"/issues/I-{number}"):
        page = reader.get(path)
        assert page.status == 200
        assert "<script>" not in page.body and "<img" not in page.body
        assert "<iframe>" not in page.body and "<b>fet</b>" not in page.body
        assert "&lt;script&gt;" in page.body
        assert '<script>alert("x")</script>' in page.text  # read as text, as typed


def test_the_board_has_the_acknowledgement_matrix(site: Site, reader: Browser) -> None:
    calm = _issue(site, "Rolig sak", ["RMA", "PU"], priority="low")
    urgent = _issue(site, "Haster", ["PU", "UNE"], priority="high")
    late = _issue(site, "Fristen er passert", ["RMA"], due=date(2026, 11, 26))
    _ack(site, calm, "RMA")
    site.clock.advance(days=3)  # past ack_within (2 days) for those still waiting
    page = reader.get("/issues")
    assert page.status == 200
    # most urgent first: overdue, then priority
    assert re.findall(r'<th scope="row"><a href="/issues/(I-\d+)"', page.body) == [
        f"I-{late}",
        f"I-{urgent}",
        f"I-{calm}",
    ]
    header = page.body[page.body.index("<thead>") : page.body.index("</thead>")]
    assert re.findall(r"<abbr[^>]*>(\w+)</abbr>", header) == ["RMA", "PU", "UNE"]
    assert 'scope="col"' in header
    rows = {
        ref: row
        for ref, row in re.findall(
            r'<th scope="row"><a href="/issues/(I-\d+)".*?</th>(.*?)</tr>', page.body, re.S
        )
    }
    calm_cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[f"I-{calm}"], re.S)
    assert "kvittert av UCOORD, 25.11.2026 10.30" in calm_cells[2]  # RMA, Oslo time
    assert "ikke kvittert, forfalt" in calm_cells[3]  # PU
    assert "ikke berørt" in calm_cells[4]  # UNE
    late_row = rows[f"I-{late}"]
    assert "forfalt" in re.findall(r"<td[^>]*>(.*?)</td>", late_row, re.S)[1]
    assert "I alt: 3" in page.text


def test_the_board_is_paged_by_fifty(site: Site, reader: Browser) -> None:
    for n in range(1, 52):
        _issue(site, f"Sak {n}", ["RMA"])
    assert len(_rows(reader, "/issues")) == 50
    assert _rows(reader, "/issues?page=2") == ["I-1"]


def test_an_issue_shows_notes_acknowledgements_and_decisions(site: Site, reader: Browser) -> None:
    number = _issue(site, "Retur til Irak", ["RMA", "PU"], description="Flyene er fulle.")
    _ack(site, number, "PU")
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        issues.add_note(
            session, actor=actor, number=number, text="Ringte ambassaden.", now=site.clock.now()
        )
    _log(site, "Vi bestiller flere fly", departments=["RMA"], issue=number)
    page = reader.get(f"/issues/I-{number}")
    assert page.status == 200
    assert "I-1 Retur til Irak" in page.text
    assert "Flyene er fulle." in page.text
    assert "Ringte ambassaden." in page.text
    acks = page.body[page.body.index("Kvitteringer") :]
    assert re.search(r"PU</abbr></th>\s*<td>UCOORD</td><td>25.11.2026 10.30</td>", acks)
    assert re.search(r"RMA</abbr></th>\s*<td colspan=\"2\">ikke kvittert ennå</td>", acks)
    assert 'href="/decisions/D-1"' in page.body


def test_meetings_and_a_meeting_with_agenda_and_attendance(site: Site, reader: Browser) -> None:
    number = _issue(site, "Kapasitet i mottak", ["RMA"])
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        org, now = site.rt.org, site.clock.now()
        soon = meetings.schedule(
            session,
            org=org,
            actor=actor,
            data=MeetingInput(series="quarterly", start=NOW + timedelta(days=3), place="Møterom 2"),
            now=now,
        ).meeting
        past = meetings.schedule(
            session,
            org=org,
            actor=actor,
            data=MeetingInput(series="network", start=NOW - timedelta(days=10)),
            now=now - timedelta(days=20),
        ).meeting
        meetings.add_agenda(
            session, org=org, actor=actor, number=soon.number, text="Kapasitet", issue=number,
            now=now,
        )  # fmt: skip
        meetings.answer_attendance(
            session, org=org, actor=actor, number=soon.number, code="OPA", answer="attend", now=now
        )
        soon_ref, past_ref = soon.ref, past.ref
    assert _rows(reader, "/meetings") == [soon_ref]
    assert _rows(reader, "/meetings?when=past") == [past_ref]
    page = reader.get(f"/meetings/{soon_ref}")
    assert page.status == 200
    assert "Kvartalsmøte om retur" in page.text
    assert "Møterom 2" in page.text
    assert "Kapasitet" in page.text and f'href="/issues/I-{number}"' in page.body
    assert re.search(r"OPA</abbr></th>\s*<td>deltar</td>", page.body)
    assert reader.get("/meetings?when=tomorrow").status == 404


@pytest.mark.parametrize(
    "path",
    ["/decisions", "/decisions/D-1", "/issues", "/issues/I-1", "/meetings", "/meetings/M-1", "/"],
)
def test_a_signed_out_reader_sees_no_page(site: Site, path: str) -> None:
    _log(site, "Hemmelig innhold", departments=["RMA"])
    page = site.browser().get(path, follow=False)
    assert page.status == 302
    assert page.headers["Location"].startswith(("/auth/login", "/decisions"))
    assert "Hemmelig" not in page.body


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/decisions/D-999", "Det finnes ingen D-999 i registeret."),
        ("/decisions/I-1", "Det finnes ingen I-1 i registeret."),
        ("/decisions/D-0", "Det finnes ingen D-0 i registeret."),
        ("/issues/I-7", "Det finnes ingen I-7 i registeret."),
        ("/meetings/M-abc", "Det finnes ingen M-abc i registeret."),
        ("/decisions/%3Cscript%3E", "Det finnes ingen <script> i registeret."),
        ("/no/such/page", "Det finnes ingen slik side"),
    ],
)
def test_a_bad_id_is_a_sentence_and_404(site: Site, reader: Browser, path: str, shown: str) -> None:
    page = reader.get(path)
    assert page.status == 404
    assert shown in page.text
    assert "<script>" not in page.body
    assert "Traceback" not in page.body
