"""Hydrological simulator: water level and rainfall per gauge, deterministic from (seed, gauge, time).

``normal``: levels breathe around a dry-season base (below alarm level I) with a tidal ripple and
drizzle. ``flood``: from the scenario's start, 10 h of heavy rain (≈ 15 mm/h) and a river that follows
with a lag: the level rises for 12 h to 0.4 m above the gauge's alarm level III, then recedes over 24 h
to its base, so each alarm level is crossed going up and again going down.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from ioc.envelope import Envelope, default_id
from ioc.sources import Source, of_feed
from simulators.clock import ticks
from simulators.scenario import NORMAL, Scenario

FEED = "hydro"
RISE_HOURS, FALL_HOURS, RAIN_HOURS = 12.0, 24.0, 10.0
PEAK_MARGIN = 0.4  # m above alarm level III at the crest
GAUGES: tuple[Source, ...] = of_feed(FEED)


def smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def base_level(gauge: Source) -> float:
    return float(gauge.extras["alarm_levels"][0]) - 0.8


def peak_level(gauge: Source) -> float:
    return float(gauge.extras["alarm_levels"][2]) + PEAK_MARGIN


def flood_level(gauge: Source, hours: float) -> float:
    """The flood hydrograph: up over RISE_HOURS, down over FALL_HOURS (no noise)."""
    base, peak = base_level(gauge), peak_level(gauge)
    if hours <= RISE_HOURS:
        return base + (peak - base) * smoothstep(hours / RISE_HOURS)
    return peak - (peak - base) * smoothstep((hours - RISE_HOURS) / FALL_HOURS)


def reading(seed: int, index: int, gauge: Source, ts: datetime, interval: float, scenario: Scenario) -> Envelope:
    rng = np.random.default_rng([seed, 1000 + index, int(ts.timestamp())])
    hours = scenario.hours_in(ts, "flood")
    tide = 0.05 * math.sin(2 * math.pi * ts.timestamp() / (12.42 * 3600))
    if hours is None:
        level = base_level(gauge) + tide + rng.normal(0.0, 0.005)
        rain_per_hour = max(0.0, rng.normal(0.0, 0.3))
    else:
        level = flood_level(gauge, hours) + tide + rng.normal(0.0, 0.005)
        rain_per_hour = 15.0 * rng.lognormal(0.0, 0.2) if hours < RAIN_HOURS else max(0.0, rng.normal(0.2, 0.3))
    ts = ts.astimezone(UTC)
    return Envelope(
        feed=FEED,
        source=gauge.id,
        ts=ts,
        values={"water_level": round(level, 3), "rainfall": round(rain_per_hour * interval / 3600, 2)},
        id=default_id(gauge.id, FEED, ts),
        unit_code=gauge.unit_code,
        geo={"lat": gauge.lat, "lon": gauge.lon},
    )


def readings_between(
    seed: int,
    start: datetime,
    end: datetime,
    interval: float,
    scenario: Scenario = NORMAL,
    gauges: tuple[Source, ...] = GAUGES,
) -> list[Envelope]:
    """Every gauge's readings in [start, end), oldest first."""
    return [
        reading(seed, i, gauge, ts, interval, scenario)
        for ts in ticks(start, end, interval)
        for i, gauge in enumerate(gauges)
    ]
