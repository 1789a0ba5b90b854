"""The hydro simulator: valid records, deterministic, and a flood that crosses every alarm level."""

from datetime import UTC, datetime, timedelta

from ioc.envelope import parse_envelope
from ioc.feeds import registry
from simulators.hydro import GAUGES, PEAK_MARGIN, RISE_HOURS, readings_between
from simulators.scenario import Scenario

START = datetime(2026, 11, 1, tzinfo=UTC)
FLOOD = Scenario("flood", START)


def test_every_reading_passes_validation_and_is_deterministic() -> None:
    kind = registry()["hydro"]
    readings = readings_between(5, START, START + timedelta(hours=40), 900, FLOOD)
    assert len(readings) == len(GAUGES) * 160
    for env in readings:
        assert parse_envelope(env.to_bytes(), kind, START + timedelta(days=3), timedelta(0)) == env
    assert readings == readings_between(5, START, START + timedelta(hours=40), 900, FLOOD)


def test_normal_stays_below_alarm_level_one() -> None:
    for env in readings_between(5, START, START + timedelta(days=2), 1800):
        gauge = next(g for g in GAUGES if g.id == env.source)
        assert env.values["water_level"] < gauge.extras["alarm_levels"][0]


def test_the_flood_peaks_above_level_three_after_the_rise_then_recedes() -> None:
    for gauge in GAUGES:
        series = readings_between(5, START, START + timedelta(hours=40), 600, FLOOD, (gauge,))
        levels = [env.values["water_level"] for env in series]
        peak_at = series[levels.index(max(levels))].ts
        alarm = gauge.extras["alarm_levels"]
        assert abs((peak_at - START) - timedelta(hours=RISE_HOURS)) <= timedelta(hours=1)
        assert max(levels) > alarm[2] + PEAK_MARGIN - 0.1
        assert levels[-1] < alarm[0]
        assert sum(env.values["rainfall"] for env in series[:60]) > 100  # ~15 mm/h for the first 10 h
