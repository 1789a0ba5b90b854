"""The whole slice on real Kafka and TimescaleDB: ingest → validate → obs/KPI → sinks → websocket."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ioc.envelope import Envelope
from ioc.indicators.traffic import free_flow_of
from ioc.infra import LocalInfra
from ioc.sources import sources
from streams.gauge_status import GaugeStatus
from streams.segment_status import SegmentStatus
from tests.e2e.conftest import Pipeline
from tests.infra import query, wait_for

pytestmark = pytest.mark.e2e


def record(source: str, ts: datetime, pm25: float, pm10: float | None = None) -> bytes:
    values = {"pm25": pm25, "pm10": pm25 * 1.6 if pm10 is None else pm10}
    return json.dumps({"source": source, "ts": ts.isoformat(), "values": values}).encode()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def obs_count(p: Pipeline, like: str) -> int:
    return query(p.settings, "SELECT count(DISTINCT record_id) FROM observation WHERE source LIKE %s", (like,))[0][0]


def dead_count(p: Pipeline, marker: str) -> int:
    return query(
        p.settings, "SELECT count(*) FROM dead_letter WHERE position(%s::bytea in raw) > 0", (marker.encode(),)
    )[0][0]


async def test_a_record_reaches_the_tables_and_a_websocket_client(
    pipeline: Pipeline, report: Callable[[str], None]
) -> None:
    source = unique("E2E")
    async with pipeline.ws("kpi,obs") as ws:
        snapshot = json.loads(await ws.recv())
        assert snapshot["type"] == "snapshot" and {"kpi", "obs"} <= set(snapshot)

        received: list[dict[str, Any]] = []  # this source's messages, kept: a KPI may come before it is awaited

        async def next_message(kind: str, since: float) -> tuple[dict[str, Any], float]:
            while True:
                for data in received:
                    if data["kind"] == kind:
                        received.remove(data)
                        return data, time.perf_counter() - since
                message = json.loads(await asyncio.wait_for(ws.recv(), 90))
                if message["data"].get("source") == source:
                    received.append({**message["data"], "kind": message["type"]})

        now = datetime.now(UTC)
        window_end = datetime.fromtimestamp(math.floor(now.timestamp() / 60) * 60 + 60, UTC)
        sent = time.perf_counter()
        pipeline.send(source, record(source, now, 12.5))
        pipeline.flush()
        obs, ws_obs_latency = await next_message("obs", sent)
        assert obs["values"] == {"pm25": 12.5, "pm10": 20.0}
        await asyncio.to_thread(wait_for, lambda: obs_count(pipeline, source), 30, 0.05, "the observation row")
        db_obs_latency = time.perf_counter() - sent

        sent = time.perf_counter()  # the next window's first record closes the first window
        pipeline.send(source, record(source, window_end + timedelta(seconds=1), 30.0))
        pipeline.flush()
        # The first window's KPI. When an earlier test moved this partition's clock ahead (a record stamped
        # after now), both windows are emitted at once and the hub, which coalesces a source's KPI per metric,
        # may send the second window only: then that one, with its own values.
        first, second = (window_end - timedelta(seconds=60)).isoformat(), window_end.isoformat()
        kpi, ws_kpi_latency = await next_message("kpi", sent)
        expected = {
            first: {("pm25", 12.5, 1, 0), ("pm10", 20.0, 1, 0)},
            second: {("pm25", 30.0, 1, 0), ("pm10", 48.0, 1, 0)},
        }
        window = str(kpi["window_start"])
        assert (kpi["metric"], kpi["value"], kpi["count"], kpi["revision"]) in expected.get(window, set()), kpi

        def both_rows() -> list[tuple[object, ...]] | None:
            # The first window only: when an earlier test moved this partition's clock ahead, the second
            # record's window has passed too and is emitted at once.
            sql = (
                "SELECT metric, value, count FROM kpi_window "
                "WHERE kpi = 'mean_60s' AND source = %s AND window_start = %s ORDER BY 1"
            )
            rows = query(pipeline.settings, sql, (source, window_end - timedelta(seconds=60)))
            return rows if len(rows) == 2 else None

        rows = await asyncio.to_thread(wait_for, both_rows, 30, 0.05, "the KPI rows of both metrics")
        db_kpi_latency = time.perf_counter() - sent
    assert rows == [("pm10", 20.0, 1), ("pm25", 12.5, 1)]
    report(
        f"latency produce→websocket obs {ws_obs_latency * 1000:.0f} ms, →observation row "
        f"{db_obs_latency * 1000:.0f} ms; closing record→websocket KPI {ws_kpi_latency * 1000:.0f} ms, "
        f"→kpi_window row {db_kpi_latency * 1000:.0f} ms"
    )


def test_replaying_the_same_records_leaves_the_same_rows(pipeline: Pipeline) -> None:
    source = unique("REPLAY")
    start = datetime.now(UTC)
    batch = [record(source, start + timedelta(seconds=i), 10.0 + i) for i in range(40)]

    def play() -> None:
        for value in batch:
            pipeline.send(source, value)
        pipeline.send(source, record(source, start + timedelta(seconds=61 + 60), 1.0))  # closes the windows
        pipeline.flush()

    def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        return (
            query(
                pipeline.settings,
                "SELECT time, record_id, metric, value FROM observation WHERE source = %s AND time < %s ORDER BY 1, 3",
                (source, start + timedelta(seconds=122)),
            ),
            query(
                pipeline.settings,
                # The 1-minute windows only: near the top of the hour the hourly window closes too.
                "SELECT window_start, metric, value, count, revision FROM kpi_window "
                "WHERE kpi = 'mean_60s' AND source = %s AND window_start < %s ORDER BY 1, 2",
                (source, start + timedelta(seconds=60)),
            ),
        )

    def kpi_total() -> int:
        return sum(row[3] for row in snapshot()[1])

    play()
    wait_for(lambda: obs_count(pipeline, source) == 41 and kpi_total() == 80, 60, what="the first play")
    first = snapshot()
    play()
    # A new record of the same source after the replay: once it is stored, the replay has been processed.
    pipeline.send(source, record(source, start + timedelta(seconds=122), 5.0))
    pipeline.flush()
    wait_for(lambda: obs_count(pipeline, source) == 42, 60, what="the record after the replay")
    time.sleep(1.0)  # the KPI sink runs beside the observation sink
    assert snapshot() == first
    assert sum(row[3] for row in first[1]) == 80  # 40 records x 2 pollutants, each counted once


def test_malformed_records_become_dead_letters_and_the_stream_goes_on(pipeline: Pipeline) -> None:
    marker = unique("BAD")
    source = unique("GOOD")
    now = datetime.now(UTC)
    bad = {
        b'{"source": "%s", "ts": "not a time", "values": {"pm25": 1}}' % marker.encode(): ("ts", "format"),
        b'{"source": "%s", "ts": "%s", "values": {"pm25": -5}}' % (marker.encode(), now.isoformat().encode()): (
            "values.pm25",
            "range",
        ),
        b"%s {{{ not json" % marker.encode(): ("$", "json"),
    }
    for raw in bad:
        pipeline.send(marker, raw)
    pipeline.send(source, record(source, now, 7.0))
    pipeline.flush()
    wait_for(lambda: obs_count(pipeline, source) == 1, 60, what="the valid record after the bad ones")
    wait_for(lambda: dead_count(pipeline, marker) == 3, 60, what="three dead letters")
    rows = query(
        pipeline.settings,
        "SELECT raw, field, rule, reason, source, topic FROM dead_letter WHERE position(%s::bytea in raw) > 0",
        (marker.encode(),),
    )
    for raw, field, rule, reason, dl_source, topic in rows:
        assert (field, rule) == bad[bytes(raw)]
        assert reason.startswith(f"{field}: ")
        assert topic == "ioc.ingest.air_quality"
        assert dl_source in (marker, None)


def produce_stream(
    pipeline: Pipeline, prefix: str, count: int, pause_every: int = 200, malformed_every: int = 0
) -> threading.Thread:
    """``count`` records of 16 sources ``prefix-NN`` in the background, paced to keep the worker busy for
    seconds; with ``malformed_every``, also a record without ``ts`` (source ``prefix``) every that many."""
    base = datetime.now(UTC) - timedelta(minutes=30)

    def produce() -> None:
        for i in range(count):
            source = f"{prefix}-{i % 16:02d}"
            pipeline.send(source, record(source, base + timedelta(milliseconds=50 * i), float(i % 500)))
            if malformed_every and i % malformed_every == 0:
                pipeline.send(prefix, f'{{"source": "{prefix}", "values": {{"pm25": 1}}}}'.encode())
            if i % pause_every == 0:
                pipeline.flush()
                time.sleep(0.05)
        pipeline.flush()

    thread = threading.Thread(target=produce)
    thread.start()
    return thread


def test_killing_the_worker_mid_stream_loses_nothing(pipeline: Pipeline, report: Callable[[str], None]) -> None:
    prefix = unique("KILL")
    valid, malformed = 4000, 40
    producer = produce_stream(pipeline, prefix, valid, malformed_every=valid // malformed)
    wait_for(lambda: obs_count(pipeline, prefix + "-%") > 300, 60, 0.05, "the worker to be mid-stream")
    pipeline.kill_worker()
    stored_at_kill = obs_count(pipeline, prefix + "-%")
    time.sleep(1.0)
    pipeline.start_worker()
    producer.join()
    wait_for(
        lambda: obs_count(pipeline, prefix + "-%") == valid and dead_count(pipeline, prefix) >= malformed,
        120,
        0.5,
        f"{valid} observations and {malformed} dead letters",
    )
    time.sleep(2)
    stored, dead = obs_count(pipeline, prefix + "-%"), dead_count(pipeline, prefix)
    rows = query(pipeline.settings, "SELECT count(*) FROM observation WHERE source LIKE %s", (prefix + "-%",))[0][0]
    report(
        f"killed the worker with {stored_at_kill}/{valid} stored; after restart: in {valid + malformed} == "
        f"{stored} observations + {dead} dead letters"
    )
    assert (stored, dead, rows) == (valid, malformed, 2 * valid)


def test_health_is_ok_with_the_worker_running(pipeline: Pipeline) -> None:
    import urllib.error
    import urllib.request

    last: list[object] = []

    def healthy() -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(pipeline.url + "/api/health", timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:  # 503: keep the report to show it if it never turns healthy
            last[:] = [exc.code, exc.read().decode()]
            return None

    body = wait_for(healthy, 30, 1.0, f"a healthy /api/health (last answer: {last})")
    assert body["status"] == "ok"
    assert body["worker"]["group"] == pipeline.settings.app_id
    assert body["sinks"]["group"] == pipeline.settings.app_id + "-sink"


@pytest.mark.parametrize("service", ["postgres", "kafka"])
def test_restarting_a_server_mid_stream_loses_nothing(
    pipeline: Pipeline, service: str, report: Callable[[str], None]
) -> None:
    infra = LocalInfra(pipeline.settings)
    server = infra.postgres if service == "postgres" else infra.kafka
    if server is None:
        pytest.skip(f"{service} is external (IOC_*); only a local one can be restarted by the test")
    prefix = unique(f"RESTART-{service}")
    if service == "kafka":  # all records are in the broker first: the worker is under test, not our producer
        count = 20000
        produce_stream(pipeline, prefix, count, pause_every=count).join()
    else:
        count = 3000
    producer = produce_stream(pipeline, prefix, count if service == "postgres" else 0)
    wait_for(lambda: obs_count(pipeline, prefix + "-%") > 200, 60, 0.05, "the worker to be mid-stream")
    stopped = time.monotonic()
    stored_at_stop = obs_count(pipeline, prefix + "-%")
    server.stop()
    time.sleep(3)
    server.start()
    producer.join()
    wait_for(lambda: obs_count(pipeline, prefix + "-%") == count, 180, 0.5, f"all {count} observations")
    assert stored_at_stop < count, "the stream had ended before the stop; the test proved nothing"
    report(
        f"{service} stopped for 3 s with {stored_at_stop}/{count} stored: all {count} records stored "
        f"{time.monotonic() - stopped:.1f}s after the stop; worker still running: {pipeline.worker.poll() is None}"
    )


def test_a_gauge_s_water_status_equals_the_pure_computation(pipeline: Pipeline) -> None:
    """Readings of a shipped gauge (Hương Thủy: alarm levels 1.1 / 2.1 / 3.1 m) through the pipeline give the
    same water_status KPI rows (level, alarm level, rate, time to the next level, rainfall) as GaugeStatus
    applied offline to the same records. Ten days back, so no other test's readings of it fall in its 24 h."""
    gauge = "HUE-WL-08"
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=10, minutes=uuid.uuid4().int % 600)
    envelopes = [
        Envelope("hydro", gauge, start + timedelta(minutes=5 * n), {"water_level": 0.8 + 0.04 * n, "rainfall": 2.5},
                 unique("WS"), unit_code="HUE.HUONGTHUY")
        for n in range(15)
    ]  # fmt: skip
    for env in envelopes:
        pipeline.send(gauge, json.dumps(env.to_dict()).encode(), topic="ioc.ingest.hydro")
    pipeline.flush()
    offline: dict[str, Any] = {}
    expected = [r for env in envelopes for r in GaugeStatus(offline, {"hydro"}, lambda _: [1.1, 2.1, 3.1]).add(env)]
    rows_sql = ("SELECT value, detail FROM kpi_window WHERE kpi = 'water_status' AND source = %s"
                " AND window_start >= %s AND window_start <= %s ORDER BY window_start")  # fmt: skip
    params = (gauge, envelopes[0].ts, envelopes[-1].ts)

    def stored() -> list[tuple[Any, ...]] | None:
        found = query(pipeline.settings, rows_sql, params)
        return found if len(found) == len(envelopes) else None

    rows = wait_for(stored, 60, what="a water_status row per reading")
    assert [(value, detail) for value, detail in rows] == [(r["value"], r["detail"]) for r in expected]
    last = rows[-1][1]  # 0.8 + 0.56 = 1.36 m, above level I; rising 48 cm/h, 0.74 m to level II: 1.54 h
    assert (last["alarm"], last["rate_cm_h"], last["hours_to_next"]) == (1, 48.0, 1.54)
    # The rise fired alerts in the HUE area. The river recedes so that they resolve: an open one would draw
    # later tests' HUE water alerts into its incident, whatever order the tests run in.
    recede = [
        Envelope("hydro", gauge, envelopes[-1].ts + timedelta(minutes=5 * n), {"water_level": 0.8, "rainfall": 0.0},
                 unique("WS"), unit_code="HUE.HUONGTHUY")
        for n in range(1, 25)
    ]  # fmt: skip
    for env in recede:
        pipeline.send(gauge, json.dumps(env.to_dict()).encode(), topic="ioc.ingest.hydro")
    pipeline.flush()
    open_sql = "SELECT rule FROM alert WHERE source = %s AND state <> 'resolved' AND rule <> 'gauge-silent'"
    wait_for(lambda: query(pipeline.settings, open_sql, (gauge,)) == [], 60, what=f"{gauge}'s alerts resolved")


def test_a_segment_s_traffic_status_equals_the_pure_computation(pipeline: Pipeline) -> None:
    """Readings of a shipped road segment through the pipeline give the same traffic_status rows as
    SegmentStatus offline: one when the level of service or congestion changes, none for a steady reading."""
    segment = "HUE-TR-49"
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    free_flow = free_flow_of(sources()[segment])
    assert free_flow is not None
    steps = [(0.9, 0), (0.88, 0), (0.25, 1), (0.25, 1), (0.7, 0)]  # share of free flow, congestion flag
    envelopes = [
        Envelope("traffic", segment, start + timedelta(minutes=n),
                 {"speed": round(share * free_flow, 1), "intensity": 800.0, "occupancy": 20.0,
                  "congested": float(flag)}, unique("TS"))
        for n, (share, flag) in enumerate(steps)
    ]  # fmt: skip
    for env in envelopes:
        pipeline.send(segment, json.dumps(env.to_dict()).encode(), topic="ioc.ingest.traffic")
    pipeline.flush()
    offline: dict[str, Any] = {}
    roads = SegmentStatus(offline, {"traffic"}, lambda _: free_flow)
    expected = [r for env in envelopes for r in roads.add(env)]
    assert [r["detail"]["los"] for r in expected] == ["A", "F", "B"]
    rows_sql = ("SELECT value, detail FROM kpi_window WHERE kpi = 'traffic_status' AND source = %s"
                " AND window_start >= %s ORDER BY window_start")  # fmt: skip

    def stored() -> list[tuple[Any, ...]] | None:
        found = query(pipeline.settings, rows_sql, (segment, start))
        return found if len(found) >= len(expected) else None

    rows = wait_for(stored, 60, what="the traffic_status rows")
    assert [(value, detail) for value, detail in rows] == [(r["value"], r["detail"]) for r in expected]
    assert rows[-1][1]["congestion_ended_minutes"] == 2.0
