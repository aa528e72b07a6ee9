"""Fill a database with realistic decisions quickly (bulk SQL), for the benchmarks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from storage import common, search
from storage.db import Database
from storage.models import Decision, DecisionDepartment, DecisionTag

WORDS = (
    "retur uttransport dublin mottak asyl opphold vedtak klage utvisning identitet reisedokument "
    "politiet nemnda direktoratet rutine instruks praksis saksbehandling frist prioritering "
    "avklaring samarbeid informasjon kapasitet statistikk rapport kartlegging tiltak evaluering "
    "italia hellas afghanistan irak somalia eritrea syria etiopia nigeria marokko algerie "
    "tvangsretur assistert frivillig reiseforberedelse lengeværende barn familie enslige "
    "mindreårige helse tolk transport fengsel internat trandum ankomstsenter region øst vest "
    "nord sør budsjett mandat styringsgruppe nettverk kvartal seminar høring regelverk endring"
).split()
DEPARTMENTS = ("AUA", "RMA", "OPA", "ASA", "PU", "UNE", "POD", "NID")
TAGS = ("retur", "dublin", "mottak", "identitet", "statistikk", "barn", "helse", "budsjett")


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def seed_decisions(db: Database, count: int, *, seed: int = 7, chunk: int = 5000) -> None:
    """Insert ``count`` decisions with departments, tags and the search index."""
    rng = random.Random(seed)
    start = date(2020, 1, 1)
    created = datetime(2020, 1, 1, tzinfo=UTC)
    with db.session() as session:
        for first in range(1, count + 1, chunk):
            numbers = range(first, min(first + chunk, count + 1))
            session.execute(
                insert(Decision),
                [
                    {
                        "id": n,
                        "number": n,
                        "title": sentence(rng, rng.randint(4, 9)),
                        "details": sentence(rng, rng.randint(15, 60)),
                        "decided_by": rng.choice(("AUAs ledermøte", "linjen", "styringsgruppen")),
                        "basis": "",
                        "decided_on": start + timedelta(days=n * 2200 // count),
                        "author": f"U{rng.randint(1, 400):05d}",
                        "status": "active",
                        "created_at": created + timedelta(minutes=n),
                    }
                    for n in numbers
                ],
            )
            session.execute(
                insert(DecisionDepartment),
                [
                    {"decision_id": n, "department": code}
                    for n in numbers
                    for code in rng.sample(DEPARTMENTS, rng.randint(1, 3))
                ],
            )
            session.execute(
                insert(DecisionTag),
                [
                    {"decision_id": n, "tag": tag}
                    for n in numbers
                    for tag in rng.sample(TAGS, rng.randint(0, 2))
                ],
            )
        common.set_numbering(session, "D", count)
        index_all(session, count, chunk)
    if db.dialect == "postgresql":
        with db.session() as session:
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('decisions', 'id'), :n)"), {"n": count}
            )
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def index_all(session: Session, count: int, chunk: int) -> None:
    """The search index of decisions 1..count, built as the use cases build it."""
    for first in range(1, count + 1, chunk):
        found = session.scalars(
            select(Decision)
            .where(Decision.id.between(first, first + chunk - 1))
            .order_by(Decision.id)
        )
        search.index(session, [search.of_decision(d) for d in found])
        session.expunge_all()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
