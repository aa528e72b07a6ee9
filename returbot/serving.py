"""Waitress as returbot serves with it: read deadlines for a request's header and body, and a
connection limit past which the oldest idle or stalled connections make room (SPEC §6)."""

from __future__ import annotations

import contextlib
import heapq
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, cast

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer

log = logging.getLogger("returbot.server")
MAX_BODY = 1024 * 1024
# Slack's headers are about a kilobyte; browsers' cookies stay well under this
MAX_HEADER = 32 * 1024
# Request threads per process. A request is a few milliseconds of Python and a few round trips
# to the database, and the GIL lets one thread run at a time: two threads overlap one's database
# wait with the other's work. More only contend (bench/load.py, 50 clients on two processes:
# 2 threads 300 requests/s, p99 257 ms; 4 threads 239/s, p99 374 ms; 8 threads 269/s, p99 588 ms
# over 20 s). Again after the record numbers came from sequences (issue 19), so that no lock
# is waited on: 2 threads 181/s, p99 451 ms, 6.5 ms of CPU a command; 4 threads 148/s, p99
# 540 ms, 8.0 ms a command, over 30 s. For more capacity, run more processes.
REQUEST_THREADS = 2
# files the process needs besides its connections: the database pool, Slack clients, logs
FILE_RESERVE = 128


class Tally:
    """Counts an event and logs it at most once a ``every`` seconds: a flood costs one line."""

    def __init__(self, message: str, every: float = 60.0) -> None:
        self.message = message  # one %d: how many since the last line
        self.every = every
        self.count = 0
        self.next_line = 0.0
        self.lock = threading.Lock()

    def add(self) -> None:
        """Count one; log the count if the last line is ``every`` seconds old."""
        with self.lock:
            self.count += 1
            now = time.monotonic()
            if now < self.next_line:
                return
            count, self.count, self.next_line = self.count, 0, now + self.every
        log.warning(self.message, count)


@dataclass(frozen=True)
class Limits:
    """How long a client may take over a request, and how many connections a process keeps."""

    idle: int = 5  # seconds a connection may sit with nothing arriving and nothing running
    header: float = 5.0  # from a request's first byte to the end of its header
    body: float = 10.0  # from the end of the header to the end of the body
    connections: int = 1000  # open at once; past it the oldest idle or stalled ones are closed
    check_every: int = 1  # seconds between looks at the deadlines


class _Request(HTTPRequestParser):
    """Waitress's request parser, noting when the request began and when its header ended."""

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.began = time.time()  # waitress's clock, as in last_activity
        self.header_ended: float | None = None

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.header_ended is None and self.headers_finished:
            self.header_ended = time.time()
        return consumed


class _Channel(HTTPChannel):
    parser_class = _Request


class _Server(TcpWSGIServer):
    """Waitress closes a connection only after ``channel_timeout`` without a byte, so a client
    sending one byte a second holds it for ever; and at ``connection_limit`` it stops accepting,
    so Slack's next request waits behind every stalled one. Here a request must arrive within
    its deadlines, and a connection past the limit closes the oldest idle or stalled ones."""

    channel_class = _Channel

    def __init__(self, application: Any, *, adj: Adjustments, limits: Limits) -> None:
        self.limits = limits
        # room to make at a time, so that a flood of new connections is not one scan each
        self.batch = max(1, limits.connections // 50)
        self.shed = Tally("connection limit reached: closed %d idle or stalled connection(s)")
        super().__init__(application, adj=adj)

    @property
    def open_channels(self) -> dict[int, HTTPChannel]:
        return cast(dict[int, HTTPChannel], self.active_channels)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]  # the idle ones (a float, despite the stubs)
        for channel in list(self.open_channels.values()):
            request = channel.request
            if channel.requests or channel.will_close or not isinstance(request, _Request):
                continue
            if request.header_ended is None:
                overdue = now - request.began > self.limits.header
            else:
                overdue = now - request.header_ended > self.limits.body
            if overdue:
                channel.will_close = True  # closed by the event loop once it polls again

    def readable(self) -> bool:
        if self.accepting and len(self.open_channels) >= self.limits.connections:
            self.make_room()
        return bool(super().readable())

    def make_room(self) -> None:
        """Mark the oldest idle or stalled connections to close, so new ones are accepted."""
        channels = self.open_channels.values()
        open_ = [c for c in channels if not (c.will_close or c.close_when_flushed)]
        excess = len(open_) - self.limits.connections + 1
        if excess <= 0:
            return
        waiting = [c for c in open_ if not c.requests and not c.total_outbufs_len]
        for channel in heapq.nsmallest(max(excess, self.batch), waiting, key=_since):
            channel.will_close = True
            self.shed.add()


def _since(channel: HTTPChannel) -> float:
    """Since when a connection has been waiting: its request's first byte, or its last activity."""
    request = channel.request
    return request.began if isinstance(request, _Request) else channel.last_activity


def _connection_room(wanted: int) -> int:
    """How many connections the file limit allows, raising the soft limit toward ``wanted``."""
    try:
        import resource
    except ImportError:  # not a Unix: no file limit to read
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # waitress lets the connections run past the limit by a tenth while the oldest close
    need = wanted + wanted // 10 + FILE_RESERVE
    if soft != resource.RLIM_INFINITY and soft < need:
        raised = need if hard == resource.RLIM_INFINITY else min(need, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft == resource.RLIM_INFINITY or soft >= need:
        return wanted
    room = max(10, (soft - FILE_RESERVE) * 10 // 11)
    log.warning("the file limit (%d) allows %d connections instead of %d", soft, room, wanted)
    return room


def make_server(
    wsgi: Any,
    *,
    host: str = "0.0.0.0",  # noqa: S104
    port: int = 3000,
    threads: int = REQUEST_THREADS,
    loop_timeout: float = 1.0,
    limits: Limits | None = None,
) -> Any:
    """A waitress server (not yet running): ``server.run()`` serves, ``server.close()`` stops."""
    limits = limits or Limits()
    limits = replace(limits, connections=_connection_room(limits.connections))
    adj = Adjustments(
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY,
        max_request_header_size=MAX_HEADER,
        ident="returbot",
        clear_untrusted_proxy_headers=True,
        asyncore_loop_timeout=loop_timeout,
        channel_timeout=limits.idle,
        cleanup_interval=limits.check_every,
        # the hard stop behind make_room, reached only when every connection has a request in
        # flight; counted with the listening socket and waitress's wake-up pipe
        connection_limit=limits.connections + limits.connections // 10 + 2,
        # select() cannot watch a descriptor above 1023
        asyncore_use_poll=True,
    )
    return _Server(wsgi, adj=adj, limits=limits)


def serve_until_closed(server: Any) -> None:
    """Run a waitress server until ``server.close()``; closing from another thread is normal."""
    # the listening socket closed under the event loop raises; that is the normal way out
    with contextlib.suppress(OSError):
        server.run()
