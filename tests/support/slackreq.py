"""Slack requests as Slack sends them, signed with the real v0 algorithm."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers of a request Slack signed: X-Slack-Request-Timestamp and X-Slack-Signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": FORM,
    }


def slash_body(
    command: str,
    text: str = "",
    *,
    user_id: str = "U111",
    user_name: str = "kari",
    channel_id: str = "C111",
    team_id: str = "T000FAKE",
    trigger_id: str = "trig.1",
    response_url: str | None = None,
) -> str:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A000FAKE",
            "is_enterprise_install": "false",
            "response_url": response_url or "https://hooks.slack.com/commands/T000FAKE/1/x",
            "trigger_id": trigger_id,
        }
    )


def _payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def action_body(
    action_id: str,
    value: str,
    *,
    user_id: str = "U111",
    channel_id: str = "C111",
    message_ts: str = "1700000000.000100",
    block_id: str = "b",
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
    team_id: str = "T000FAKE",
) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": _user(user_id, team_id),
        "api_app_id": "A000FAKE",
        "token": "deprecated-verification-token",
        "trigger_id": "trig.action",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "text": {"type": "plain_text", "text": "button"},
                "action_ts": "1700000001.000000",
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = view
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "general"}
        payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": []}
        payload["response_url"] = response_url or "https://hooks.slack.com/actions/T/1/x"
    return _payload(payload)


def view_submission_body(
    callback_id: str,
    values: dict[str, Any],
    *,
    user_id: str = "U111",
    private_metadata: str = "",
    team_id: str = "T000FAKE",
    blocks: list[dict[str, Any]] | None = None,
) -> str:
    return _payload(
        {
            "type": "view_submission",
            "team": {"id": team_id, "domain": "fake"},
            "user": _user(user_id, team_id),
            "api_app_id": "A000FAKE",
            "token": "deprecated-verification-token",
            "trigger_id": "trig.view",
            "view": {
                "id": "V000001",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "h",
                "title": {"type": "plain_text", "text": "x"},
                "blocks": blocks or [],
            },
            "response_urls": [],
        }
    )


def shortcut_body(
    callback_id: str,
    *,
    message_text: str,
    user_id: str = "U111",
    channel_id: str = "C111",
    message_ts: str = "1700000000.000200",
    team_id: str = "T000FAKE",
) -> str:
    return _payload(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": team_id, "domain": "fake"},
            "user": _user(user_id, team_id),
            "channel": {"id": channel_id, "name": "general"},
            "message": {
                "type": "message",
                "user": "UAUTHOR",
                "ts": message_ts,
                "text": message_text,
            },
            "message_ts": message_ts,
            "trigger_id": "trig.shortcut",
            "response_url": "https://hooks.slack.com/app/T/1/x",
            "token": "deprecated-verification-token",
            "action_ts": "1700000001.000000",
        }
    )


def event_body(event: dict[str, Any], *, team_id: str = "T000FAKE") -> str:
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "A000FAKE",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev000001",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
        }
    )


def post(
    url: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    content_type: str | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` (signed unless ``headers`` are given); HTTP errors are returned, not raised."""
    sent = dict(headers) if headers is not None else sign(body)
    if content_type:
        sent["Content-Type"] = content_type
    elif body.startswith("{"):
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body.encode(), headers=sent, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_raw(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10
) -> tuple[int, bytes]:
    """POST ``body`` as given, with exactly ``headers`` (plus Host and Content-Length); HTTP
    errors are returned, not raised."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
