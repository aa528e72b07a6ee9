"""A bare Bolt app: the baselines the benchmarks measure against; run as a process of its own,
behind returbot's waitress setup, for the load benchmark.

- ``/noop`` acks at once (and ``app_home_opened`` does nothing): the *no-op floor*.
- ``/durable`` inserts one row through SQLAlchemy and commits it before it acks, as any app
  must before it can name the record it made: the *durable floor* (issue 19). On SQLite the
  database is set up as returbot's (WAL, synchronous=NORMAL, ``storage.db.Database``).

    python bench/bare_bolt.py PORT SLACK_API_URL [DATABASE_URL]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.settings import normalise_database_url
from handlers.app import make_client
from returbot.web_server import make_server, serve_until_closed
from storage.db import Database
from tests.support import slackreq


class _Base(DeclarativeBase):
    pass


class Row(_Base):
    """The one row the durable floor writes per command."""

    __tablename__ = "bench_durable"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)


def prepare(db: Database) -> None:
    """The durable floor's table, made before processes share it (two making it at once race)."""
    _Base.metadata.create_all(db.engine)


def bare_bolt(api_url: str, db: Database | None = None) -> App:
    if db is not None:
        prepare(db)
    app = App(
        client=make_client("xoxb-bench", api_url),
        signing_secret=slackreq.SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/noop")
    def noop(ack: Ack) -> None:
        ack(text="ok")

    @app.command("/durable")
    def durable(ack: Ack, command: dict[str, Any]) -> None:
        if db is None:
            raise RuntimeError("the durable floor needs a database")
        with db.session() as session:
            row = Row(user_id=command["user_id"], text=command.get("text", ""))
            session.add(row)
            session.flush()
            made = row.id
            session.commit()
        ack(text=f"ok {made}")

    @app.event("app_home_opened")
    def opened() -> None:
        return None

    return app


def main() -> None:
    port, api_url = int(sys.argv[1]), sys.argv[2]
    db = Database(normalise_database_url(sys.argv[3])) if len(sys.argv) > 3 else None
    handler = SlackRequestHandler(bare_bolt(api_url, db))
    server = make_server(handler, host="127.0.0.1", port=port)  # type: ignore[arg-type]
    serve_until_closed(server)


if __name__ == "__main__":
    main()
