"""``returbot console``: slash commands typed offline, answers and messages printed as text.

It drives the same Bolt listeners as Slack does, with a Web API client that prints what
it would send instead of sending it, against the same database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

CONSOLE_USER = "UCONSOLE"
CONSOLE_CHANNEL = "CCONSOLE"


def render_blocks(blocks: list[dict[str, Any]]) -> str:
    """Block Kit as readable plain text."""
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


class ConsoleClient(WebClient):
    """A WebClient that prints each call it is asked to make and answers like Slack would."""

    def __init__(self, out: TextIO, token: str = "xoxb-console") -> None:  # noqa: S107
        super().__init__(token=token, base_url="http://console.invalid/api/")
        self.out = out
        self._ts = count(1)

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        args: dict[str, Any] = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {})}
        args.update(kwargs.get("json") or {})
        data: dict[str, Any] = {"ok": True}
        if api_method == "auth.test":
            data.update(user_id="UBOT", bot_id="BBOT", team_id="TCONSOLE", team="console")
        elif api_method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            ts = f"{int(datetime.now(UTC).timestamp())}.{next(self._ts):06d}"
            data.update(channel=args.get("channel"), ts=args.get("ts") or ts)
            self._print_message(api_method, args)
        elif api_method == "chat.getPermalink":
            data["permalink"] = (
                f"https://console.invalid/{args.get('channel')}/{args.get('message_ts')}"
            )
        elif api_method in ("views.open", "views.push", "views.update", "views.publish"):
            self._print_view(args.get("view"))
            data["view"] = {"id": "VCONSOLE"}
        elif api_method == "conversations.open":
            data["channel"] = {"id": "D" + str(args.get("users", "X"))[1:]}
        else:
            self.out.write(f"[slack] {api_method}\n")
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=api_method,
            req_args={},
            data=data,
            headers={},
            status_code=200,
        )

    def _print_message(self, method: str, args: dict[str, Any]) -> None:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        where = args.get("channel", "?")
        verb = {"chat.update": "updated in", "chat.postEphemeral": "only you, in"}.get(method, "to")
        body = render_blocks(blocks) if blocks else str(args.get("text", ""))
        self.out.write(f"\n── message {verb} {where} ──\n{body}\n")

    def _print_view(self, view: Any) -> None:
        if isinstance(view, str):
            view = json.loads(view)
        title = (view or {}).get("title", {}).get("text", "")
        self.out.write(f"\n── Slack would open the form «{title}» here ──\n")
        self.out.write(render_blocks((view or {}).get("blocks", [])) + "\n")
        self.out.write("(The console has no forms: type the command with its text instead.)\n")


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
        if not line.startswith("/"):
            self.out.write("Type a slash command, for example /returbot help (or exit).\n")
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

    def _print_answer(self, body: str) -> None:
        if not body:
            return
        try:
            answer = json.loads(body)
        except ValueError:
            self.out.write(body + "\n")
            return
        visibility = "to the channel" if answer.get("response_type") == "in_channel" else "only you"
        text = render_blocks(answer["blocks"]) if answer.get("blocks") else answer.get("text", "")
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
