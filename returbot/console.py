"""``returbot console``: slash commands typed offline, answers and messages printed as text.

It drives the same Bolt listeners as Slack does, with a Web API client that prints what
it would send instead of sending it, against the same database.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, TextIO
from urllib.parse import parse_qs, urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest

CONSOLE_USER = "UCONSOLE"
CONSOLE_CHANNEL = "CCONSOLE"


def _plain(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict[str, Any]]) -> str:
    """Block Kit as readable plain text."""
    return _plain(_render(blocks))


def _render(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            for item in block.get("fields", []):
                lines.append("  " + item["text"].replace("\n", ": ", 1))
            if "accessory" in block and block["accessory"].get("type") == "button":
                lines.append(f"  [{block['accessory']['text']['text']}]")
        elif kind == "context":
            lines.append("  " + " ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "actions":
            labels = [e.get("text", {}).get("text", "") for e in block.get("elements", [])]
            lines.append("  " + " ".join(f"[{label}]" for label in labels))
        elif kind == "divider":
            lines.append("  ────────")
        elif kind == "input":
            lines.append(f"  {block['label']['text']}: ____")
    return "\n".join(lines)


class ConsoleSlack:
    """A stand-in for Slack's Web API on 127.0.0.1 (port 0) that prints what it is sent.

    Bolt makes its own WebClient per request from the base URL, so the console is a real
    local endpoint rather than a client subclass: ``WebClient(base_url=console_slack.url)``.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.members: dict[str, list[str]] = {}  # channel -> who is in it
        self._ts = count(1)
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, bytes]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path.startswith("/upload/"):
                    owner.receive_file(self.path.rsplit("/", 1)[1], body)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = body.decode("utf-8", "replace")
                method = self.path.split("?", 1)[0].removeprefix("/api/")
                data = owner.answer(method, _decode(self.headers.get("Content-Type", ""), raw))
                payload = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.base}/api/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """Print one Web API call and answer it as Slack would."""
        data: dict[str, Any] = {"ok": True}
        with self._lock:
            if method == "auth.test":
                data.update(user_id="UBOT", bot_id="BBOT", team_id="TCONSOLE", team="console")
            elif method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                ts = f"{int(datetime.now(UTC).timestamp())}.{next(self._ts):06d}"
                data.update(channel=args.get("channel"), ts=args.get("ts") or ts)
                self._print_message(method, args)
            elif method == "chat.getPermalink":
                data["permalink"] = (
                    f"https://console.invalid/{args.get('channel')}/{args.get('message_ts')}"
                )
            elif method in ("views.open", "views.push", "views.update", "views.publish"):
                self._print_view(args.get("view"))
                data["view"] = {"id": "VCONSOLE"}
            elif method == "conversations.members":
                data.update(
                    members=self.members.get(str(args.get("channel")), []),
                    response_metadata={"next_cursor": ""},
                )
            elif method == "conversations.open":
                data["channel"] = {"id": "D" + str(args.get("users", "X"))[1:]}
            elif method == "files.getUploadURLExternal":
                file_id = f"F{next(self._ts):06d}"
                self._files[file_id] = (str(args.get("filename", "file")), b"")
                data.update(upload_url=f"{self.base}/upload/{file_id}", file_id=file_id)
            elif method == "files.completeUploadExternal":
                data["files"] = self._print_files(args)
            else:
                self.out.write(f"[slack] {method}\n")
            self.out.flush()
        return data

    def _print_message(self, method: str, args: dict[str, Any]) -> None:
        blocks = args.get("blocks")
        where = args.get("channel", "?")
        verb = {"chat.update": "updated in", "chat.postEphemeral": "only you, in"}.get(method, "to")
        body = (
            render_blocks(blocks)
            if isinstance(blocks, list) and blocks
            else str(args.get("text", ""))
        )
        self.out.write(f"\n── message {verb} {where} ──\n{body}\n")

    def receive_file(self, file_id: str, content: bytes) -> None:
        with self._lock:
            name = self._files.get(file_id, ("file", b""))[0]
            self._files[file_id] = (name, content)

    def _print_files(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        out = []
        for item in files if isinstance(files, list) else []:
            name, content = self._files.get(str(item.get("id")), ("file", b""))
            where = args.get("channel_id", "?")
            self.out.write(f"\n── file {name} ({len(content)} bytes) to {where} ──\n")
            if args.get("initial_comment"):
                self.out.write(_plain(str(args["initial_comment"])) + "\n")
            if len(content) <= 4000:
                self.out.write(content.decode("utf-8", "replace").replace("\r\n", "\n"))
            out.append({"id": item.get("id"), "title": item.get("title")})
        return out

    def _print_view(self, view: Any) -> None:
        if (view or {}).get("type") == "home":
            self.out.write("\n── Home tab ──\n")
            self.out.write(render_blocks((view or {}).get("blocks", [])) + "\n")
            return
        title = (view or {}).get("title", {}).get("text", "")
        self.out.write(f"\n── Slack would open the form «{title}» here ──\n")
        self.out.write(render_blocks((view or {}).get("blocks", [])) + "\n")
        self.out.write("(The console has no forms: type the command with its text instead.)\n")


def _decode(content_type: str, raw: str) -> dict[str, Any]:
    if "json" in content_type:
        try:
            args = dict(json.loads(raw or "{}"))
        except ValueError:
            args = {}
    else:
        args = {k: v[0] for k, v in parse_qs(raw).items()}
    for key in ("blocks", "view"):
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                args[key] = None
    return args


class Console:
    """Runs typed slash commands through a Bolt app and prints what comes back."""

    def __init__(
        self,
        app: App,
        out: TextIO,
        *,
        user: str = CONSOLE_USER,
        channel: str = CONSOLE_CHANNEL,
        after: Callable[[], object] | None = None,
    ) -> None:
        self.app, self.out, self.user, self.channel, self.after = app, out, user, channel, after
        self._trigger = count(1)

    def run(self, line: str) -> None:
        """Run one line such as ``/decision list dept:RMA`` and print the answer."""
        line = line.strip()
        if not line:
            return
        if line.lower() in ("home", "hjem"):
            self._open_home()
            return
        if not line.startswith("/"):
            self.out.write(
                "Type a slash command, for example /returbot help, or home for the Home tab "
                "(exit to leave).\n"
            )
            return
        command, _, text = line.partition(" ")
        body = urlencode(
            {
                "command": command,
                "text": _slack_escape(text),
                "user_id": self.user,
                "user_name": "console",
                "channel_id": self.channel,
                "channel_name": "console",
                "team_id": "TCONSOLE",
                "trigger_id": f"console.{next(self._trigger)}",
                "response_url": "http://console.invalid/response",
            }
        )
        response = self.app.dispatch(
            BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]})
        )
        self._print_answer(response.body)
        if self.after:
            self.after()

    def _open_home(self) -> None:
        """What Slack sends when the user opens the app's Home tab."""
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "TCONSOLE",
                "api_app_id": "ACONSOLE",
                "event_id": f"Ev{next(self._trigger):06d}",
                "event": {"type": "app_home_opened", "user": self.user, "tab": "home"},
            }
        )
        self.app.dispatch(BoltRequest(body=body, headers={"content-type": ["application/json"]}))
        if self.after:
            self.after()

    def _print_answer(self, body: str) -> None:
        if not body:
            return
        try:
            answer = json.loads(body)
        except ValueError:
            self.out.write(body + "\n")
            return
        visibility = "to the channel" if answer.get("response_type") == "in_channel" else "only you"
        text = (
            render_blocks(answer["blocks"])
            if answer.get("blocks")
            else _plain(answer.get("text", ""))
        )
        if text:
            self.out.write(f"\n── answer ({visibility}) ──\n{text}\n")

    def loop(self, stdin: TextIO) -> None:
        """Read commands until end of input or ``exit``."""
        interactive = stdin.isatty()
        while True:
            if interactive:
                self.out.write("returbot> ")
                self.out.flush()
            line = stdin.readline()
            if not line or line.strip() in ("exit", "quit"):
                return
            self.run(line)


_MARKUP = re.compile(r"(<[@#!][^<>]*>)")


def _slack_escape(text: str) -> str:
    """Escape typed text as Slack does, keeping mentions typed as ``<@U123>``."""
    parts = _MARKUP.split(text)
    return "".join(
        p if i % 2 else p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, p in enumerate(parts)
    )
