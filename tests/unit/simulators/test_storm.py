"""The storm scenario against the normal run at the same seed and times: one typhoon seen by three feeds at
once. Heavier rain than the flood's at every gauge, rivers past their alarm levels some hours after the rain,
roads emptied (and slowed) at the height of the storm, particles washed out of the air."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ioc.envelope import Envelope, parse_envelope
from ioc.feeds import registry
from simulators import air_quality, hydro, traffic
from simulators.scenario import NORMAL, STORM, Scenario

SEED = 5
# Tue 24 Nov 02:00 local: the height of the storm (05:00-11:00 local) takes the morning rush.
START = datetime(2026, 11, 23, 19, tzinfo=UTC)
STORM_RUN = Scenario("storm", START)
HEIGHT = [START + timedelta(hours=h) for h in (3.5, 5.0, 6.0, 7.0, 8.5)]  # within STORM's hold
GAUGE_INTERVAL = 600.0


def mean(readings: list[Envelope], metric: str) -> float:
    return sum(env.values[metric] for env in readings) / len(readings)


def hours_after(env: Envelope) -> float:
    return (env.ts - START).total_seconds() / 3600


def at(readings_between: Callable[..., list[Envelope]], ts: datetime, scenario: Scenario = NORMAL) -> list[Envelope]:
    """Every source's reading of a sensor simulator at ``ts``."""
    return readings_between(SEED, ts, ts + timedelta(seconds=1), 60, scenario)


@pytest.fixture(scope="module")
def gauge_series() -> dict[str, tuple[list[Envelope], list[Envelope]]]:
    """Per gauge: the storm's readings and the flood's over two days."""
    end = START + timedelta(hours=48)
    storm = hydro.readings_between(SEED, START, end, GAUGE_INTERVAL, STORM_RUN)
    flood = hydro.readings_between(SEED, START, end, GAUGE_INTERVAL, Scenario("flood", START))
    return {
        g.id: ([e for e in storm if e.source == g.id], [e for e in flood if e.source == g.id]) for g in hydro.GAUGES
    }


def test_more_rain_than_the_flood_in_bands(gauge_series: dict[str, tuple[list[Envelope], list[Envelope]]]) -> None:
    per_hour = 3600 / GAUGE_INTERVAL
    for storm, flood in gauge_series.values():
        during, after = storm[: int(STORM.hours * per_hour)], storm[int(STORM.hours * per_hour) :]
        total = sum(env.values["rainfall"] for env in during)
        assert total > 200 and sum(env.values["rainfall"] for env in after) < 20  # then a drizzle for 36 h
        assert total > 1.5 * sum(env.values["rainfall"] for env in flood)  # the flood brings ≈ 150 mm in 10 h
        height = [env.values["rainfall"] * per_hour for env in storm if STORM.at(hours_after(env)) == 1.0]
        assert max(height) > 2 * min(height) and max(height) > 45  # the bands: bursts of very heavy rain


def test_rivers_pass_their_alarm_levels_hours_after_the_rain(
    gauge_series: dict[str, tuple[list[Envelope], list[Envelope]]],
) -> None:
    normal = hydro.readings_between(SEED, START, START + timedelta(hours=48), 3600)
    for gauge in hydro.GAUGES:
        storm, _ = gauge_series[gauge.id]
        levels = [env.values["water_level"] for env in storm]
        alarm = gauge.extras["alarm_levels"]
        assert max(levels) > alarm[2]  # past level III (so past II) at every gauge
        heavy_rain = next(hours_after(e) for e in storm if e.values["rainfall"] * 3600 / GAUGE_INTERVAL >= 10)
        above_one = next(hours_after(e) for e in storm if e.values["water_level"] > alarm[0])
        above_two = next(hours_after(e) for e in storm if e.values["water_level"] > alarm[1])
        crest = hours_after(storm[levels.index(max(levels))])
        assert heavy_rain < 2 and above_one - heavy_rain >= 2.5 and above_two > above_one
        assert crest >= STORM.hours  # the crest comes after the last of the rain
        assert levels[-1] < alarm[0]  # receded two days later
        assert all(env.values["water_level"] < alarm[0] for env in normal if env.source == gauge.id)


@pytest.mark.parametrize("ts", HEIGHT)
def test_roads_empty_and_slow_as_people_shelter(ts: datetime) -> None:
    storm, normal = at(traffic.readings_between, ts, STORM_RUN), at(traffic.readings_between, ts)
    assert mean(storm, "intensity") < 0.2 * mean(normal, "intensity")
    assert mean(storm, "occupancy") < 0.3 * mean(normal, "occupancy")
    assert mean(storm, "speed") < mean(normal, "speed")
    for reading, segment in zip(storm, traffic.SEGMENTS, strict=True):
        assert reading.values["speed"] < 0.75 * segment.extras["free_flow_speed"]
        assert reading.values["congested"] == 0.0  # slow but empty: nothing queues


def test_the_morning_rush_does_not_jam_in_the_storm() -> None:
    rush = START + timedelta(hours=6)  # 08:00 local
    assert sum(r.values["congested"] for r in at(traffic.readings_between, rush)) >= 3
    assert sum(r.values["congested"] for r in at(traffic.readings_between, rush, STORM_RUN)) == 0


@pytest.mark.parametrize("ts", HEIGHT)
def test_the_rain_washes_the_air(ts: datetime) -> None:
    storm, normal = at(air_quality.readings_between, ts, STORM_RUN), at(air_quality.readings_between, ts)
    for washed, usual in zip(storm, normal, strict=True):
        for metric in ("pm25", "pm10"):
            assert washed.values[metric] < 0.5 * usual.values[metric]
        assert washed.values["no2"] < usual.values["no2"] and washed.values["co"] < usual.values["co"]
        assert washed.values["o3"] <= usual.values["o3"] and washed.values["humidity"] >= usual.values["humidity"]


def test_every_record_is_valid() -> None:
    now = START + timedelta(days=3)
    for module in (air_quality, hydro, traffic):
        kind = registry()[module.FEED]
        for env in module.readings_between(SEED, START, START + timedelta(hours=48), 1800, STORM_RUN):
            assert parse_envelope(env.to_bytes(), kind, now, timedelta(0)) == env


def test_roads_and_air_are_the_normal_ones_once_the_storm_has_passed() -> None:
    over = START + timedelta(hours=STORM.hours)
    for module in (air_quality, traffic):
        after = module.readings_between(SEED, over, over + timedelta(hours=4), 600, STORM_RUN)
        assert after == module.readings_between(SEED, over, over + timedelta(hours=4), 600)
