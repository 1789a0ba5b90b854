"""Traffic simulator: rush hours slow the roads, the flow model holds, readings are valid and repeatable."""

from datetime import UTC, datetime, timedelta

import pytest

from ioc.envelope import parse_envelope
from ioc.feeds import registry
from simulators.traffic import SEGMENTS, flow_and_speed, readings_between

MONDAY_MIDNIGHT = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Tue 24 Nov 00:00 in Asia/Ho_Chi_Minh


def at_local_hour(hour: float) -> list:  # type: ignore[type-arg]
    start = MONDAY_MIDNIGHT + timedelta(hours=hour)
    return readings_between(42, start, start + timedelta(seconds=1), 60)


def mean(readings: list, metric: str) -> float:  # type: ignore[type-arg]
    return sum(r.values[metric] for r in readings) / len(readings)


def test_the_evening_rush_is_slower_and_busier_than_the_night() -> None:
    night, rush = at_local_hour(3), at_local_hour(17.75)
    assert len(rush) == len(SEGMENTS) == 50
    assert mean(rush, "speed") < 0.85 * mean(night, "speed")
    assert mean(rush, "intensity") > 3 * mean(night, "intensity")
    assert mean(rush, "occupancy") > mean(night, "occupancy")
    assert sum(r.values["congested"] for r in rush) >= 3 and sum(r.values["congested"] for r in night) == 0


def test_congested_means_below_half_the_free_flow_speed() -> None:
    for reading, segment in zip(at_local_hour(8), SEGMENTS, strict=True):
        slow = reading.values["speed"] < segment.extras["free_flow_speed"] / 2
        assert reading.values["congested"] == (1.0 if slow else 0.0)


@pytest.mark.parametrize("ratio", [0.0, 0.5, 0.99, 1.0, 1.3, 2.5])
def test_greenshields_flow_never_exceeds_capacity_and_speed_stays_in_range(ratio: float) -> None:
    flow, speed = flow_and_speed(60.0, 2000.0, ratio)
    assert 0 <= flow <= 2000.0 and 0 < speed <= 60.0
    if ratio >= 1.0:
        assert speed <= 30.0  # the queue's branch: at or below the speed of capacity


def test_readings_are_valid_and_repeatable() -> None:
    kind, now = registry()["traffic"], MONDAY_MIDNIGHT + timedelta(days=2)
    first = readings_between(7, MONDAY_MIDNIGHT, MONDAY_MIDNIGHT + timedelta(hours=1), 600)
    assert first == readings_between(7, MONDAY_MIDNIGHT, MONDAY_MIDNIGHT + timedelta(hours=1), 600)
    for reading in first:
        parse_envelope(reading.to_bytes(), kind, now, timedelta(0))
