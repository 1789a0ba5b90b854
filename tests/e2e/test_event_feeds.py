"""Event feeds on the running pipeline: a day of simulated dossiers, payments and feedback reach the event
table whole (payments' amounts also as observations); a broken dossier record is a dead letter naming
its attribute; nothing is lost or stored twice."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest

from ioc.sources import Source
from simulators import dossier, feedback
from simulators.air_quality import LOCAL
from simulators.lifecycles import OfficeClock, Player
from simulators.scenario import NORMAL
from tests.e2e.conftest import Pipeline
from tests.infra import query, wait_for

pytestmark = pytest.mark.e2e
DAY = datetime(2026, 11, 10, tzinfo=LOCAL)  # a Tuesday, with its dossiers' lives already over


def renamed(agencies: tuple[Source, ...], tag: str) -> tuple[Source, ...]:
    """The agencies under ids of this test run, so its rows are its own."""
    return tuple(Source(f"{a.id}-{tag}", a.feeds, a.name, a.unit_code, a.lat, a.lon, a.extras) for a in agencies)


def count(p: Pipeline, sql: str, like: str) -> int:
    return int(query(p.settings, sql, (like,))[0][0])


def test_a_day_of_dossiers_payments_and_feedback_is_stored_whole(pipeline: Pipeline) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    agencies = renamed(dossier.AGENCIES[:4], tag)
    clock = OfficeClock()
    lives = [
        Player(dossier.lives(7, NORMAL, clock, agencies), dossier.LIFETIME_DAYS, DAY),
        Player(feedback.lives(7, clock, renamed(feedback.AGENCIES, tag), f"PA-{tag}"), feedback.LIFETIME_DAYS, DAY),
    ]
    records = [r for player in lives for r in player.between(DAY, DAY + timedelta(days=1))]
    records = [r for r in records if r.source.endswith(tag)]
    assert {r.feed for r in records} == {"dossier", "payment", "feedback"}
    assert len({r.id for r in records}) == len(records)
    for record in records:
        pipeline.send(record.source, record.to_bytes(), topic=f"ioc.ingest.{record.feed}")
        if record.feed == "dossier":
            pipeline.send(record.source, record.to_bytes(), topic="ioc.ingest.dossier")  # a producer's duplicate
    broken = {"source": agencies[0].id, "ts": DAY.isoformat(), "id": f"BROKEN-{tag}",
              "attributes": {**records[0].attributes, "status": 11}}  # fmt: skip
    pipeline.send(agencies[0].id, json.dumps(broken).encode(), topic="ioc.ingest.dossier")
    pipeline.flush()

    like = f"%-{tag}"
    stored = wait_for(
        lambda: (n := count(pipeline, "SELECT count(*) FROM event WHERE source LIKE %s", like)) >= len(records) and n,
        120,
        0.5,
        f"{len(records)} event rows",
    )
    assert stored == len(records)
    payments = [r for r in records if r.feed == "payment"]
    amounts = query(
        pipeline.settings,
        "SELECT count(*), sum(value) FROM observation WHERE feed = 'payment' AND metric = 'amount' AND source LIKE %s",
        (like,),
    )[0]
    assert amounts == (len(payments), sum(p.values["amount"] for p in payments))
    letter = wait_for(
        lambda: query(
            pipeline.settings, "SELECT field, rule FROM dead_letter WHERE position(%s::bytea in raw) > 0",
            (f"BROKEN-{tag}".encode(),),
        ),
        60,
        0.5,
        "the broken dossier's dead letter",
    )  # fmt: skip
    assert letter == [("attributes.status", "code")]
