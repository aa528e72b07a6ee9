"""The outbox's Slack transport: one message through Slack's Web API, and what came of it.

A time-out, a dropped connection or a 5xx leaves it open whether Slack posted the message. Every
message therefore carries its outbox ID in Slack message metadata, and the attempt after such a
failure first looks for it in the channel's recent history: found, it is reported as sent rather
than posted twice. A file's ID is noted before the file is shared, for the same reason.
"""

from __future__ import annotations

import http.client
import logging
import re
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.outbox import POST, UPDATE, UPLOAD, Outcome, Outgoing
from bot.outbox.transport import Fault

log = logging.getLogger("returbot.outbox")

METADATA_TYPE = "returbot_outbox"
# how far before an unanswered attempt to look for its message (the client's time-out, clock skew)
LOOKBACK = timedelta(minutes=5)
HISTORY_PAGES = 5
# Slack says these are its own trouble: try again later, like a 5xx.
TRANSIENT_ERRORS = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
# A bad or revoked token refuses every message alike; retrying gives an operator time to fix it
# instead of failing the whole queue at once.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})
FAULTS: dict[str, Fault] = {
    **dict.fromkeys(("channel_not_found", "not_in_channel"), "channel"),
    **dict.fromkeys(("is_archived", "channel_is_archived"), "archived"),
    **dict.fromkeys(("user_not_found", "account_inactive", "user_disabled"), "user"),
}
# Slack will not deliver a DM to this person, who is there all the same: what it answers for
# some users of other organisations in a Slack Connect channel (SPEC §8)
DM_REFUSED = frozenset(
    {"cannot_dm_bot", "not_allowed", "user_not_visible", "restricted_action",
     "messages_tab_disabled", "team_access_not_granted"}
)  # fmt: skip


# Slack's error codes are short snake_case words; anything else is not shown as one
_CODE = re.compile(r"[a-z0-9_]{1,64}")


def retry_after(headers: Mapping[str, Any]) -> float:
    """Seconds a 429 asks to wait (``Retry-After``, any case; at least 1, 1 when unreadable)."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(1.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def classify(response: SlackResponse) -> Outcome:
    """How to treat a Slack answer that is not ``ok``: rate limited, transient or refused."""
    status = int(response.status_code)
    data = response.data if isinstance(response.data, dict) else {}
    raw = str(data.get("error") or "")
    code = raw if _CODE.fullmatch(raw) else ""
    if status == 429 or code in RATE_LIMITED:
        return Outcome("rate_limited", code or "ratelimited", retry_after(response.headers))
    if status >= 500 or status == 408:
        error = f"http_{status}" + (f": {code}" if code else "")
        return Outcome("transient", error, unsure=True)
    if code in TRANSIENT_ERRORS or code in AUTH_ERRORS:
        return Outcome("transient", code)
    error = code or (f"http_{status}" if status != 200 else "unknown_error")
    return Outcome("refused", error, fault=FAULTS.get(code, ""))


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError):
        return "timeout"
    return f"connection_error: {type(reason or error).__name__}"


def _has_marker(message: Mapping[str, Any], marker: Mapping[str, Any]) -> bool:
    metadata = message.get("metadata") or {}
    return bool(
        metadata.get("event_type") == METADATA_TYPE and metadata.get("event_payload") == marker
    )


def _has_file(message: Mapping[str, Any], file_ids: Collection[str]) -> bool:
    return any(f.get("id") in file_ids for f in message.get("files") or [] if isinstance(f, dict))


class SlackTransport:
    """Sends outbox messages with ``client``'s token, address and time-out."""

    medium = "slack"

    def __init__(self, client: WebClient) -> None:
        # without the SDK's quick retry of a dropped connection: that retry would post again a
        # message Slack may have posted; the outbox looks before it retries
        self.slack = WebClient(
            token=client.token, base_url=client.base_url, timeout=client.timeout,
            ssl=client.ssl, proxy=client.proxy, headers=client.headers, logger=client.logger,
            retry_handlers=[],
        )  # fmt: skip

    def send(self, message: Outgoing, note_file: Callable[[str], None]) -> Outcome:
        try:
            if message.method == UPLOAD:
                return self._upload(message, note_file)
            response = self._call(message)
            if isinstance(response, Outcome):
                return response
        except SlackApiError as error:
            return self._refused_dm(message, classify(error.response))
        except (OSError, http.client.HTTPException) as error:
            return Outcome("transient", _describe(error), unsure=True)
        except Exception as error:
            # an unexpected fault is retried and, if it persists, reported: never a silent loss
            log.warning("outbox #%d: unexpected %s while sending", message.id, type(error).__name__)
            return Outcome("transient", f"unexpected: {type(error).__name__}", unsure=True)
        log.debug("outbox #%d (%s) sent to %s", message.id, message.kind, message.target)
        channel = response.get("channel") or message.target
        return Outcome("sent", ts=response.get("ts"), channel=channel)

    def _refused_dm(self, message: Outgoing, outcome: Outcome) -> Outcome:
        """A DM Slack will not deliver to its person, with the person's team as Slack says it
        (``users.info``), so that the outbox can take it to their department's channel."""
        if not message.to_user or outcome.result != "refused" or outcome.error not in DM_REFUSED:
            return outcome
        try:
            found = self.slack.users_info(user=message.target).get("user") or {}
            team = str(found.get("team_id") or "") or None
        except (SlackApiError, OSError, http.client.HTTPException) as error:
            log.info("outbox #%d: no team for a refused DM (%s)", message.id, type(error).__name__)
            team = None
        return replace(outcome, fault="dm_refused", team=team)

    def _call(self, message: Outgoing) -> SlackResponse | Outcome:
        text, blocks = message.text, message.blocks
        if message.method == POST:
            if message.unsure_since is not None:
                marker = message.marker
                found = self._find_posted(message, lambda m: _has_marker(m, marker))
                if found is not None:
                    return found
            return self.slack.chat_postMessage(
                channel=message.target, text=text, blocks=blocks, unfurl_links=False,
                metadata={"event_type": METADATA_TYPE, "event_payload": dict(message.marker)},
            )  # fmt: skip
        if message.method == UPDATE:
            return self.slack.chat_update(
                channel=message.target, ts=str(message.ts), text=text, blocks=blocks
            )
        args: dict[str, Any] = {"channel": message.target, "text": text}
        args.update({k: v for k, v in (("blocks", blocks), ("ts", message.ts)) if v})
        response = self.slack.api_call(message.method, json=args)
        if response.status_code != 200 or not response.get("ok"):
            return self._refused_dm(message, classify(response))
        return response

    def _find_posted(
        self,
        message: Outgoing,
        matches: Callable[[dict[str, Any]], bool],
        channel: str | None = None,
    ) -> Outcome | None:
        """The message of an unanswered attempt if Slack posted it after all; None if it did
        not (post it now); a retry outcome if Slack cannot be asked right now. ``channel``:
        where the message goes, if the caller has opened it already."""
        assert message.unsure_since is not None
        try:
            channel = channel or self._channel(message)
            oldest = f"{(message.unsure_since - LOOKBACK).timestamp():.6f}"
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                page = self.slack.conversations_history(
                    channel=channel, oldest=oldest, limit=200, include_all_metadata=True,
                    cursor=cursor,
                )  # fmt: skip
                for found in page.get("messages") or []:
                    if matches(found):
                        log.info(
                            "outbox #%d had reached Slack after all: not sent again", message.id
                        )
                        return Outcome("sent", ts=found.get("ts"), channel=channel)
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
            return None
        except SlackApiError as error:
            outcome = classify(error.response)
            if outcome.result == "refused":
                # e.g. missing_scope (channels:history, groups:history, im:history): a duplicate
                # cannot be ruled out, but a message is never held back for it
                log.warning(
                    "outbox #%d: could not look for an unanswered attempt (%s); sending again",
                    message.id,
                    outcome.error,
                )
                return None
            return replace(outcome, unsure=True)
        except (OSError, http.client.HTTPException) as error:
            return Outcome("transient", _describe(error), unsure=True)

    def _channel(self, message: Outgoing) -> str:
        """Where the message goes: the channel, or the bot's DM with the person."""
        if not message.to_user:
            return message.target
        return str(self.slack.conversations_open(users=message.target)["channel"]["id"])

    def _upload(self, message: Outgoing, note_file: Callable[[str], None]) -> Outcome:
        """Slack's three steps of a file upload. The file's ID is noted before the file is
        shared, so after an unanswered attempt the next one looks for that file in the channel
        before it uploads again."""
        assert message.file is not None
        channel = self._channel(message)
        if message.unsure_since is not None and message.file_ids:
            earlier = set(message.file_ids)
            found = self._find_posted(message, lambda m: _has_file(m, earlier), channel)
            if found is not None:
                return found
        file = message.file
        url = self.slack.files_getUploadURLExternal(
            filename=file.filename, length=len(file.content)
        )
        file_id = str(url["file_id"])
        upload_url = str(url["upload_url"])
        if not upload_url.startswith(("https://", "http://")):
            return Outcome("refused", "invalid_upload_url")
        note_file(file_id)
        request = urllib.request.Request(  # noqa: S310 - an http(s) URL Slack gave for this file
            upload_url,
            data=file.content,
            method="POST",
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=self.slack.timeout, context=self.slack.ssl
        ) as answer:
            answer.read()
        self.slack.files_completeUploadExternal(
            files=[{"id": file_id, "title": file.title}],
            channel_id=channel,
            initial_comment=message.text or None,
        )
        return Outcome("sent", channel=channel)
