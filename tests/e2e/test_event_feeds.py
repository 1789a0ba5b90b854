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


def test_an_agency_whose_dossiers_run_late_gets_a_timeliness_alert(pipeline: Pipeline) -> None:
    """Twelve dossiers of an agency received two days ago, accepted, their appointments passed: its Decision 766
    timeliness is 0, published by the worker as a KPI (IOC_TIMELINESS_SECONDS is 5 in the tests), and the
    public-services pack's threshold raises an alert for it."""
    agency = f"TL-{uuid.uuid4().hex[:6].upper()}"
    now = datetime.now(LOCAL)
    received = now - timedelta(days=2)
    due = (now - timedelta(minutes=5)).isoformat()
    for n in range(12):
        base = {"dossier_id": f"{agency}-{n}", "channel": 1, "procedure": "CAP-BAN-SAO",
                "received_at": received.isoformat(), "appointment_at": due}  # fmt: skip
        for k, (at, status) in enumerate(((received, 1), (received + timedelta(seconds=30), 2)), 1):
            body = {"id": f"{agency}-{n}#{k}", "feed": "dossier", "source": agency, "ts": at.isoformat(),
                    "values": {}, "attributes": {**base, "status": status}}  # fmt: skip
            pipeline.send(agency, json.dumps(body).encode(), topic="ioc.ingest.dossier")
    pipeline.flush()
    kpi = "SELECT value, count FROM kpi_window WHERE kpi = 'timeliness_766' AND source = %s"
    assert wait_for(lambda: query(pipeline.settings, kpi, (agency,)), 90, what="the timeliness KPI") == [(0.0, 12)]
    firing = "SELECT state, value FROM alert WHERE fingerprint = %s"
    fingerprint = f"public-services/timeliness-low|{agency}"
    assert wait_for(lambda: query(pipeline.settings, firing, (fingerprint,)), 60, what="the alert") == [("firing", 0.0)]
