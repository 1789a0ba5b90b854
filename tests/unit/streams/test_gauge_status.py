"""The live water status of a gauge: one KPI record per reading, replays ignored, late readings judged at
their own time, 24 hours of readings kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ioc.envelope import Envelope
from streams.gauge_status import KPI, GaugeStatus

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def reading(minutes: float, level: float | None, rain: float | None = None, source: str = "G1") -> Envelope:
    values = {k: v for k, v in (("water_level", level), ("rainfall", rain)) if v is not None}
    ts = T0 + timedelta(minutes=minutes)
    return Envelope("hydro", source, ts, values, f"{source}-{ts.isoformat()}", unit_code="HUE.KIMLONG")


def engine() -> tuple[GaugeStatus, dict[str, Any]]:
    state: dict[str, Any] = {}
    return GaugeStatus(state, {"hydro"}, lambda source: [1.0, 2.0, 3.5]), state


def test_each_reading_gives_its_status_and_a_replay_gives_nothing() -> None:
    gauges, _ = engine()
    assert gauges.add(reading(0, 1.20, 2.0))[0]["detail"]["rate_cm_h"] is None
    [record] = gauges.add(reading(60, 1.50, 3.0))
    assert (record["kpi"], record["metric"], record["value"], record["revision"]) == (KPI, "water_level", 1.50, 0)
    assert record["window_start"] == record["window_end"] == "2026-11-24T02:00:00+00:00"
    assert record["detail"]["rate_cm_h"] == 30.0 and record["detail"]["rain_mm"]["24h"] == 5.0
    assert gauges.add(reading(60, 1.50, 3.0)) == []
    [corrected] = gauges.add(reading(60, 1.56, 3.0))
    assert (corrected["revision"], corrected["detail"]["rate_cm_h"]) == (1, 36.0)


def test_a_late_reading_is_judged_at_its_own_time() -> None:
    gauges, _ = engine()
    gauges.add(reading(0, 1.0))
    gauges.add(reading(90, 1.9))
    [late] = gauges.add(reading(45, 1.3))  # from 1.0 at 0 to 1.3 at 45 min: 40 cm/h, the 1.9 m not yet seen
    assert late["value"] == 1.3 and late["detail"]["rate_cm_h"] == 40.0 and late["detail"]["alarm"] == 1


def test_rain_alone_is_kept_for_the_accumulations_and_old_readings_are_dropped() -> None:
    gauges, state = engine()
    assert gauges.add(reading(0, None, 7.0)) == []
    [record] = gauges.add(reading(5, 0.5, 1.0))
    assert record["detail"]["rain_mm"]["1h"] == 8.0
    gauges.add(reading(25 * 60, 0.6, 0.0))
    assert [r[0] for r in state["G1"]["readings"]] == [(T0 + timedelta(minutes=25 * 60)).timestamp()]
    assert gauges.add(reading(10, 0.7)) == []  # older than the 24 hours kept: nothing to judge it by


def test_other_feeds_are_not_gauges() -> None:
    gauges, state = engine()
    air = Envelope("air_quality", "S1", T0, {"pm25": 10.0}, "x")
    assert gauges.add(air) == [] and state == {}


def test_a_level_and_a_rain_record_of_one_time_are_merged() -> None:
    gauges, state = engine()
    gauges.add(reading(0, 1.20))
    [merged] = gauges.add(reading(0, None, 5.0))  # a rain sensor reporting apart, same time
    assert merged["value"] == 1.20 and merged["revision"] == 1 and merged["detail"]["rain_mm"]["1h"] == 5.0
    [record] = gauges.add(reading(60, 1.50))
    assert record["detail"]["rate_cm_h"] == 30.0
