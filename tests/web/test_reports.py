"""`/reports` over real HTTP (SPEC §9): four charts drawn on the server as SVG images that
need nothing from elsewhere and run nothing, each with a text alternative and its numbers as a
table; a print stylesheet for A4; coordinators download the current filter of /decisions and
/issues as CSV or JSON in the export's format, the others get a sentence and 403."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

from lxml import etree

from tests.conftest import COORDINATOR
from tests.web.conftest import Site
from tests.web.test_pages import _ack, _issue, _log


def _seed(site: Site) -> None:
    _issue(site, "Mangler tolk", ["RMA", "PU"], due=date(2026, 11, 26))
    _issue(site, "Fly kansellert", ["PU"])
    _ack(site, 1, "PU")
    _log(site, "Rutine for tolk", departments=["RMA"], tags=["tolk"])
    _log(site, "Rutine for fly", departments=["PU", "RMA"])
    site.clock.advance(days=3)


def test_the_reports_show_each_chart_with_its_words_and_its_numbers(site: Site) -> None:
    _seed(site)
    reader = site.signed_in()
    page = reader.get("/reports")
    assert page.status == 200, page.text[:300]
    images = re.findall(
        r'<img src="(/reports/\w+\.svg)"[^>]*alt="([^"]+)" aria-describedby="([\w-]+)"', page.body
    )
    assert [i[0] for i in images] == [
        "/reports/open.svg", "/reports/ack.svg", "/reports/decisions.svg", "/reports/overdue.svg"
    ]  # fmt: skip
    for _, alt, described in images:
        assert alt.startswith("Diagram: ")
        assert f'<figcaption id="{described}">' in page.body
    assert page.body.count('<table class="numbers">') == 4
    assert "Åpne saker per avdeling, uke for uke" in page.text
    assert "Ved slutten har PU flest åpne saker (2)." in page.text
    assert "2 åpne saker" not in page.text
    # the overdue table: I-1 is past its due date for RMA and PU
    overdue = page.body[page.body.index('id="overdue-title"') :]
    rows = dict(re.findall(r'>(RMA|PU)</abbr></th><td class="n">(\d+)</td>', overdue))
    assert rows == {"RMA": "1", "PU": "1"}
    assert '<a href="/issues/I-1">I-1</a> Mangler tolk (26.11.2026)' in overdue
    # the decisions of this month: RMA 2, PU 1
    months = page.body[page.body.index('id="decisions-title"') :]
    assert re.search(r'<th scope="row">2026-11</th>(<td class="n">\d+</td>)+', months)

    for path, _, _ in images:
        chart = reader.get(path)
        assert chart.status == 200
        assert chart.headers["Content-Type"].startswith("image/svg+xml")
        assert "default-src 'none'" in chart.headers["Content-Security-Policy"]
        root = etree.fromstring(chart.body.encode())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")
        assert "http://" not in re.sub(r'xmlns(:\w+)?="[^"]+"|<!--.*?-->', "", chart.body)
        assert "@import" not in chart.body and "url(" not in chart.body
    assert "PU" in reader.get("/reports/open.svg").body
    assert reader.get("/reports/nothing.svg").status == 404


def test_the_page_prints_on_a4(site: Site) -> None:
    css = site.browser().get("/static/style.css")
    assert css.status == 200
    assert "@page { size: A4" in css.body and "@media print" in css.body


def test_reports_and_charts_are_for_signed_in_readers(site: Site) -> None:
    for path in ("/reports", "/reports/open.svg", "/export/issues.csv"):
        page = site.browser().get(path, follow=False)
        assert page.status == 302 and "/auth/login" in page.headers["Location"]


def test_a_coordinator_downloads_the_current_filter_in_the_exports_format(site: Site) -> None:
    _seed(site)
    coordinator = site.signed_in(COORDINATOR, name="Koordinator")
    listing = coordinator.get("/decisions?tag=tolk")
    assert 'href="/export/decisions.csv?tag=tolk"' in listing.body
    found = coordinator.get("/export/decisions.json?tag=tolk")
    assert found.status == 200 and found.headers["Content-Type"].startswith("application/json")
    assert 'filename="decisions.json"' in found.headers["Content-Disposition"]
    records = json.loads(found.body)
    assert [r["id"] for r in records] == ["D-1"]
    assert records[0]["tags"] == ["tolk"] and records[0]["departments"] == ["RMA"]
    every = coordinator.get("/export/decisions.csv")
    rows = list(csv.DictReader(io.StringIO(every.body)))
    assert [r["id"] for r in rows] == ["D-1", "D-2"]
    assert rows[1]["departments"] == "PU;RMA"
    searched = json.loads(coordinator.get("/export/decisions.json?q=fly").body)
    assert [r["id"] for r in searched] == ["D-2"]

    assert "/export/issues.json" in coordinator.get("/issues").body
    open_issues = json.loads(coordinator.get("/export/issues.json").body)
    assert [r["id"] for r in open_issues] == ["I-1", "I-2"]
    assert open_issues[0]["acknowledgements"][0]["department"] == "PU"
    bad = coordinator.get("/export/issues.xlsx")
    assert bad.status == 400 and "«xlsx» er ikke et format å laste ned" in bad.text


def test_others_are_refused_the_download_with_a_sentence(site: Site) -> None:
    _seed(site)
    reader = site.signed_in()
    assert "/export/" not in reader.get("/decisions").body
    assert "/export/" not in reader.get("/issues").body
    for path in ("/export/decisions.csv", "/export/issues.json"):
        page = reader.get(path)
        assert page.status == 403
        assert "Bare koordinatorene kan laste ned registeret." in page.text
        assert "Mangler tolk" not in page.body and "Rutine" not in page.body


def test_the_week_counts_follow_the_clock(site: Site) -> None:
    _seed(site)
    site.clock.advance(days=14)
    reader = site.signed_in()
    page = reader.get("/reports")
    weeks = re.findall(r'<th scope="row">(\d{4}-W\d\d)</th>', page.body)
    assert len(weeks) == 12 and weeks == sorted(weeks)
    assert weeks[-1] == "2026-W50"
