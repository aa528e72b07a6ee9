"""A local fake of Slack's Socket Mode: a real WebSocket server on 127.0.0.1, port 0.

``apps.connections.open`` on the fake Web API hands out :meth:`FakeSocketMode.open_url` (one
single-use ticket a call, as Slack does); the bot connects, gets ``hello``, and is sent envelopes
whose acks (with their response payloads) are recorded. A connection can be told to refresh
(``disconnect`` with a reason), closed with a close frame, dropped cleanly (a FIN without a
close frame, what a load balancer does) or abruptly (an RST), or stalled (the server stops
reading and answering, as when the network silently loses packets).

The WebSocket protocol is websockets' sans-I/O ``ServerProtocol``; the TCP socket is this
module's own, each connection served by one thread, so a drop happens exactly as asked.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import secrets
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

APP_ID = "A000FAKE"
DEBUG_INFO = {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060}


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    connection: int
    at: float = field(default_factory=time.monotonic)


class Connection:
    """One accepted WebSocket connection; its methods are carried out by its own thread."""

    def __init__(self, server: FakeSocketMode, number: int, sock: socket.socket) -> None:
        self.server = server
        self.number = number
        self.sock = sock
        self.protocol = ServerProtocol(max_size=None)
        self.ticket: str | None = None
        self.opened = threading.Event()  # handshake accepted and hello sent
        self.opened_at: float | None = None  # time.monotonic() of that
        self.closed = threading.Event()
        self.closed_by: str | None = None  # "client", "server" or "eof"
        self.received: list[dict[str, Any]] = []
        self.pings = 0
        self._stalled = False
        self._close_deadline: float | None = None
        self._commands: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name=f"fakesocket-{number}")
        self._thread.daemon = True

    # what a test does with a connection
    def send(self, message: dict[str, Any]) -> None:
        self._command("text", json.dumps(message))

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's ``disconnect``: ``warning``, ``refresh_requested``, ``link_disabled``."""
        self.send({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}})

    def close(self, code: int = 1001, reason: str = "") -> None:
        """A proper close: a close frame, the client's answer, then the TCP close."""
        self._command("close", (code, reason))

    def drop_fin(self) -> None:
        """Close the TCP connection without a WebSocket close frame (a load balancer's FIN)."""
        self._command("fin", None)

    def drop_rst(self) -> None:
        """Abort the TCP connection: SO_LINGER 0, so the close sends an RST."""
        self._command("rst", None)

    def stall(self) -> None:
        """From now on read nothing and answer nothing, keeping the TCP connection open."""
        self._command("stall", None)

    def wait_closed(self, timeout: float = 15.0) -> str:
        if not self.closed.wait(timeout):
            raise AssertionError(f"connection {self.number} is still open after {timeout} s")
        return self.closed_by or "?"

    # the connection's thread
    def start(self) -> None:
        self._thread.start()

    def _command(self, name: str, arg: Any) -> None:
        self._commands.put((name, arg))
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _serve(self) -> None:
        try:
            while not self.closed.is_set():
                timeout = 1.0
                if self._close_deadline is not None:
                    timeout = max(0.0, self._close_deadline - time.monotonic())
                watched: list[Any] = [self._wake_r] if self._stalled else [self.sock, self._wake_r]
                readable, _, _ = select.select(watched, [], [], timeout)
                if self._wake_r in readable:
                    self._wake_r.recv(4096)
                    self._run_commands()
                if self.sock in readable and not self.closed.is_set():
                    self._read()
                if self._close_deadline is not None and time.monotonic() >= self._close_deadline:
                    self._finish("server")  # the client never answered the close frame
        except OSError:
            self._finish("eof")
        finally:
            self._wake_r.close()
            self._wake_w.close()

    def _run_commands(self) -> None:
        while True:
            try:
                name, arg = self._commands.get_nowait()
            except queue.Empty:
                return
            if self.closed.is_set():
                continue
            if name == "text" and not self._stalled:
                self.protocol.send_text(arg.encode())
                self._flush()
            elif name == "close":
                self.protocol.send_close(*arg)
                self._close_deadline = time.monotonic() + 3
                self._flush()
            elif name == "fin":
                self._drain()
                self.sock.shutdown(socket.SHUT_WR)
                self._finish("server")
            elif name == "rst":
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self._finish("server")
            elif name == "stall":
                self._stalled = True
            elif name == "stop":
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self._finish("server")

    def _read(self) -> None:
        try:
            data = self.sock.recv(65536)
        except ConnectionError:
            data = b""
        if not data:
            self.protocol.receive_eof()
            self._finish("eof" if self.closed_by is None else self.closed_by)
            return
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Request):
                self._handshake(event)
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()

    def _handshake(self, request: Request) -> None:
        query = parse_qs(urlsplit(request.path).query)
        ticket = (query.get("ticket") or [""])[0]
        if not self.server._use_ticket(ticket):
            response = self.protocol.reject(401, "invalid or used ticket\n")
            self.protocol.send_response(response)
            self._flush()
            self._finish("server")
            return
        self.ticket = ticket
        self.protocol.send_response(self.protocol.accept(request))
        hello = {
            "type": "hello",
            "num_connections": self.server.open_count() + 1,
            "debug_info": DEBUG_INFO,
            "connection_info": {"app_id": self.server.app_id},
        }
        self.protocol.send_text(json.dumps(hello).encode())
        self._flush()
        self.opened_at = time.monotonic()
        self.opened.set()
        self.server._opened(self)

    def _frame(self, frame: Frame) -> None:
        if frame.opcode is Opcode.TEXT:
            message = json.loads(frame.data)
            self.received.append(message)
            if "envelope_id" in message:
                self.server._acked(Ack(message["envelope_id"], message.get("payload"), self.number))
        elif frame.opcode is Opcode.PING:
            self.pings += 1  # the protocol has queued the pong
        elif frame.opcode is Opcode.CLOSE and self.closed_by is None:
            self.closed_by = "server" if self._close_deadline is not None else "client"

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)
            else:  # the protocol's end of stream: the close handshake is done
                self._finish(self.closed_by or "server")
                return

    def _drain(self) -> None:
        """Read what the client sent: closing with unread data would send an RST, not a FIN."""
        self.sock.setblocking(False)
        with contextlib.suppress(OSError):
            while self.sock.recv(65536):
                pass

    def _finish(self, by: str) -> None:
        if self.closed.is_set():
            return
        self.closed_by = self.closed_by or by
        with contextlib.suppress(OSError):
            self.sock.close()
        self.closed.set()
        self.server._closed(self)


class FakeSocketMode:
    """Start with ``with FakeSocketMode() as sm:``; ``fake_slack.set_socket_mode(sm.open_url)``."""

    def __init__(self, *, app_id: str = APP_ID) -> None:
        self.app_id = app_id
        self.connections: list[Connection] = []
        self.acks: list[Ack] = []
        self.tickets_issued = 0
        self._tickets: set[str] = set()
        self._lock = threading.Condition()
        self._numbers = itertools.count(1)
        self._ids = itertools.count(1)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._stop_r, self._stop_w = socket.socketpair()
        self._thread = threading.Thread(target=self._accept, name="fakesocket-accept", daemon=True)

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop_w.send(b"x")
        self._thread.join(timeout=5)
        for connection in list(self.connections):
            connection._command("stop", None)
        for connection in list(self.connections):
            connection.closed.wait(5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # the Web API's side
    def open_url(self) -> str:
        """A new WebSocket URL with a single-use ticket, as ``apps.connections.open`` gives."""
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
            self.tickets_issued += 1
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def start_over(self) -> Connection:
        """The newest open connection becomes connection 1, the only one: the others are closed
        and forgotten, and so are the acks (for a test that goes on with a running client)."""
        with self._lock:
            live = [c for c in self.connections if c.opened.is_set() and not c.closed.is_set()]
            if not live:
                raise AssertionError("no open Socket Mode connection to start over from")
            current = live[-1]
            others = [c for c in self.connections if c is not current]
            self.connections = [current]
            self.acks.clear()
        for connection in others:
            connection._command("stop", None)
        for connection in others:
            connection.closed.wait(5)
        return current

    # reading
    def open_connections(self) -> list[Connection]:
        with self._lock:
            return [c for c in self.connections if c.opened.is_set() and not c.closed.is_set()]

    def open_count(self) -> int:
        return len(self.open_connections())

    def wait_connection(self, number: int = 1, timeout: float = 15.0) -> Connection:
        """The ``number``-th connection that completed its handshake (1 is the first)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                opened = [c for c in self.connections if c.opened.is_set()]
                if len(opened) >= number:
                    return opened[number - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected connection {number}; {len(opened)} opened in {timeout} s"
                    )
                self._lock.wait(left)

    @property
    def current(self) -> Connection:
        """The newest open connection, where Slack sends envelopes."""
        found = self.open_connections()
        if not found:
            raise AssertionError("no open Socket Mode connection")
        return found[-1]

    def acks_for(self, envelope_id: str) -> list[Ack]:
        with self._lock:
            return [a for a in self.acks if a.envelope_id == envelope_id]

    def wait_ack(self, envelope_id: str, count: int = 1, timeout: float = 10.0) -> Ack:
        """The ``count``-th ack of ``envelope_id``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [a for a in self.acks if a.envelope_id == envelope_id]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} ack(s) of {envelope_id}; {found}")
                self._lock.wait(left)

    # sending what Slack sends
    def envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        connection: Connection | None = None,
    ) -> str:
        """Send one envelope (``slash_commands``, ``interactive``, ``events_api``); its id."""
        envelope_id = envelope_id or f"env-{next(self._ids):04d}-{secrets.token_hex(4)}"
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands" or (
                kind == "interactive" and payload.get("type") == "view_submission"
            )
        message: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api" or retry_attempt is not None:
            message["retry_attempt"] = retry_attempt or 0
            message["retry_reason"] = retry_reason or ""
        (connection or self.current).send(message)
        return envelope_id

    def slash(self, body: str, **kwargs: Any) -> str:
        """A slash command from ``slackreq.slash_body`` (the form fields, as a JSON object)."""
        fields = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        return self.envelope("slash_commands", fields, **kwargs)

    def interactive(self, body: str, **kwargs: Any) -> str:
        """An action, shortcut or form from ``slackreq`` (the ``payload`` field's JSON)."""
        payload = json.loads(parse_qs(body)["payload"][0])
        return self.envelope("interactive", payload, **kwargs)

    def event(self, body: str, **kwargs: Any) -> str:
        """An Events API callback from ``slackreq.event_body``."""
        return self.envelope("events_api", json.loads(body), **kwargs)

    def ask(self, send: Callable[..., str], body: str, timeout: float = 10.0) -> Ack:
        """Send an envelope with ``send`` (e.g. ``sm.slash``) and wait for its ack."""
        return self.wait_ack(send(body), timeout=timeout)

    # the server's threads
    def _accept(self) -> None:
        while True:
            readable, _, _ = select.select([self._listener, self._stop_r], [], [])
            if self._stop_r in readable:
                self._listener.close()
                return
            sock, _ = self._listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(self, next(self._numbers), sock)
            with self._lock:
                self.connections.append(connection)
            connection.start()

    def _use_ticket(self, ticket: str) -> bool:
        with self._lock:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return True
            return False

    def _opened(self, _connection: Connection) -> None:
        with self._lock:
            self._lock.notify_all()

    def _closed(self, _connection: Connection) -> None:
        with self._lock:
            self._lock.notify_all()

    def _acked(self, ack: Ack) -> None:
        with self._lock:
            self.acks.append(ack)
            self._lock.notify_all()
