"""Dead letters for people: list, show and replay them (`ioc deadletter ...`).

Replay sends a dead letter's original bytes back to the ingest topic it came from, so that after a feed
declaration is fixed the record goes through validation again: it becomes an observation, or a new dead
letter with the reason. The replayed row is marked, so a replay is not repeated by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from kafka import KafkaProducer
from psycopg.rows import class_row

from ioc import topics

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SEND_TIMEOUT = 30.0  # seconds for the broker to take a replayed letter


class ReplayError(RuntimeError):
    """Some letters could not be sent; their claims were given back, so a later replay sends them."""


COLUMNS = "dl_id, received_at, topic, feed, source, field, rule, reason, raw, replayed_at"


@dataclass(frozen=True)
class DeadLetter:
    dl_id: str
    received_at: datetime
    topic: str
    feed: str | None
    source: str | None
    field: str
    rule: str
    reason: str
    raw: bytes
    replayed_at: datetime | None

    def line(self) -> str:
        """One line for a terminal: time in Vietnam, id, feed, source, reason, replay mark."""
        when = self.received_at.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S")
        mark = f"\treplayed {self.replayed_at.astimezone(VIETNAM):%Y-%m-%d %H:%M}" if self.replayed_at else ""
        return f"{when}\t{self.dl_id}\t{self.feed or '-'}\t{self.source or '-'}\t{self.reason}{mark}"

    def raw_text(self) -> str:
        try:
            return self.raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"(not UTF-8, {len(self.raw)} bytes) {self.raw.hex()}"


def _select(where: str) -> str:
    return f"SELECT {COLUMNS} FROM dead_letter WHERE {where} ORDER BY received_at DESC, dl_id LIMIT %(limit)s"


def find(
    dsn: str,
    feed: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    not_replayed: bool = False,
    feeds: Sequence[str] | None = None,
) -> list[DeadLetter]:
    """The newest dead letters, optionally of one feed or source, since a time, not yet replayed, of the
    ``feeds`` a caller may see (None: any)."""
    where = ["(%(feed)s::text IS NULL OR feed = %(feed)s)", "(%(source)s::text IS NULL OR source = %(source)s)",
             "(%(since)s::timestamptz IS NULL OR received_at >= %(since)s)",
             "(%(feeds)s::text[] IS NULL OR feed = ANY(%(feeds)s))"]  # fmt: skip
    if not_replayed:
        where.append("replayed_at IS NULL")
    params = {"feed": feed, "source": source, "since": since, "limit": limit,
              "feeds": None if feeds is None else list(feeds)}  # fmt: skip
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=class_row(DeadLetter)) as cur:
        return cur.execute(_select(" AND ".join(where)), params).fetchall()


def get(dsn: str, dl_id: str) -> DeadLetter | None:
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=class_row(DeadLetter)) as cur:
        return cur.execute(_select("dl_id = %(dl_id)s"), {"dl_id": dl_id, "limit": 1}).fetchone()


def replayable(letter: DeadLetter) -> bool:
    """Only what reached an ingest topic can be validated again; what an adapter could not turn into a record
    (an NGSI-LD entity of another model, say) must be fixed and sent again by its sender."""
    return letter.topic.startswith(topics.INGEST_PREFIX)


def replay(dsn: str, bootstrap: list[str], letters: list[DeadLetter]) -> int:
    """Send each letter not yet replayed to its ingest topic (acks=all); how many were sent. Letters are claimed
    (marked replayed) before they are sent, so two replays at once cannot both send one; the claim of a letter
    whose send failed is given back, and the first failure is raised."""
    with psycopg.connect(dsn) as conn:
        claimed = {row[0] for row in conn.execute(
            "UPDATE dead_letter SET replayed_at = now() WHERE dl_id = ANY(%s) AND replayed_at IS NULL RETURNING dl_id",
            ([letter.dl_id for letter in letters],),
        )}  # fmt: skip
    mine = [letter for letter in letters if letter.dl_id in claimed]
    if not mine:
        return 0
    confirmed: set[str] = set()
    error: Exception | None = None
    try:
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=10)
        try:
            key = lambda letter: (letter.source or letter.feed or "").encode()  # noqa: E731
            sent = [(letter, producer.send(letter.topic, key=key(letter), value=letter.raw)) for letter in mine]
            for letter, future in sent:
                try:
                    future.get(timeout=SEND_TIMEOUT)
                    confirmed.add(letter.dl_id)
                except Exception as exc:  # noqa: BLE001 - this letter's claim is given back below
                    error = error or exc
        finally:
            producer.close()
    except Exception as exc:  # noqa: BLE001 - no broker: every claim is given back below
        error = error or exc
    failed = [letter.dl_id for letter in mine if letter.dl_id not in confirmed]
    if failed:
        with psycopg.connect(dsn) as conn:
            conn.execute("UPDATE dead_letter SET replayed_at = NULL WHERE dl_id = ANY(%s)", (failed,))
        raise ReplayError(f"{len(failed)} of {len(mine)} dead letters not sent ({error}); they can be replayed again")
    return len(mine)
