"""The web register's settings (SPEC §9): on with all four, off with none, a sentence between."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_JWKS_URL, DEFAULT_OAUTH_URL, SettingsError
from tests.conftest import make_settings

WEB = {
    "RETURBOT_PUBLIC_URL": "https://returbot.example.org/",
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_CLIENT_SECRET": "client-secret-value",
    "RETURBOT_SECRET_KEY": "s" * 32,
}


def test_all_four_turn_the_web_on_with_slacks_urls_by_default() -> None:
    settings = make_settings(**WEB)
    assert settings.web
    assert settings.public_url == "https://returbot.example.org"
    assert settings.client_id == "1234.5678"
    assert settings.oauth_url == DEFAULT_OAUTH_URL == "https://slack.com/openid/connect/authorize"
    assert settings.jwks_url == DEFAULT_JWKS_URL == "https://slack.com/openid/connect/keys"
    shown = repr(settings)
    assert "client-secret-value" not in shown and "s" * 32 not in shown


def test_without_them_the_web_is_off_and_the_public_url_serves_the_feed_alone() -> None:
    assert not make_settings().web
    alone = make_settings(RETURBOT_PUBLIC_URL="https://returbot.example.org")
    assert not alone.web and alone.public_url == "https://returbot.example.org"


@pytest.mark.parametrize("left_out", sorted(WEB))
def test_some_without_the_others_is_a_sentence_naming_what_is_missing(left_out: str) -> None:
    given = {k: v for k, v in WEB.items() if k != left_out}
    with pytest.raises(SettingsError, match=left_out):
        make_settings(**given)


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        make_settings(**{**WEB, "RETURBOT_SECRET_KEY": "short"})


def test_the_provider_urls_can_be_pointed_elsewhere_but_must_be_http() -> None:
    settings = make_settings(**WEB, SLACK_OAUTH_URL="http://127.0.0.1:9/authorize")
    assert settings.oauth_url == "http://127.0.0.1:9/authorize"
    with pytest.raises(SettingsError, match="SLACK_OAUTH_JWKS_URL"):
        make_settings(**WEB, SLACK_OAUTH_JWKS_URL="file:///etc/passwd")
