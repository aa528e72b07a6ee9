"""A bare Bolt app (a no-op slash command and a no-op Home event): the baseline the benchmarks
measure against; run as a process of its own, behind returbot's waitress setup, for the load
benchmark.

    python bench/bare_bolt.py PORT SLACK_API_URL
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from handlers.app import make_client
from returbot.web_server import make_server, serve_until_closed
from tests.support import slackreq


def bare_bolt(api_url: str) -> App:
    app = App(
        client=make_client("xoxb-bench", api_url),
        signing_secret=slackreq.SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/noop")
    def noop(ack: Ack) -> None:
        ack(text="ok")

    @app.event("app_home_opened")
    def opened() -> None:
        return None

    return app


def main() -> None:
    port, api_url = int(sys.argv[1]), sys.argv[2]
    server = make_server(SlackRequestHandler(bare_bolt(api_url)), host="127.0.0.1", port=port)  # type: ignore[arg-type]
    serve_until_closed(server)


if __name__ == "__main__":
    main()
