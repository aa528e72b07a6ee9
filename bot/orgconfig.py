"""The organisation as data (SPEC §2): departments, meeting series, schedules, coordinators."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserError
from bot.text import emails
from bot.text.dates import dst_unsafe
from bot.text.i18n import LANGUAGES, Lang, as_lang

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,15}$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_TEAM = re.compile(r"^T[A-Z0-9]{2,20}$")  # a Slack team (workspace) ID, as Slack writes them


class ConfigError(Exception):
    """A bad organisation config: one line naming the file, the key and what is wrong."""


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind: Literal["internal", "external"]
    channel: str
    slack_team: str = ""  # an external agency's own Slack team (Slack Connect, SPEC §8)
    email: tuple[str, ...] = ()  # the addresses its e-mail goes to (SPEC §8)


@dataclass(frozen=True)
class MeetingSeries:
    key: str
    name: str
    departments: tuple[str, ...]
    optional: tuple[str, ...]
    reminders: tuple[timedelta, ...]
    status_request: timedelta | None
    channel: str


@dataclass(frozen=True)
class OrgConfig:
    name: str
    timezone: ZoneInfo
    language: Lang
    coordinators: tuple[str, ...]
    digest_weekday: int  # Monday is 0
    digest_time: time
    lookahead_days: int
    stale_after: timedelta
    due_reminder: timedelta
    ack_within: timedelta
    departments: tuple[Department, ...]
    series: tuple[MeetingSeries, ...]
    source: str
    # the deployment's, set from the environment (bot/settings.py): the sender of e-mail (None:
    # no e-mail is sent) and the register's address in a browser (None: no web pages)
    mail_from: str | None = None
    web_url: str | None = None

    def department(self, code: str) -> Department | None:
        """The department with this code, case-insensitively."""
        wanted = code.strip().upper()
        return next((d for d in self.departments if d.code == wanted), None)

    def meeting_series(self, key: str) -> MeetingSeries | None:
        """The series with this key, case-insensitively."""
        wanted = key.strip().lower()
        return next((s for s in self.series if s.key == wanted), None)

    @property
    def department_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.departments)

    @property
    def slack_teams(self) -> dict[str, str]:
        """Department code -> its Slack team, for the departments that name one (SPEC §8)."""
        return {d.code: d.slack_team for d in self.departments if d.slack_team}

    def department_of_team(self, team: str | None) -> Department | None:
        """The department whose Slack team ``team`` is (at most one: the config says so)."""
        if not team:
            return None
        return next((d for d in self.departments if d.slack_team == team), None)


# reminder offsets and follow-up times beyond a year would only overflow date arithmetic
MAX_CONFIG_DURATION = timedelta(days=365)


def parse_config_duration(value: str) -> timedelta:
    """``"2d"`` -> two days; units m, h, d, w. Raises ValueError."""
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"{value!r} is not a duration like 30m, 1h, 2d or 1w")
    found = timedelta(**{_UNIT[m.group(2)]: int(m.group(1))}) if len(m.group(1)) < 9 else None
    if found is None or found > MAX_CONFIG_DURATION:
        raise ValueError(f"{value!r} is longer than a year (365d), the longest duration allowed")
    return found


def load(path: str | None = None) -> OrgConfig:
    """Read and validate the config file at ``path``, or the bundled UDI default."""
    if path:
        source = path
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    else:
        source = "bundled default_config.toml"
        text = (resources.files("bot") / "default_config.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    return _Reader(source).build(data)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: {what}")

    def get(self, table: dict[str, Any], key: str, where: str, kind: type, default: Any) -> Any:
        value = table.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}{key}", f"must be {kind.__name__}, got {value!r}")
        return value

    def duration(self, table: dict[str, Any], key: str, where: str, default: str) -> timedelta:
        raw = self.get(table, key, where, str, default)
        try:
            return parse_config_duration(raw)
        except ValueError as exc:
            raise self.fail(f"{where}{key}", str(exc)) from None

    def build(self, data: dict[str, Any]) -> OrgConfig:
        org = self.table(data, "organization")
        tz_name = self.get(org, "timezone", "organization.", str, "Europe/Oslo")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                "organization.timezone", f"unknown IANA time zone {tz_name!r}"
            ) from None
        language = self.get(org, "language", "organization.", str, "nb")
        if language not in LANGUAGES:
            raise self.fail(
                "organization.language", f'must be "nb", "nn" or "en", got {language!r}'
            )
        coordinators = self.get(org, "coordinators", "organization.", list, [])
        for user in coordinators:
            if not isinstance(user, str) or not _USER.match(user):
                raise self.fail("organization.coordinators", f"{user!r} is not a Slack user ID")
        digest = self.table(data, "digest")
        weekday, at = self.schedule(self.get(digest, "schedule", "digest.", str, "mon 08:00"))
        # two whole years of DST changes, whatever today is
        if dst_unsafe(at, tz, start=date(2026, 1, 1), days=730):
            raise self.fail(
                "digest.schedule",
                f"{at:%H:%M} falls in the hour that daylight saving time skips or repeats in "
                f"{tz.key}; choose another time",
            )
        lookahead = self.get(digest, "lookahead_days", "digest.", int, 14)
        if not 1 <= lookahead <= 366:
            raise self.fail("digest.lookahead_days", "must be between 1 and 366")
        issues = self.table(data, "issues")
        stale = self.get(issues, "stale_after_days", "issues.", int, 14)
        if stale < 1:
            raise self.fail("issues.stale_after_days", "must be at least 1")
        departments = self.departments(data.get("departments", []))
        codes = {d.code for d in departments}
        series = self.series(data.get("meeting_series", []), codes)
        return OrgConfig(
            name=self.get(org, "name", "organization.", str, "returbot"),
            timezone=tz,
            language=as_lang(language),
            coordinators=tuple(coordinators),
            digest_weekday=weekday,
            digest_time=at,
            lookahead_days=lookahead,
            stale_after=timedelta(days=stale),
            due_reminder=self.duration(issues, "due_reminder", "issues.", "1d"),
            ack_within=self.duration(issues, "ack_within", "issues.", "2d"),
            departments=departments,
            series=series,
            source=self.source,
        )

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value

    def schedule(self, value: str) -> tuple[int, time]:
        parts = value.lower().split()
        if len(parts) != 2 or parts[0][:3] not in WEEKDAYS:
            raise self.fail("digest.schedule", f'{value!r} is not like "mon 08:00"')
        try:
            hour, minute = (int(p) for p in parts[1].split(":"))
            return WEEKDAYS.index(parts[0][:3]), time(hour, minute)
        except ValueError:
            raise self.fail("digest.schedule", f'{value!r} is not like "mon 08:00"') from None

    def departments(self, rows: Any) -> tuple[Department, ...]:
        if not isinstance(rows, list) or not rows:
            raise self.fail("departments", "at least one [[departments]] entry is needed")
        out: list[Department] = []
        for i, row in enumerate(rows):
            where = f"departments[{i}]."
            code = self.get(row, "code", where, str, "")
            if not _CODE.match(code):
                raise self.fail(f"{where}code", f"{code!r} is not a short code like RMA")
            if any(d.code == code.upper() for d in out):
                raise self.fail(f"{where}code", f"duplicate department code {code.upper()!r}")
            kind = self.get(row, "kind", where, str, "internal")
            if kind not in ("internal", "external"):
                raise self.fail(f"{where}kind", f'must be "internal" or "external", got {kind!r}')
            out.append(
                Department(
                    code=code.upper(),
                    name=self.get(row, "name", where, str, code.upper()),
                    kind="external" if kind == "external" else "internal",
                    channel=self.get(row, "channel", where, str, ""),
                    slack_team=self.slack_team(row, where, kind, out),
                    email=self.email(row, where),
                )
            )
        return tuple(out)

    def email(self, row: dict[str, Any], where: str) -> tuple[str, ...]:
        """The department's e-mail addresses (``email = ["vakt@pu.no"]``), each well-formed."""
        given = self.get(row, "email", where, list, [])
        out: list[str] = []
        for value in given:
            if not isinstance(value, str):
                raise self.fail(f"{where}email", "must be a list of addresses in quotes")
            try:
                address = emails.checked(value.strip())
            except UserError:
                raise self.fail(
                    f"{where}email", f"{value[:80]!r} is not an e-mail address like vakt@pu.no"
                ) from None
            if address not in out:
                out.append(address)
        return tuple(out)

    def slack_team(
        self, row: dict[str, Any], where: str, kind: str, earlier: list[Department]
    ) -> str:
        """A partner agency's Slack team ID (SPEC §8): ``T`` and capitals or digits, for an
        external department, and no team for two departments (whose would its users be?)."""
        team = str(self.get(row, "slack_team", where, str, "")).strip()
        if not team:
            return ""
        key = f"{where}slack_team"
        if not _TEAM.match(team):
            raise self.fail(
                key, f"{team!r} is not a Slack team ID (like T0123ABCD: a T, then capitals "
                "and digits; Slack shows it in the workspace's URL and settings)",
            )  # fmt: skip
        if kind != "external":
            raise self.fail(key, 'names a partner agency\'s Slack team: only for kind = "external"')
        other = next((d for d in earlier if d.slack_team == team), None)
        if other is not None:
            raise self.fail(key, f"{team} is already the Slack team of {other.code}")
        return team

    def series(self, rows: Any, codes: set[str]) -> tuple[MeetingSeries, ...]:
        if not isinstance(rows, list):
            raise self.fail("meeting_series", "must be a list of [[meeting_series]] tables")
        out: list[MeetingSeries] = []
        for i, row in enumerate(rows):
            where = f"meeting_series[{i}]."
            key = self.get(row, "key", where, str, "").lower()
            if not re.match(r"^[a-z][a-z0-9_-]{0,31}$", key):
                raise self.fail(f"{where}key", f"{key!r} is not a key like network")
            if any(s.key == key for s in out):
                raise self.fail(f"{where}key", f"duplicate meeting series key {key!r}")
            members = self.codes(row, "departments", where, codes)
            optional = self.codes(row, "optional", where, codes)
            reminders = [
                self.duration({"r": r}, "r", f"{where}reminders", "1d")
                for r in self.get(row, "reminders", where, list, ["1d"])
            ]
            status = row.get("status_request")
            out.append(
                MeetingSeries(
                    key=key,
                    name=self.get(row, "name", where, str, key),
                    departments=members,
                    optional=optional,
                    reminders=tuple(sorted(reminders, reverse=True)),
                    status_request=(
                        self.duration(row, "status_request", where, "3d") if status else None
                    ),
                    channel=self.get(row, "channel", where, str, ""),
                )
            )
        return tuple(out)

    def codes(self, row: dict[str, Any], key: str, where: str, known: set[str]) -> tuple[str, ...]:
        values = self.get(row, key, where, list, [])
        out: list[str] = []
        for value in values:
            code = str(value).upper()
            if code not in known:
                raise self.fail(f"{where}{key}", f"unknown department {value!r}")
            out.append(code)
        return tuple(out)
