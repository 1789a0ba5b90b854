"""A segment's traffic status: emitted when its level of service or congestion changes and every 15 minutes,
with how long it has been congested and, when a congestion ends, how long it lasted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ioc.envelope import Envelope
from streams.segment_status import KPI, SegmentStatus

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 07:00 in Huế


def reading(minute: int, speed: float, congested: float | None = None) -> Envelope:
    values = {"speed": speed, "intensity": 900.0, "occupancy": 30.0}
    if congested is not None:
        values["congested"] = congested
    return Envelope("traffic", "R1", T0 + timedelta(minutes=minute), values, f"R1-{minute}", unit_code="HUE.PHUHOI")


def segments() -> tuple[SegmentStatus, dict[str, Any]]:
    state: dict[str, Any] = {}
    return SegmentStatus(state, {"traffic"}, lambda source: 40.0 if source == "R1" else None), state


def test_a_status_goes_out_when_it_changes_and_every_15_minutes() -> None:
    roads, _ = segments()
    [first] = roads.add(reading(0, 36.0, 0))
    assert (first["kpi"], first["metric"], first["value"], first["detail"]["los"]) == (KPI, "speed_ratio", 0.9, "A")
    assert roads.add(reading(1, 35.0, 0)) == []  # still A, not congested
    [b] = roads.add(reading(2, 30.0, 0))
    assert b["detail"]["los"] == "B" and b["window_start"] == "2026-11-24T00:02:00+00:00"
    assert all(roads.add(reading(m, 30.0, 0)) == [] for m in range(3, 17))
    [heartbeat] = roads.add(reading(17, 30.0, 0))  # 15 minutes after the last one sent
    assert heartbeat["detail"]["los"] == "B"


def test_congestion_counts_its_minutes_and_reports_its_length_when_over() -> None:
    roads, _ = segments()
    roads.add(reading(0, 30.0, 0))
    [onset] = roads.add(reading(1, 10.0, 1))
    assert (onset["detail"]["los"], onset["detail"]["congested_minutes"]) == ("F", 0.0)
    assert all(roads.add(reading(m, 10.0, 1)) == [] for m in range(2, 16))
    [still] = roads.add(reading(16, 10.0, 1))
    assert still["detail"]["congested_minutes"] == 15.0
    [over] = roads.add(reading(22, 30.0, 0))
    assert over["detail"]["congested_minutes"] == 0.0 and over["detail"]["congestion_ended_minutes"] == 21.0


def test_old_readings_and_unknown_segments_give_nothing() -> None:
    roads, state = segments()
    roads.add(reading(5, 30.0))
    assert roads.add(reading(3, 5.0, 1)) == [] and roads.add(reading(5, 30.0)) == []
    other = Envelope("traffic", "R9", T0, {"speed": 10.0}, "R9-0")
    assert roads.add(other) == [] and "R9" not in state


def test_a_reading_without_the_flag_keeps_the_segment_as_it_was() -> None:
    roads, _ = segments()
    roads.add(reading(0, 10.0, 1))
    assert roads.add(reading(1, 10.0)) == []  # still F, still congested: nothing new
    [still] = roads.add(reading(16, 10.0))
    assert (still["detail"]["congested"], still["detail"]["congested_minutes"]) == (1.0, 16.0)
