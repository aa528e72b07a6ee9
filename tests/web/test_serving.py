"""The web pages beside Slack's endpoint on the one server: each path keeps its owner, every
failure is a sentence, and nothing on a page is fetched from elsewhere."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import pytest

from returbot import wiring
from returbot.web_server import WebApp, make_server, serve_until_closed
from tests.support import slackreq
from tests.web.conftest import Browser, Site

WEB = Path(__file__).resolve().parents[2] / "web"


def test_slack_health_and_the_feed_keep_their_paths(site: Site) -> None:
    browser = site.browser()
    health = browser.get("/healthz")
    assert health.status == 200 and json.loads(health.body)["database"] == "ok"
    feed = browser.get("/calendar/" + "x" * 32 + ".ics")
    assert feed.status == 404 and json.loads(feed.body) == {"error": "not found"}
    unsigned = browser.post("/slack/events", {"command": "/decision"})
    assert unsigned.status == 401 and json.loads(unsigned.body) == {"error": "invalid signature"}
    assert browser.get("/slack/events").status == 404
    body = slackreq.slash_body("/decision", "Fra Slack dept:RMA", user_id="UKARI")
    status, _, answer = slackreq.post(site.url + "/slack/events", body)
    assert status == 200 and "D-1" in json.loads(answer)["text"]


def test_the_stylesheet_is_served_from_here(site: Site) -> None:
    page = site.browser().get("/static/style.css")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/css")
    assert "focus-visible" in page.body


def test_no_page_fetches_anything_from_elsewhere() -> None:
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/*")]:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", source), path.name
        assert "@import" not in source and "<script" not in source, path.name


def test_a_method_a_page_does_not_take_is_a_sentence(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    browser = site.signed_in()
    page = browser.request("PUT", "/decisions")
    assert page.status == 405
    assert "Denne siden kan ikke brukes slik." in page.body
    posted = browser.post("/decisions", {})  # no CSRF token: refused before anything else
    assert posted.status == 400
    assert "Skjemaet er utløpt" in posted.text


def test_a_failure_of_ours_is_a_sentence_and_logged_once_with_its_stack(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    app = wiring.web_app(site.rt)
    assert app is not None

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("details-that-stay-in-the-log")

    server = make_server(
        WebApp(None, site.rt, feed=True, web=app), host="127.0.0.1", port=0, loop_timeout=0.05
    )
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        browser = Browser(f"http://127.0.0.1:{server.effective_port}")
        caplog.set_level(logging.INFO)
        for _ in range(2):
            page = browser.get("/boom")
            assert page.status == 500
            assert "Noe gikk galt hos returbot" in page.text
            assert "details-that-stay" not in page.body and "Traceback" not in page.body
    finally:
        server.close()
        thread.join(timeout=5)
    lines = [r for r in caplog.records if "RuntimeError serving '/boom'" in r.getMessage()]
    assert len(lines) == 2
    assert lines[0].exc_info is not None and lines[1].exc_info is None


def test_a_page_is_not_cached_and_loads_nothing_from_elsewhere(site: Site) -> None:
    page = site.signed_in().get("/decisions")
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
