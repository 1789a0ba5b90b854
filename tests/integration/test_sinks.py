"""Sinks against the real TimescaleDB: batched COPY + idempotent upserts."""

import base64
import uuid
from typing import Any

import pytest

from ioc.settings import Settings
from streams.sinks import DeadLetterSink, EventSink, KpiSink, ObservationSink
from tests.infra import query

pytestmark = pytest.mark.integration


def obs(source: str, second: int, pm25: float) -> dict[str, Any]:
    ts = f"2026-11-24T08:00:{second:02d}+07:00"
    return {
        "id": f"{source}|air_quality|{ts}",
        "feed": "air_quality",
        "source": source,
        "ts": ts,
        "values": {"pm25": pm25, "pm10": pm25 * 2},
        "unit_code": "HUE.PHUHOI",
    }


def kpi(source: str, revision: int, value: float) -> dict[str, Any]:
    return {
        "kpi": "mean_60s",
        "feed": "air_quality",
        "source": source,
        "metric": "pm25",
        "unit_code": None,
        "window_start": "2026-11-24T01:00:00+00:00",
        "window_end": "2026-11-24T01:01:00+00:00",
        "value": value,
        "count": revision + 1,
        "min": value,
        "max": value,
        "revision": revision,
    }


async def test_observations_written_twice_leave_the_same_rows(settings: Settings) -> None:
    source = f"SINK-{uuid.uuid4().hex[:8]}"
    batch = [obs(source, s, 10.0 + s) for s in range(50)]
    sink = ObservationSink(settings.dsn)
    try:
        await sink.write(batch)
        first = query(
            settings,
            "SELECT time, record_id, metric, value FROM observation WHERE source = %s ORDER BY 1, 3",
            (source,),
        )
        await sink.write(batch + batch[:10])  # a replay, and duplicates inside one batch
    finally:
        await sink.close()
    again = query(
        settings, "SELECT time, record_id, metric, value FROM observation WHERE source = %s ORDER BY 1, 3", (source,)
    )
    assert len(first) == 100
    assert again == first


async def test_kpi_highest_revision_wins_in_any_order(settings: Settings) -> None:
    source = f"SINK-{uuid.uuid4().hex[:8]}"
    sink = KpiSink(settings.dsn)
    try:
        await sink.write([kpi(source, 0, 10.0), kpi(source, 2, 30.0), kpi(source, 1, 20.0)])
        await sink.write([kpi(source, 1, 20.0)])  # a late redelivery of an older revision
    finally:
        await sink.close()
    assert query(settings, "SELECT revision, value, count FROM kpi_window WHERE source = %s", (source,)) == [
        (2, 30.0, 3)
    ]


async def test_dead_letters_keep_original_bytes_once(settings: Settings) -> None:
    dl_id = f"ioc.ingest.air_quality:0:{uuid.uuid4().int % 10**9}"
    raw = b"\x00not json\xff"
    letter = {
        "dl_id": dl_id,
        "topic": "ioc.ingest.air_quality",
        "feed": "air_quality",
        "source": None,
        "field": "$",
        "rule": "json",
        "reason": "$: not valid UTF-8 JSON",
        "received_at": "2026-11-24T01:00:00+00:00",
        "raw": base64.b64encode(raw).decode(),
    }
    sink = DeadLetterSink(settings.dsn)
    try:
        await sink.write([letter, letter])
        await sink.write([letter])
    finally:
        await sink.close()
    assert query(settings, "SELECT raw, rule FROM dead_letter WHERE dl_id = %s", (dl_id,)) == [(raw, "json")]


async def test_a_database_that_comes_back_is_retried_not_crashed(settings: Settings) -> None:
    sink = ObservationSink("postgresql://postgres@127.0.0.1:1/ioc", max_backoff=0.1)
    import asyncio

    task = asyncio.create_task(sink.write([obs("RETRY-1", 0, 1.0)]))
    await asyncio.sleep(0.5)
    assert not task.done()  # still retrying: the agent waits, Kafka keeps the records
    sink.dsn = settings.dsn
    await asyncio.wait_for(task, 10)
    await sink.close()
    assert query(settings, "SELECT count(*) FROM observation WHERE source = 'RETRY-1'")[0][0] == 2


async def test_a_transition_twice_in_one_batch_joins_its_incident_once(settings: Settings) -> None:
    """After a restart the alert agent sends recent transitions again; both copies can land in one batch."""
    from datetime import UTC, datetime, timedelta

    from alerts.model import Kind, Severity, State, Transition
    from streams.sinks import AlertSink

    source = f"DUP-{uuid.uuid4().hex[:8]}"
    at = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    fired = Transition(
        f"feed-health/silent|{source}", 1, Kind.FIRED, State.FIRING, Severity.WARNING, "silent", "absence",
        "feed-health", "feed", source, "air_quality", f"X{source}.W1", at, at,
    ).to_dict()  # fmt: skip
    sink = AlertSink(settings.dsn, timedelta(minutes=60))
    try:
        await sink.write([fired, fired])
        await sink.write([fired])
    finally:
        await sink.close()
    rows = query(
        settings,
        "SELECT i.alert_count FROM incident i JOIN incident_alert ia ON ia.incident_id = i.id"
        " WHERE ia.fingerprint = %s",
        (f"feed-health/silent|{source}",),
    )
    assert rows == [(1,)]


async def test_a_firing_stored_after_its_incident_resolved_joins_it_if_it_was_open_then(settings: Settings) -> None:
    """The sink reads ioc.alerts' partitions in any order: one alert's fire and resolve can be stored
    before another alert's firing that happened in between."""
    from datetime import UTC, datetime, timedelta

    from alerts.model import Kind, Severity, State, Transition
    from streams.sinks import AlertSink

    source = f"ORDER-{uuid.uuid4().hex[:8]}"
    t0 = datetime(2026, 11, 23, 13, 20, tzinfo=UTC)

    def transition(rule: str, seq: int, kind: Kind, state: State, at: datetime) -> dict[str, Any]:
        return Transition(
            f"flood/{rule}|{source}", seq, kind, state, Severity.WARNING, rule, "threshold", "flood", "water",
            source, "hydro", f"X{source}.W1", at, t0,
        ).to_dict()  # fmt: skip

    sink = AlertSink(settings.dsn, timedelta(minutes=30))
    try:
        await sink.write([transition("rise", 1, Kind.FIRED, State.FIRING, t0),
                          transition("rise", 2, Kind.RESOLVED, State.RESOLVED, t0 + timedelta(hours=10))])  # fmt: skip
        await sink.write([transition("level", 1, Kind.FIRED, State.FIRING, t0 + timedelta(hours=2))])
    finally:
        await sink.close()
    rows = query(
        settings,
        "SELECT i.id, i.alert_count FROM incident i JOIN incident_alert ia ON ia.incident_id = i.id"
        " WHERE ia.fingerprint LIKE %s",
        (f"%|{source}",),
    )
    assert len(rows) == 2 and len({incident for incident, _ in rows}) == 1 and rows[0][1] == 2


async def test_event_records_keep_their_attributes_once_and_readings_give_no_event_row(settings: Settings) -> None:
    agency = f"SINK-AG-{uuid.uuid4().hex[:8]}"
    attributes = {"dossier_id": f"{agency}-1", "status": 9, "channel": 2, "procedure": "DANG-KY-KHAI-SINH",
                  "received_at": "2026-11-23T01:00:00+00:00", "finished_at": "2026-11-24T01:00:00+00:00"}  # fmt: skip
    event = {"id": f"{agency}-1#5", "feed": "dossier", "source": agency, "ts": "2026-11-24T08:00:00+07:00",
             "values": {}, "unit_code": "HUE.PHUHOI", "attributes": attributes}  # fmt: skip
    reading = {**obs(agency, 1, 12.0)}
    sink = EventSink(settings.dsn)
    try:
        await sink.write([event, reading, event])
        await sink.write([event])  # a replay
    finally:
        await sink.close()
    rows = query(settings, "SELECT record_id, feed, unit_code, attributes FROM event WHERE source = %s", (agency,))
    assert rows == [(f"{agency}-1#5", "dossier", "HUE.PHUHOI", attributes)]
