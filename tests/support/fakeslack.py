"""A local fake of Slack's Web API: a real HTTP server on 127.0.0.1, port 0.

The real ``slack_sdk.WebClient(base_url=fake.url)`` talks to it. Every request is recorded;
faults (429 with Retry-After, 5xx, time-outs, resets, permanent refusals) are scripted.

It also plays Slack's OpenID Connect provider (Sign in with Slack) with an RSA key of its own:
the authorize endpoint (``oidc_authorize_url``) sends the browser back with a code for the
user a test chose with ``sign_in_as``, ``openid.connect.token`` exchanges the code for an ID
token signed with that key, and ``oidc_jwks_url`` publishes the key.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import random
import secrets
import select
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata")
CHANNEL_METHODS = {
    "chat.postMessage", "chat.update", "chat.postEphemeral", "chat.delete",
    "files.completeUploadExternal",
}  # fmt: skip


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    reset_connection: bool = False
    after: bool = False  # do the work (post the message), then fail: Slack's answer is lost


OIDC_ISSUER = "https://slack.com"
OIDC_KID = "fake-slack-key-1"


@dataclass
class SignIn:
    """Who the fake's authorize endpoint signs in, and what a test spoils in the ID token."""

    user: str
    team: str = "T000FAKE"
    name: str = "Kari Nordmann"
    key: str = "own"  # "forged": signed with another key under the same key ID
    algorithm: str = "RS256"  # "none": not signed at all
    audience: str | None = None  # the token's aud (default: the client ID the app sent)
    nonce: str | None = None  # the token's nonce (default: the one the app sent)
    expires_in: int = 3600  # seconds from now; negative: expired already
    state: str | None = None  # the state sent back (default: the one the app sent)


class FakeSlack:
    """Start with ``with FakeSlack() as fake:``; point a WebClient at ``fake.url``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._channel_errors: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        # Slack Connect (set_team, share_channel, refuse_dm): user -> team, channel -> the
        # other teams it is shared with, user -> the error a DM to them gets
        self._user_teams: dict[str, str] = {}
        self._shared_channels: dict[str, list[str]] = {}
        self._dm_refusals: dict[str, str] = {}
        self._latency = 0.0
        self._chaos: tuple[frozenset[str], float, tuple[Fault, ...], random.Random] | None = None
        self.chaos_log: list[tuple[str, Fault]] = []
        self._last_ts = 0.0
        self._history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._ids = itertools.count(1)
        self._socket_url: Callable[[], str] | None = None  # set_socket_mode
        self._in_flight = 0  # requests being answered; wait_idle waits for none
        self._idle = threading.Condition(self._lock)
        self._sign_in: SignIn | None = None  # sign_in_as
        self._oidc_client: tuple[str, str] | None = None  # set_openid_client
        self._oidc_keys: dict[str, rsa.RSAPrivateKey] = {}  # made on first use
        self._oidc_codes: dict[str, tuple[SignIn, dict[str, Any]]] = {}
        self.id_tokens: list[str] = []  # every ID token handed out
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                fake._serve(self)

            def do_GET(self) -> None:
                fake._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = self.base + "/api/"
        self.oidc_authorize_url = self.base + "/openid/connect/authorize"
        self.oidc_jwks_url = self.base + "/openid/connect/keys"
        self._server.timeout = 0  # handle_request() handles a connection select() has seen
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._accept, name="fakeslack", daemon=True)

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake_w.send(b"x")
        self._thread.join(timeout=5)
        self._server.server_close()
        self._wake_r.close()
        self._wake_w.close()

    def _accept(self) -> None:
        """``serve_forever``, but woken by ``stop`` at once instead of noticing it at its next
        poll (which every test using a fake Slack waited for: 50 ms each)."""
        while not self._stopping.is_set():
            readable, _, _ = select.select([self._server.socket, self._wake_r], [], [])
            if self._server.socket in readable and not self._stopping.is_set():
                self._server.handle_request()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # scripting
    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
        reset_connection: bool = False,
        after: bool = False,
    ) -> None:
        with self._lock:
            for _ in range(times):
                self._faults[method].append(
                    Fault(status, error, retry_after, delay, reset_connection, after)
                )

    def chaos(self, methods: set[str], rate: float, faults: list[Fault], *, seed: int = 1) -> None:
        """From now on a ``rate`` share of calls to ``methods`` fails with one of ``faults``."""
        with self._lock:
            self._chaos = (frozenset(methods), rate, tuple(faults), random.Random(seed))

    def calm(self) -> None:
        with self._lock:
            self._chaos = None

    def _next_ts(self) -> str:
        """A message ts as Slack makes them: the time of posting, unique in the workspace."""
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    def fail_channel(self, channel: str, error: str) -> None:
        self._channel_errors[channel] = error

    def set_members(self, channel: str, users: list[str]) -> None:
        self._members[channel] = list(users)

    def set_users(self, names: dict[str, str]) -> None:
        """The workspace's people (``users.list``, a page of two at a time): ID -> real name."""
        self._users = dict(names)

    def set_socket_mode(self, open_url: Callable[[], str] | None) -> None:
        """``apps.connections.open`` answers with ``open_url()`` (a fake Socket Mode server's)."""
        self._socket_url = open_url

    def sign_in_as(self, user: str, **spoilt: Any) -> SignIn:
        """The next sign-ins (the authorize endpoint) are ``user``'s; ``spoilt`` sets the other
        fields of ``SignIn`` (team, name, and what is wrong with the token)."""
        self._sign_in = SignIn(user, **spoilt)
        return self._sign_in

    def set_openid_client(self, client_id: str, client_secret: str) -> None:
        """The Slack app's client ID and secret: ``openid.connect.token`` checks them."""
        self._oidc_client = (client_id, client_secret)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._channel_errors.clear()

    def clear(self) -> None:
        """As a new fake Slack at the same URL: no calls, faults, members, messages or uploads
        (the Socket Mode server given to ``set_socket_mode`` stays)."""
        self.reset()
        with self._lock:
            self.uploads.clear()
            self._members.clear()
            self._user_teams.clear()
            self._shared_channels.clear()
            self._dm_refusals.clear()
            self._latency = 0.0
            self._chaos = None
            self.chaos_log.clear()
            self._history.clear()

    # reading
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        with self._lock:
            seen = [c.method for c in self.calls]
        raise AssertionError(f"expected {count} call(s) to {method}; saw {seen}")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until every request received so far has been answered (a slow answer too, though
        its caller may have stopped waiting for it)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise AssertionError(f"{self._in_flight} request(s) still unanswered")

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Params of chat.postMessage calls that succeeded (optionally to one channel)."""
        with self._lock:
            calls = [
                c for c in self.calls if c.method == "chat.postMessage" and c.params.get("_ok")
            ]
        return [c.params for c in calls if channel is None or c.params.get("channel") == channel]

    # serving
    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            self._handle(request)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        path = request.path.split("?", 1)[0]
        method = path[len("/api/") :] if path.startswith("/api/") else path
        params = _params(request.headers.get("Content-Type", ""), body)
        if "?" in request.path:
            params.update({k: v[0] for k, v in parse_qs(request.path.split("?", 1)[1]).items()})
        call = Call(method, params, {k: v for k, v in request.headers.items()}, body)
        with self._lock:
            self.calls.append(call)
            queue = self._faults.get(method) or self._faults.get("*")
            fault = queue.popleft() if queue else None
            if fault is None and self._chaos is not None:
                methods, rate, faults, rng = self._chaos
                if method in methods and rng.random() < rate:
                    fault = rng.choice(faults)
                    self.chaos_log.append((method, fault))
        if self._latency:
            time.sleep(self._latency)
        if fault is not None and not fault.after:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.reset_connection:
                return self._reset(request)
            if fault.status == 429:
                headers = {"Retry-After": str(fault.retry_after or 1)}
                return self._reply(request, 429, {"ok": False, "error": "ratelimited"}, headers)
            if fault.status >= 500:
                return self._reply(request, fault.status, {"ok": False, "error": "internal_error"})
            if fault.error:
                return self._reply(request, 200, {"ok": False, "error": fault.error})
        channel = str(params.get("channel") or params.get("channel_id") or "")
        if method in CHANNEL_METHODS and channel in self._channel_errors:
            return self._reply(request, 200, {"ok": False, "error": self._channel_errors[channel]})
        if path == "/openid/connect/keys":
            return self._reply(request, 200, {"keys": [self._jwk()]})
        if path == "/openid/connect/authorize":
            return self._authorize(request, params)
        if path.startswith("/upload/"):
            self.uploads[path.rsplit("/", 1)[1]] = body
            return self._reply_text(request, f"OK - {len(body)}")
        if not path.startswith("/api/"):
            return self._reply_text(request, "ok")
        if method == "openid.connect.token":
            data = self._openid_token(call)
        else:
            data = self._answer(method, params)
        if data.get("ok"):
            params["_ok"] = True
            if "ts" in data:
                params["_ts"] = data["ts"]
        if fault is not None and fault.after:
            if fault.delay:
                time.sleep(fault.delay)  # the caller has given up waiting by now
            if fault.reset_connection:
                return self._reset(request)
            if fault.status >= 500:
                return self._reply(request, fault.status, {"ok": False, "error": "internal_error"})
        self._reply(request, 200, data)

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        connected = self._connect_answer(method, p)
        if connected is not None:
            return connected
        ok: dict[str, Any] = {"ok": True}
        channel = str(p.get("channel", ""))
        if method == "auth.test":
            return ok | {
                "url": "https://fake.slack.com/", "team": "Fake", "user": "returbot",
                "team_id": "T000FAKE", "user_id": "UBOT", "bot_id": "BBOT",
                "is_enterprise_install": False,
            }  # fmt: skip
        if method == "apps.connections.open":
            if self._socket_url is None:
                return {"ok": False, "error": "not_allowed_token_type"}
            return ok | {"url": self._socket_url()}
        if method == "chat.postMessage":
            if channel.startswith(("U", "W")):
                channel = "D" + channel[1:]
            ts = self._next_ts()
            message = {"type": "message", "text": p.get("text"), "ts": ts, "bot_id": "BBOT"}
            if isinstance(p.get("metadata"), dict):
                message["metadata"] = p["metadata"]
            with self._lock:
                self._history[channel].append(message)
            return ok | {"channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            return ok | {"channel": channel, "ts": p.get("ts"), "text": p.get("text")}
        if method == "chat.postEphemeral":
            return ok | {"message_ts": self._next_ts()}
        if method == "conversations.history":
            return ok | self._history_page(channel, p)
        if method == "chat.delete":
            return ok | {"channel": channel, "ts": p.get("ts")}
        if method == "chat.getPermalink":
            ts = str(p.get("message_ts", "")).replace(".", "")
            return ok | {
                "channel": channel,
                "permalink": f"https://fake.slack.com/archives/{channel}/p{ts}",
            }
        if method == "conversations.open":
            users = str(p.get("users", "U0"))
            return ok | {"channel": {"id": "D" + users.split(",")[0][1:]}}
        if method == "conversations.members":
            members = self._members.get(channel, [])
            start = int(p.get("cursor") or 0)
            limit = int(p.get("limit") or 100)
            page = members[start : start + limit]
            cursor = str(start + limit) if start + limit < len(members) else ""
            return ok | {"members": page, "response_metadata": {"next_cursor": cursor}}
        if method in ("conversations.info", "conversations.join"):
            return ok | {"channel": {"id": channel, "name": "fake", "is_member": True}}
        if method == "users.list":
            people = sorted(getattr(self, "_users", {}).items())
            start = int(p.get("cursor") or 0)
            more = str(start + 2) if start + 2 < len(people) else ""
            members = [{"id": uid, "name": uid.lower(), "profile": {"real_name": name}}
                       for uid, name in people[start : start + 2]]  # fmt: skip
            return ok | {"members": members, "response_metadata": {"next_cursor": more}}
        if method == "users.info":
            user = str(p.get("user", ""))
            return ok | {
                "user": {"id": user, "name": user.lower(), "real_name": f"User {user}",
                         "tz": "Europe/Oslo", "locale": "nb-NO"}
            }  # fmt: skip
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = p.get("view") if isinstance(p.get("view"), dict) else {}
            return ok | {"view": {**view, "id": f"V{next(self._ids):06d}"}}
        if method == "reactions.add":
            return ok
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            return ok | {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = p.get("files") if isinstance(p.get("files"), list) else []
            shared = [{"id": f.get("id"), "title": f.get("title")} for f in files]
            if p.get("channel_id"):  # the file is shared in a message of its own
                message = {
                    "type": "message", "text": p.get("initial_comment") or "",
                    "ts": self._next_ts(), "bot_id": "BBOT", "files": shared,
                }  # fmt: skip
                with self._lock:
                    self._history[str(p["channel_id"])].append(message)
            return ok | {"files": shared}
        return {"ok": False, "error": "unknown_method"}

    # Slack Connect: users of other organisations' teams, channels shared with them, and the
    # DMs Slack will not deliver to such users
    def set_team(self, team: str, users: list[str]) -> None:
        """``users`` are of Slack team ``team`` (``users.info`` says so in ``team_id``)."""
        with self._lock:
            self._user_teams.update(dict.fromkeys(users, team))

    def share_channel(self, channel: str, *teams: str) -> None:
        """``channel`` is shared with ``teams`` (``conversations.info``: ``is_ext_shared``)."""
        with self._lock:
            self._shared_channels[channel] = list(teams)

    def refuse_dm(self, user: str, error: str = "cannot_dm_bot") -> None:
        """A DM to ``user`` (``chat.postMessage`` or ``conversations.open``) is refused with
        ``error``, as Slack refuses one to some users of other organisations."""
        with self._lock:
            self._dm_refusals[user] = error

    def _connect_answer(self, method: str, p: dict[str, Any]) -> dict[str, Any] | None:
        """The answer where a second team changes it; None where it does not."""
        refusals = self._dm_refusals
        if method == "chat.postMessage" and str(p.get("channel", "")) in refusals:
            return {"ok": False, "error": refusals[str(p["channel"])]}
        if method == "conversations.open":
            first = str(p.get("users", "")).split(",")[0]
            if first in refusals:
                return {"ok": False, "error": refusals[first]}
        teams = self._user_teams
        if method == "users.info" and str(p.get("user", "")) in teams:
            user = str(p["user"])
            return {"ok": True, "user": {
                "id": user, "name": user.lower(), "real_name": f"User {user}",
                "team_id": teams[user], "tz": "Europe/Oslo", "locale": "nb-NO",
                "is_stranger": True,
            }}  # fmt: skip
        shared = self._shared_channels
        if method == "conversations.info" and str(p.get("channel", "")) in shared:
            channel = str(p["channel"])
            return {"ok": True, "channel": {
                "id": channel, "name": "shared", "is_member": True, "is_shared": True,
                "is_ext_shared": True, "connected_team_ids": ["T000FAKE", *shared[channel]],
            }}  # fmt: skip
        return None

    # the OpenID provider
    def _key(self, name: str) -> rsa.RSAPrivateKey:
        with self._lock:
            if name not in self._oidc_keys:
                self._oidc_keys[name] = rsa.generate_private_key(
                    public_exponent=65537, key_size=2048
                )
            return self._oidc_keys[name]

    def _jwk(self) -> dict[str, Any]:
        jwk = dict(RSAAlgorithm.to_jwk(self._key("own").public_key(), as_dict=True))
        return jwk | {"kid": OIDC_KID, "alg": "RS256", "use": "sig"}

    def _authorize(self, request: BaseHTTPRequestHandler, params: dict[str, Any]) -> None:
        """The browser comes here from the app's /auth/login; the chosen user "consents"."""
        who = self._sign_in
        target = str(params.get("redirect_uri", ""))
        if who is None or not target.startswith(("http://", "https://")):
            return self._reply_status(request, 400, "no sign-in scripted or no redirect_uri")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._oidc_codes[code] = (who, dict(params))
        back = {
            "code": code,
            "state": who.state if who.state is not None else params.get("state", ""),
        }
        location = target + ("&" if "?" in target else "?") + urlencode(back)
        request.send_response(302)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _openid_token(self, call: Call) -> dict[str, Any]:
        """``openid.connect.token``: the code (once) for an ID token about its user."""
        p = call.params
        if self._oidc_client is not None:
            given = call.headers.get("Authorization", "")
            expected = base64.b64encode(":".join(self._oidc_client).encode()).decode()
            if given != f"Basic {expected}":
                return {"ok": False, "error": "invalid_client"}
        with self._lock:
            found = self._oidc_codes.pop(str(p.get("code", "")), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        who, asked = found
        if p.get("redirect_uri") != asked.get("redirect_uri"):
            return {"ok": False, "error": "bad_redirect_uri"}
        now = int(time.time())
        claims = {
            "iss": OIDC_ISSUER,
            "aud": who.audience if who.audience is not None else asked.get("client_id", ""),
            "sub": who.user,
            "https://slack.com/user_id": who.user,
            "https://slack.com/team_id": who.team,
            "name": who.name,
            "nonce": who.nonce if who.nonce is not None else asked.get("nonce", ""),
            "iat": now if who.expires_in > 0 else now + who.expires_in - 3600,
            "exp": now + who.expires_in,
            "auth_time": now,
        }
        key = None if who.algorithm == "none" else self._key(who.key)
        token = jwt.encode(claims, key, algorithm=who.algorithm, headers={"kid": OIDC_KID})
        with self._lock:
            self.id_tokens.append(token)
        return {
            "ok": True,
            "access_token": "xoxp-fake-openid-access-token",
            "token_type": "Bearer",
            "id_token": token,
        }

    def _reply_status(self, request: BaseHTTPRequestHandler, status: int, text: str) -> None:
        payload = text.encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _history_page(self, channel: str, p: dict[str, Any]) -> dict[str, Any]:
        """Newest first, after ``oldest``, ``limit`` a page; metadata only when asked for."""
        oldest = float(p.get("oldest") or 0)
        with self._lock:
            found = [m for m in reversed(self._history[channel]) if float(m["ts"]) > oldest]
        start = int(p.get("cursor") or 0)
        limit = int(p.get("limit") or 100)
        page = [dict(m) for m in found[start : start + limit]]
        if str(p.get("include_all_metadata")).lower() not in ("1", "true"):
            for message in page:
                message.pop("metadata", None)
        more = start + limit < len(found)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _reset(self, request: BaseHTTPRequestHandler) -> None:
        request.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        request.connection.close()
        request.close_connection = True

    def _reply(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        data: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = json.dumps(data).encode()
        with contextlib.suppress(OSError):  # the caller gave up waiting (a time-out fault)
            self._send(request, status, payload, headers)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        payload: bytes,
        headers: dict[str, str] | None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(payload)

    def _reply_text(self, request: BaseHTTPRequestHandler, text: str) -> None:
        payload = text.encode()
        request.send_response(200)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if "application/json" in content_type and body:
        try:
            params = dict(json.loads(body))
        except ValueError:
            params = {}
    elif "x-www-form-urlencoded" in content_type and body:
        params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params
