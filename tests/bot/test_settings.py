"""Start-up settings and the organisation config: bad ones stop with one clear line."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot import orgconfig, settings
from bot.orgconfig import ConfigError
from bot.settings import SettingsError

ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def test_bundled_default_is_the_udi_return_field() -> None:
    org = orgconfig.load()
    assert org.department_codes == ("AUA", "RMA", "OPA", "ASA", "PU", "UNE", "POD", "NID")
    assert [s.key for s in org.series] == ["network", "quarterly", "steering", "seminar"]
    network = org.meeting_series("Network")
    assert network is not None
    assert network.departments == ("PU", "UNE", "POD", "NID", "RMA", "ASA", "OPA")
    assert network.reminders == (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
    quarterly = org.meeting_series("quarterly")
    assert quarterly is not None and quarterly.optional == ("OPA",)
    assert (org.digest_weekday, org.digest_time) == (0, time(8, 0))
    assert org.coordinators == () and org.language == "nb"
    assert str(org.timezone) == "Europe/Oslo"


def test_defaults_and_overrides() -> None:
    s = settings.load({**ENV, "RETURBOT_COORDINATORS": "U1AAA, U2BBB"})
    assert s.database_url == "sqlite:///returbot.db"
    assert s.port == 3000 and s.api_url == "https://slack.com/api/"
    assert s.coordinators == ("U1AAA", "U2BBB")
    s = settings.load({**ENV, "DATABASE_URL": "postgresql://u:secret@h/db", "PORT": "8080"})
    assert s.database_url.startswith("postgresql+psycopg://")
    assert "secret" not in repr(s) and "xoxb" not in repr(s)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}, "xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**ENV, "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({**ENV, "DATABASE_URL": "mysql://x/y"}, "SQLite or PostgreSQL"),
        ({**ENV, "PORT": "http"}, "PORT"),
        ({**ENV, "SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({**ENV, "RETURBOT_COORDINATORS": "kari"}, "RETURBOT_COORDINATORS"),
    ],
)
def test_bad_settings_name_what_is_wrong(env: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings.load(env)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_socket_mode_needs_no_signing_secret() -> None:
    s = settings.load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert s.app_token == "xapp-1"


GOOD = """
[organization]
name = "Test"
[[departments]]
code = "aaa"
name = "A"
[[departments]]
code = "BBB"
name = "B"
kind = "external"
[[meeting_series]]
key = "net"
name = "Net"
departments = ["AAA", "bbb"]
reminders = ["1h", "2d"]
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_config_file(tmp_path: Path) -> None:
    org = orgconfig.load(write(tmp_path, GOOD))
    assert org.department_codes == ("AAA", "BBB")
    series = org.meeting_series("net")
    assert series is not None and series.departments == ("AAA", "BBB")
    assert series.reminders == (timedelta(days=2), timedelta(hours=1))
    s = settings.load({**ENV, "RETURBOT_CONFIG": write(tmp_path, GOOD)})
    assert s.org.name == "Test"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            ('departments = ["AAA", "bbb"]', 'departments = ["AAA", "ZZZ"]'),
            "unknown department 'ZZZ'",
        ),
        (('code = "BBB"', 'code = "AAA"'), "duplicate department code"),
        (('reminders = ["1h", "2d"]', 'reminders = ["1h", "2x"]'), "reminders"),
        (('name = "Test"', 'name = "Test"\ntimezone = "Mars/Base"'), "organization.timezone"),
        (('name = "Test"', 'name = "Test"\nlanguage = "de"'), "organization.language"),
        (
            ("[organization]", '[digest]\nschedule = "monday eight"\n[organization]'),
            "digest.schedule",
        ),
        (
            ("[organization]", '[digest]\nschedule = "sun 02:30"\n[organization]'),
            "daylight saving time",
        ),
        (('kind = "external"', 'kind = "partner"'), "departments[1].kind"),
        (("[organization]", "[organization"), "not valid TOML"),
        (('reminders = ["1h", "2d"]', 'reminders = ["1h", "99999999999w"]'), "longer than a year"),
        (("[organization]", '[issues]\nack_within = "400d"\n[organization]'), "issues.ack_within"),
    ],
)
def test_bad_config_stops_with_one_line(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        orgconfig.load(path)
    message = str(caught.value)
    assert message.startswith(path) and words in message


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        orgconfig.load(str(tmp_path / "nope.toml"))
    assert "nope.toml" in str(caught.value)
