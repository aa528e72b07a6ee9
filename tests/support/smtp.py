"""A real SMTP server on a free port (aiosmtpd), with faults to inject, for the e-mail tests.

``with SmtpServer() as server:`` listens on 127.0.0.1; ``server.fail(step, code, text)`` makes
the next attempt's ``step`` (``greeting``, ``mail``, ``rcpt``, ``data``) answer ``code``;
``server.drop_after_data()`` takes the next message and closes the connection before it says so;
``server.hang_after_data()`` takes it and never answers; ``server.hang_at_quit()`` answers for
the message and never for the QUIT after it. ``server.received`` holds every message
the server took, parsed with :mod:`email`. :func:`silent_server` accepts connections and never
says a word.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import tempfile
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    """A message the server took: the envelope, and the message parsed."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage = field(init=False)

    def __post_init__(self) -> None:
        # read as a mail client reads it: a line ends at CRLF
        parsed = message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.message = parsed


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        fault = self.owner._take("mail")
        if fault:
            return fault
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        fault = self.owner._take("rcpt")
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self.owner._take("data")
        if fault and fault not in ("drop", "hang"):
            return fault
        assert isinstance(envelope.content, bytes)
        over_tls = session.ssl is not None or (
            server.transport is not None and server.transport.get_extra_info("ssl_object")
        )
        self.owner.tls_seen.append(bool(over_tls))
        self.owner.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), envelope.content)
        )
        if fault == "drop":
            assert server.transport is not None
            server.transport.abort()  # the message is here; the client never hears so
            return "250 OK"
        if fault == "hang":
            await asyncio.sleep(3600)
        return "250 OK"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.owner._take("quit") == "hang":
            await asyncio.sleep(3600)
        return "221 Bye"


class _Greeting(SMTP):
    """aiosmtpd's SMTP, greeting with a fault when one is set (421: closing at once)."""

    def __init__(self, owner: SmtpServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    async def _handle_client(self) -> None:
        fault = self.owner._take("greeting")
        if fault:
            await self.push(fault)
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class _Controller(Controller):
    def __init__(self, owner: SmtpServer, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(_Handler(owner), hostname="127.0.0.1", port=0, **kwargs)

    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            # AUTH without TLS: the loopback the tests run on
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return _Greeting(self.owner, self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # bound to port 0: read the port the system gave before the first connection
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """A running SMTP server (see the module's words)."""

    def __init__(
        self, *, auth: tuple[str, str] | None = None, tls: Literal["", "starttls", "smtps"] = ""
    ) -> None:
        self.received: list[Received] = []
        self._faults: deque[tuple[str, str]] = deque()
        self._lock = threading.Lock()
        self.tls = tls
        self.logins: list[tuple[str, str]] = []
        self.tls_seen: list[bool] = []  # per message: whether it came over TLS
        kwargs: dict[str, Any] = {}
        self._certs = tempfile.TemporaryDirectory(prefix="smtp-tls-") if tls else None
        if self._certs is not None:
            server_context, self.client_context = _tls_contexts(Path(self._certs.name))
            if tls == "starttls":
                kwargs |= {"tls_context": server_context, "require_starttls": True}
            else:
                kwargs |= {"ssl_context": server_context}
        if auth is not None:
            kwargs |= {
                "authenticator": self._authenticator(auth),
                # aiosmtpd knows of STARTTLS only; smtps is TLS from the first byte
                "auth_require_tls": tls == "starttls",
                "auth_required": True,
            }
        self._controller = _Controller(self, **kwargs)

    def _authenticator(self, auth: tuple[str, str]) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                  data: Any) -> AuthResult:  # fmt: skip
            if not isinstance(data, LoginPassword):
                return AuthResult(success=False, handled=False)
            given = (data.login.decode(), data.password.decode())
            self.logins.append(given)
            return AuthResult(success=given == auth, handled=False)

        return check

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def url(self) -> str:
        if self.tls == "smtps":
            return f"smtps://127.0.0.1:{self.port}"
        query = "?starttls=true" if self.tls == "starttls" else ""
        return f"smtp://127.0.0.1:{self.port}{query}"

    def fail(self, step: str, code: int, text: str = "") -> None:
        """The next ``step`` answers ``code`` (then the server is well again)."""
        with self._lock:
            self._faults.append((step, f"{code} {text or 'injected fault'}"))

    def drop_after_data(self) -> None:
        with self._lock:
            self._faults.append(("data", "drop"))

    def hang_after_data(self) -> None:
        with self._lock:
            self._faults.append(("data", "hang"))

    def hang_at_quit(self) -> None:
        """The next QUIT (after a message was taken) is never answered."""
        with self._lock:
            self._faults.append(("quit", "hang"))

    def _take(self, step: str) -> str:
        with self._lock:
            for index, (at, answer) in enumerate(self._faults):
                if at == step:
                    del self._faults[index]
                    return answer
        return ""

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        # the start's own trial connection took a greeting: it used no fault
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop(no_assert=True)
        if self._certs is not None:
            self._certs.cleanup()


def _tls_contexts(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context, and a client's that
    trusts that certificate alone (and checks the host name, as the transport's default does)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


@contextmanager
def silent_server() -> Iterator[int]:
    """A port whose server accepts connections (the system's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])
