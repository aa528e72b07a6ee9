"""`/search?q=` over real HTTP (SPEC §9): one search over decisions, issues and meetings through
the one search engine, each hit with its kind, title, status, the words around the match and a
link to its page; for signed-in readers only; `/decisions?q=` keeps searching decisions."""

from __future__ import annotations

import re
from datetime import timedelta

from bot import meetings
from bot.meetings import MeetingInput
from tests.conftest import COORDINATOR, NOW
from tests.web.conftest import Site
from tests.web.test_pages import _issue, _log


def _meeting(site: Site, title: str) -> int:
    with site.db.session() as session:
        actor = site.rt.actor(session, COORDINATOR)
        data = MeetingInput(series="quarterly", start=NOW + timedelta(days=7), title=title)
        return meetings.schedule(
            session, org=site.rt.org, actor=actor, data=data, now=site.clock.now()
        ).meeting.number


def _hits(body: str) -> list[str]:
    return re.findall(r'<h2><a href="(/\w+/[DIM]-\d+)">', body)


def test_one_search_finds_every_kind_with_a_link_to_each(site: Site) -> None:
    _log(site, "Tolk ved uttransport", departments=["RMA"], details="Bestill tolk i god tid.")
    _issue(site, "Mangler tolk til Kabul", ["PU"], description="Tolken har meldt avbud <i>nå</i>.")
    _meeting(site, "Tolkemøte")
    _log(site, "Noe helt annet", departments=["RMA"])
    reader = site.signed_in()
    page = reader.get("/search?q=tolk")
    assert page.status == 200, page.text[:300]
    found = _hits(page.body)
    assert set(found) == {"/decisions/D-1", "/issues/I-1", "/meetings/M-1"}
    assert "Treff: 3" in page.text
    assert "beslutning · gjeldende" in page.text
    assert "sak · åpen" in page.text
    assert "<i>nå" not in page.body  # a snippet is text
    for path in found:
        assert reader.get(path).status == 200

    only = reader.get("/search?q=tolk&kind=issue")
    assert _hits(only.body) == ["/issues/I-1"]
    assert 'value="issue" selected' in only.body


def test_the_form_alone_without_words_and_a_sentence_for_what_cannot_be_searched(
    site: Site,
) -> None:
    reader = site.signed_in()
    empty = reader.get("/search")
    assert empty.status == 200 and 'name="q"' in empty.body and _hits(empty.body) == []
    nothing = reader.get("/search?q=finnesikke")
    assert nothing.status == 200 and "Ingen treff." in nothing.text
    bad = reader.get("/search?q=tolk&kind=vedtak")
    assert bad.status == 400 and "«vedtak» er ikke en type å søke i" in bad.text
    symbols = reader.get("/search?q=%21%21%21")
    assert symbols.status == 400 and "Skriv ett eller flere ord" in symbols.text


def test_search_is_for_signed_in_readers_and_decisions_q_still_works(site: Site) -> None:
    _log(site, "Tolk ved uttransport", departments=["RMA"])
    page = site.browser().get("/search?q=tolk", follow=False)
    assert page.status == 302 and "/auth/login" in page.headers["Location"]
    reader = site.signed_in()
    assert "/decisions/D-1" in reader.get("/decisions?q=tolk").body


def test_hits_page_by_fifty(site: Site) -> None:
    for n in range(1, 56):
        _log(site, f"Tolk nummer {n}", departments=["RMA"])
    reader = site.signed_in()
    first = reader.get("/search?q=tolk")
    assert len(_hits(first.body)) == 50
    assert "Flere enn 50 treff" in first.text and "Side 1" in first.text
    assert 'href="/search?q=tolk&amp;page=2"' in first.body
    second = reader.get("/search?q=tolk&page=2")
    assert len(_hits(second.body)) == 5
    assert "Side 2 av 2 (55 i alt)" in second.text and "Treff: 55" in second.text
    assert set(_hits(first.body)).isdisjoint(_hits(second.body))
    assert reader.get("/search?q=tolk&page=3").status == 404
    decisions = reader.get("/decisions?q=tolk")
    assert "Flere enn 50, best treff først" in decisions.text
    assert reader.get("/decisions?q=tolk&page=2").status == 200
