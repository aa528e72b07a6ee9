"""``SMTP_URL`` and ``RETURBOT_MAIL_FROM`` (SPEC §7, §8), read and checked at start-up.

``smtp://user:pass@host:port`` (STARTTLS with ``?starttls=true``) or ``smtps://…`` (TLS from the
first byte). A bad value stops start-up with one sentence naming the setting and what is right;
the password is never part of a sentence, a log line or a ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import formataddr, getaddresses
from urllib.parse import parse_qs, unquote, urlsplit

from bot.settings import SettingsError

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
# one address as a mail server and a calendar take it: no spaces, no quoting, a dotted domain
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\\\"]+@[^@\s<>()\[\],;:\\\"]+\.[^@\s<>()\[\],;:\\\"]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SmtpServer:
    """Where mail is handed over, and how."""

    host: str
    port: int
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False  # smtp with ?starttls=true: STARTTLS before anything else
    username: str = ""
    password: str = field(default="", repr=False)

    def __str__(self) -> str:
        """The server for a log line: scheme, user, host and port, never the password."""
        scheme = "smtps" if self.tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        query = "?starttls=true" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{query}"


@dataclass(frozen=True)
class MailFrom:
    """``RETURBOT_MAIL_FROM``: the sender of every e-mail and the ORGANIZER of invitations."""

    address: str
    name: str = ""

    @property
    def header(self) -> str:
        return formataddr((self.name, self.address)) if self.name else self.address

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


def _bad(why: str) -> SettingsError:
    return SettingsError(
        f"SMTP_URL {why}: give smtp://user:password@host:port (add ?starttls=true for "
        "STARTTLS) or smtps://user:password@host:port."
    )


def parse_smtp_url(value: str) -> SmtpServer:
    """``value`` as an SMTP server; SettingsError (one sentence, no password) if it is not one."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port_given = parts.port
    except ValueError:
        raise _bad("has a port that is not a number from 1 to 65535") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise _bad(f"must start with smtp:// or smtps://, not {shown}")
    if not parts.hostname:
        raise _bad("names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise _bad("has a path, which an SMTP server has none of")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad("has a query that is not name=value") from None
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise _bad(f"has {unknown[0]!r}, which is not a setting (only starttls is)")
    starttls = False
    if "starttls" in query:
        said = query["starttls"][-1].strip().lower()
        if said not in _TRUE | _FALSE:
            raise _bad(f"has starttls={said[:20]!r}, which is neither true nor false")
        starttls = said in _TRUE
    if starttls and scheme == "smtps":
        raise _bad("asks for STARTTLS on smtps://, which is TLS already")
    if port_given == 0:
        raise _bad("has a port that is not a number from 1 to 65535")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise _bad("has a password but no user")
    return SmtpServer(
        host=parts.hostname,
        port=port_given or DEFAULT_PORTS[scheme],
        tls=scheme == "smtps",
        starttls=starttls,
        username=username,
        password=password,
    )


def check_address(value: str) -> str:
    """``value`` if it is one plain e-mail address; else ValueError."""
    found = value.strip()
    if not _ADDRESS.fullmatch(found):
        raise ValueError(f"not an e-mail address: {_CONTROL.sub('?', found)[:80]!r}")
    return found


def parse_mail_from(value: str) -> MailFrom:
    """``RETURBOT_MAIL_FROM`` (``returbot@udi.no`` or ``Returbot <returbot@udi.no>``)."""
    text = value.strip()
    found = getaddresses([text])
    name, address = found[0] if len(found) == 1 and not _CONTROL.search(text) else ("", "")
    try:
        check_address(address)
    except ValueError:
        raise SettingsError(
            f"RETURBOT_MAIL_FROM must be one e-mail address, such as returbot@udi.no or "
            f"Returbot <returbot@udi.no>, got {_CONTROL.sub('?', text)[:80]!r}."
        ) from None
    return MailFrom(address=address, name=name)
