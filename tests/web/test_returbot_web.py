"""`/returbot web` (SPEC §4.5): the link to the register when the web is on, else how to set
it up."""

from __future__ import annotations

import json
from typing import Any

from handlers.views.blocks import OPEN_IN_BROWSER
from tests.support import slackreq
from tests.web.conftest import Site


def test_the_link_to_the_register_opens_the_decisions_page(site: Site) -> None:
    answer = site.command("/returbot", "web")
    assert answer == f"Registeret i nettleseren: {site.url}/decisions (logg inn med Slack)."
    page = site.signed_in().get("/decisions")
    assert page.status == 200


def _blocks(site: Site, command: str, text: str) -> list[dict[str, Any]]:
    body = slackreq.slash_body(command, text, user_id="UCOORD")
    status, _, answer = slackreq.post(site.url + "/slack/events", body)
    assert status == 200
    return list(json.loads(answer)["blocks"])


def _links(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        e["url"]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == OPEN_IN_BROWSER
    ]


def test_cards_carry_an_open_in_browser_link_to_their_page(site: Site) -> None:
    site.command("/decision", "Felles rutine dept:RMA", user="UCOORD")
    site.command("/issue", "Mangler tolk dept:RMA", user="UCOORD")
    site.command("/meeting", "schedule network 15.12.2026 10:00", user="UCOORD")
    assert _links(_blocks(site, "/decision", "show D-1")) == [f"{site.url}/decisions/D-1"]
    assert _links(_blocks(site, "/issue", "show I-1")) == [f"{site.url}/issues/I-1"]
    assert _links(_blocks(site, "/meeting", "show M-1")) == [f"{site.url}/meetings/M-1"]
    page = site.signed_in().get("/issues/I-1")  # the link opens the page
    assert page.status == 200 and "Mangler tolk" in page.text
    # a click on it is acked (Slack opens the URL itself)
    click = slackreq.action_body(OPEN_IN_BROWSER, "", user_id="UKARI")
    status, _, _ = slackreq.post(site.url + "/slack/events", click)
    assert status == 200
