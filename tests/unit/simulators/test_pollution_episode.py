"""The pollution-episode scenario against the normal run at the same seed and times: PM builds up to an hourly
VN_AQI "Xấu" at the worst stations, first in the city centre, every record stays valid, and the readings
are the normal ones again once the episode has passed."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from ioc.envelope import Envelope, parse_envelope
from ioc.feeds import registry
from ioc.indicators import aqi
from simulators.air_quality import SMOG, STATIONS, readings_between, smog_lag_hours
from simulators.scenario import Scenario

SEED = 42
START = datetime(2026, 11, 23, 17, tzinfo=UTC)  # Tue 24 Nov 00:00 in Asia/Ho_Chi_Minh
EPISODE = Scenario("pollution-episode", START)
SPAN = timedelta(hours=40)
HISTORY = timedelta(hours=12)  # NowCast looks 12 hours back
Hourly = dict[str, dict[int, list[Envelope]]]  # source -> hours since START -> readings


def hourly(readings: list[Envelope]) -> Hourly:
    by: Hourly = defaultdict(lambda: defaultdict(list))
    for env in readings:
        by[env.source][int((env.ts - START).total_seconds() // 3600)].append(env)
    return by


def mean(readings: list[Envelope], metric: str) -> float:
    return sum(env.values[metric] for env in readings) / len(readings)


def vn_aqi(by: Hourly, source: str, hour: int) -> aqi.AqiResult:
    """The hourly VN_AQI at the end of ``hour``: NowCast of the hourly means of the last 12 hours."""
    hours = [by[source][hour - back] for back in range(12)]
    return aqi.compute({metric: [mean(h, metric) for h in hours] for metric in ("pm25", "pm10")})


@pytest.fixture(scope="module")
def runs() -> tuple[Hourly, Hourly]:
    episode = readings_between(SEED, START - HISTORY, START + SPAN, 600, EPISODE)
    normal = readings_between(SEED, START - HISTORY, START + SPAN, 600)
    return hourly(episode), hourly(normal)


@pytest.mark.parametrize("hour", [10, 12, 14])  # the height of the episode over the city centre
def test_the_worst_station_reaches_xau_at_the_height(runs: tuple[Hourly, Hourly], hour: int) -> None:
    episode, normal = runs
    worst = max((vn_aqi(episode, s.id, hour) for s in STATIONS), key=lambda r: r.aqi or 0)
    assert worst.category.name_vi == "Xấu" and 151 <= (worst.aqi or 0) <= 200
    assert worst.dominant == "pm25"
    usual_worst = max(vn_aqi(normal, s.id, hour).aqi or 0 for s in STATIONS)
    assert usual_worst <= 100  # the same hours without the episode: at most Trung bình
    poor = [s.id for s in STATIONS if (vn_aqi(episode, s.id, hour).aqi or 0) > 100]
    assert len(poor) >= len(STATIONS) // 2  # Kém or worse at half the stations


def test_pm_rises_everywhere_and_the_gases_somewhat(runs: tuple[Hourly, Hourly]) -> None:
    episode, normal = runs
    for station in STATIONS:
        at_height = 12 + round(smog_lag_hours(station))
        smog, usual = episode[station.id][at_height], normal[station.id][at_height]
        pm_ratio = mean(smog, "pm25") / mean(usual, "pm25")
        assert pm_ratio > 2.0
        assert mean(smog, "pm10") > 2.0 * mean(usual, "pm10")
        for gas in ("no2", "co"):
            assert 1.3 < mean(smog, gas) / mean(usual, gas) < pm_ratio
        assert mean(smog, "so2") == mean(usual, "so2")  # not a traffic pollutant


def test_no_station_goes_past_xau(runs: tuple[Hourly, Hourly]) -> None:
    episode, _ = runs
    assert max(vn_aqi(episode, s.id, hour).aqi or 0 for s in STATIONS for hour in range(0, 40)) <= 200


def test_the_traffic_heavy_centre_first_the_outskirts_later(runs: tuple[Hourly, Hourly]) -> None:
    episode, normal = runs

    def first_doubled(source: str) -> int:
        return next(h for h in range(40) if mean(episode[source][h], "pm25") > 2 * mean(normal[source][h], "pm25"))

    centre, far = "HUE-AQ-09", "HUE-AQ-08"  # Đông Ba market, Chân Mây port
    assert first_doubled(far) - first_doubled(centre) >= 4

    def peak(source: str) -> int:
        return max(vn_aqi(episode, source, hour).aqi or 0 for hour in range(40))

    by_level = sorted(STATIONS, key=lambda s: s.base_pm25)  # the traffic-heavy wards have the highest level
    assert peak(by_level[-1].id) > 150 > 100 > peak(by_level[0].id)


def test_every_record_is_valid_and_repeatable() -> None:
    kind = registry()["air_quality"]
    readings = readings_between(SEED, START, START + SPAN, 900, EPISODE)
    for env in readings:
        assert parse_envelope(env.to_bytes(), kind, START + timedelta(days=3), timedelta(0)) == env
        assert env.values["pm10"] >= env.values["pm25"]
    assert readings == readings_between(SEED, START, START + SPAN, 900, EPISODE)


def test_after_the_episode_the_readings_are_the_normal_ones() -> None:
    over = START + timedelta(hours=SMOG.hours + max(smog_lag_hours(s) for s in STATIONS))
    before = readings_between(SEED, START - timedelta(hours=2), START, 300, EPISODE)
    after = readings_between(SEED, over, over + timedelta(hours=6), 300, EPISODE)
    assert before == readings_between(SEED, START - timedelta(hours=2), START, 300)
    assert after == readings_between(SEED, over, over + timedelta(hours=6), 300)
