"""Sign in with Slack (SPEC §9) over real HTTP: the fake Slack plays the OpenID provider; the
browser is urllib with a cookie jar against the real waitress server."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient

from bot.runtime import Runtime
from storage import common
from tests.web.conftest import CLIENT_ID, CLIENT_SECRET, SECRET_KEY, Browser, Site, web_settings
from web.app import create_app


def _signed_out(browser: Browser) -> bool:
    """Whether this browser's session is no one's: a page sends it to sign in."""
    page = browser.get("/decisions", follow=False)
    return page.status == 302 and page.headers["Location"].startswith("/auth/login")


def test_a_signed_out_reader_is_sent_to_sign_in_and_comes_back_to_the_page(site: Site) -> None:
    browser = site.browser()
    first = browser.get("/issues?page=1", follow=False)
    assert first.status == 302
    assert first.headers["Location"] == "/auth/login?next=%2Fissues%3Fpage%3D1"
    site.slack.sign_in_as("UKARI", name="Kari Nordmann")
    page = browser.get("/issues?page=1")
    assert page.status == 200
    assert page.path == "/issues"
    assert "Logget inn som Kari Nordmann" in page.text
    assert "Åpne saker" in page.text


def test_login_asks_slack_for_openid_profile_with_a_fresh_state_and_nonce(site: Site) -> None:
    asked = []
    for _ in range(2):
        page = site.browser().get("/auth/login", follow=False)
        assert page.status == 302
        location = urlsplit(page.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == (
            site.slack.oidc_authorize_url
        )
        asked.append({k: v[0] for k, v in parse_qs(location.query).items()})
    for query in asked:
        assert query["response_type"] == "code"
        assert query["scope"] == "openid profile"
        assert query["client_id"] == CLIENT_ID
        assert query["redirect_uri"] == site.url + "/auth/callback"
        assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert asked[0]["state"] != asked[1]["state"]
    assert asked[0]["nonce"] != asked[1]["nonce"]


def test_the_code_is_exchanged_on_slacks_web_api_with_the_apps_credentials(site: Site) -> None:
    site.signed_in()
    exchange = site.slack.calls_to("openid.connect.token")
    assert len(exchange) == 1
    # the fake refuses any other client ID and secret (set_openid_client); said once more here
    assert exchange[0].headers["Authorization"].startswith("Basic ")
    assert exchange[0].params["redirect_uri"] == site.url + "/auth/callback"


def test_the_session_cookie_is_signed_httponly_lax_and_lasts_twelve_hours(site: Site) -> None:
    browser = site.browser()
    site.slack.sign_in_as("UKARI")
    authorize = browser.get("/auth/login", follow=False).headers["Location"]
    back = browser.get(authorize, follow=False).headers["Location"]
    callback = browser.get(back, follow=False)
    assert callback.status == 302 and callback.headers["Location"] == "/decisions"
    cookie = next(c for c in callback.headers.get_all("Set-Cookie") if "returbot_session" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the public URL is http here
    assert "Path=/" in cookie
    assert "Kari" not in cookie  # signed, and compressed/encoded: not the name in clear
    session = next(c for c in browser.jar if c.name == "returbot_session")
    assert session.expires is not None
    assert browser.get("/decisions").status == 200
    site.clock.advance(hours=11, minutes=59)
    assert browser.get("/decisions", follow=False).status == 200
    site.clock.advance(minutes=2)
    assert _signed_out(browser)


def test_the_cookie_is_secure_when_the_public_url_is_https(site: Site) -> None:
    settings = web_settings(site.slack, "https://returbot.example.org")
    rt = Runtime(settings=settings, db=site.db, clock=site.clock)
    app = create_app(rt, WebClient(base_url=site.slack.url))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_cookie_signed_with_another_key_is_no_session(site: Site) -> None:
    browser = site.signed_in()
    cookie = next(c for c in browser.jar if c.name == "returbot_session")
    payload, _, _signature = cookie.value.rpartition(".")
    cookie.value = payload + ".forgedsignature"
    assert _signed_out(browser)


NOT_VERIFIED = "Svaret fra Slack kunne ikke bekreftes"
# what is spoilt, the status and sentence the reader gets, and the log line's reason
SPOILT: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("forged", {"key": "forged"}, 400, NOT_VERIFIED, "InvalidSignatureError"),
    ("unsigned", {"algorithm": "none"}, 400, NOT_VERIFIED, "InvalidAlgorithmError"),
    ("expired", {"expires_in": -3600}, 400, NOT_VERIFIED, "ExpiredSignatureError"),
    ("wrong audience", {"audience": "9999.1111"}, 400, NOT_VERIFIED, "InvalidAudienceError"),
    ("wrong nonce", {"nonce": "another-nonce"}, 400, NOT_VERIFIED, "nonce does not match"),
    ("wrong state", {"state": "someone-elses"}, 400, "ikke startet her", "state does not match"),
    ("other team", {"team": "T0OTHER"}, 403, "Bare medlemmer av organisasjonens", "another team"),
]


@pytest.mark.parametrize(
    ("case", "spoilt", "status", "sentence", "reason"), SPOILT, ids=[s[0] for s in SPOILT]
)
def test_a_bad_sign_in_is_refused_with_a_sentence_and_no_session(
    site: Site,
    case: str,
    spoilt: dict[str, Any],
    status: int,
    sentence: str,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    browser = site.browser()
    site.slack.sign_in_as("UKARI", **spoilt)
    page = browser.get("/auth/login")
    assert page.status == status, case
    assert page.path == "/auth/callback"
    assert sentence in page.text
    assert "Traceback" not in page.body and "Error" not in page.text
    assert _signed_out(browser)
    secrets = [*site.slack.id_tokens, CLIENT_SECRET, SECRET_KEY, "xoxp-fake-openid-access-token"]
    for secret in secrets:
        assert secret not in page.body
        assert secret not in caplog.text
    assert "sign-in refused" in caplog.text
    assert reason in caplog.text


def test_a_callback_without_a_sign_in_started_is_refused(site: Site) -> None:
    page = site.browser().get("/auth/callback?code=abc&state=xyz")
    assert page.status == 400
    assert "ikke startet her" in page.text


def test_a_code_is_good_once(site: Site) -> None:
    browser = site.browser()
    site.slack.sign_in_as("UKARI")
    authorize = browser.get("/auth/login", follow=False).headers["Location"]
    back = browser.get(authorize, follow=False).headers["Location"]
    assert browser.get(back).status == 200
    # the same callback again (a replayed URL): the state was used up with the first
    again = site.browser()
    assert again.get(back).status == 400
    assert _signed_out(again)


def test_declining_at_slack_is_a_sentence(site: Site) -> None:
    browser = site.browser()
    browser.get("/auth/login", follow=False)
    page = browser.get("/auth/callback?error=access_denied&state=x")
    assert page.status == 400
    assert "Slack logget deg ikke inn" in page.text


def test_after_signing_in_the_reader_goes_only_to_a_page_of_this_site(site: Site) -> None:
    browser = site.browser()
    site.slack.sign_in_as("UKARI")
    page = browser.get("/auth/login?next=//evil.example.org/x")
    assert page.status == 200
    assert page.url == site.url + "/decisions"


def test_sign_out_needs_the_forms_csrf_token_and_ends_the_session(site: Site) -> None:
    browser = site.signed_in()
    page = browser.get("/decisions")
    refused = browser.post("/auth/logout", {"csrf_token": "not-the-token"})
    assert refused.status == 400
    assert "Skjemaet er utløpt" in refused.text
    assert not _signed_out(browser)
    assert browser.post("/auth/logout", {}).status == 400
    done = browser.post("/auth/logout", {"csrf_token": page.csrf()})
    assert done.status == 200
    assert "Du er logget ut" in done.text
    assert _signed_out(browser)


def test_the_page_speaks_the_users_returbot_language(site: Site) -> None:
    assert "English" in site.command("/returbot", "language en", user="UKARI")
    browser = site.signed_in("UKARI")
    page = browser.get("/decisions")
    assert '<html lang="en">' in page.body
    assert "Signed in as Kari Nordmann" in page.text
    other = site.signed_in("UOLA", name="Ola Nordmann")
    assert '<html lang="nb">' in other.get("/decisions").body


def test_the_web_is_off_without_its_settings(site: Site) -> None:
    from returbot import wiring
    from tests.conftest import make_settings

    rt = Runtime(settings=make_settings(api_url=site.slack.url), db=site.db)
    assert wiring.web_app(rt) is None


def test_a_nynorsk_reader_gets_nynorsk_pages(site: Site) -> None:
    with site.db.session() as session:
        common.set_user_language(session, "UNINA", "nn")
    page = site.signed_in("UNINA", name="Nina").get("/issues")
    assert '<html lang="nn">' in page.body
    assert "Logga inn som Nina" in page.text
    assert "Opne saker" in page.text
