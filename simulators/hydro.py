"""Hydrological simulator: water level and rainfall per gauge, deterministic from (seed, gauge, time).

``normal``: levels breathe around a dry-season base (below alarm level I) with a tidal ripple and
drizzle. ``flood``: from the scenario's start, 10 h of heavy rain (≈ 15 mm/h) and a river that follows
with a lag: the level rises for 12 h to 0.4 m above the gauge's alarm level III, then recedes over 24 h
to its base, so each alarm level is crossed going up and again going down.
``storm``: a typhoon's rain (simulators.scenario.STORM): up to ≈ 30 mm/h for 12 h in bands that sweep over
each gauge every 1.5 h (from half to one and a half times the mean), ≈ 270 mm in all, more than the flood's
150 mm; the catchments answer 3 h after the first bands: the level rises for 9 h to 0.6 m above alarm
level III, stays there 3 h while the last rain drains, then recedes over 30 h.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import cache

import numpy as np

from ioc.envelope import Envelope, default_id
from ioc.sources import Source, of_feed
from simulators.clock import ticks
from simulators.scenario import NORMAL, STORM, Episode, Scenario

FEED = "hydro"
RISE_HOURS, FALL_HOURS, RAIN_HOURS = 12.0, 24.0, 10.0
PEAK_MARGIN = 0.4  # m above alarm level III at the flood's crest
FLOOD_RIVER = Episode(rise=RISE_HOURS, hold=0.0, fall=FALL_HOURS)
STORM_RAIN_MM_H = 30.0  # mean rain at the height of the storm
RAIN_BAND_HOURS = 1.5  # a typhoon's spiral rain bands pass over a gauge this often
STORM_RIVER_LAG_HOURS = 3.0  # from the first rain bands to the rivers' first rise
STORM_RIVER = Episode(rise=9.0, hold=3.0, fall=30.0)
STORM_PEAK_MARGIN = 0.6  # m above alarm level III at the storm's crest: more rain than the flood's
GAUGES: tuple[Source, ...] = of_feed(FEED)


def base_level(gauge: Source) -> float:
    return float(gauge.extras["alarm_levels"][0]) - 0.8


def peak_level(gauge: Source, margin: float = PEAK_MARGIN) -> float:
    return float(gauge.extras["alarm_levels"][2]) + margin


def flood_level(gauge: Source, hours: float) -> float:
    """The flood hydrograph: up over RISE_HOURS, down over FALL_HOURS (no noise)."""
    return base_level(gauge) + (peak_level(gauge) - base_level(gauge)) * FLOOD_RIVER.at(hours)


def storm_level(gauge: Source, hours: float) -> float:
    """The storm hydrograph: the river answers the rain STORM_RIVER_LAG_HOURS late (no noise)."""
    base, crest = base_level(gauge), peak_level(gauge, STORM_PEAK_MARGIN)
    return base + (crest - base) * STORM_RIVER.at(hours - STORM_RIVER_LAG_HOURS)


@cache
def rain_band_phase(seed: int, index: int) -> float:
    """When the rain bands pass over a gauge, in hours within a band's period: a fixed trait of the gauge."""
    return float(np.random.default_rng([seed, 1000 + index]).uniform(0.0, RAIN_BAND_HOURS))


def rain_band(hours: float, phase: float) -> float:
    """Multiplier of the storm's mean rain as the bands pass: 0.5 between two bands, 1.5 under one, mean 1."""
    return 1.0 + 0.5 * math.sin(2 * math.pi * (hours + phase) / RAIN_BAND_HOURS)


def reading(seed: int, index: int, gauge: Source, ts: datetime, interval: float, scenario: Scenario) -> Envelope:
    rng = np.random.default_rng([seed, 1000 + index, int(ts.timestamp())])
    flood, storm = scenario.hours_in(ts, "flood"), scenario.hours_in(ts, "storm")
    tide = 0.05 * math.sin(2 * math.pi * ts.timestamp() / (12.42 * 3600))
    if flood is not None:
        level = flood_level(gauge, flood) + tide + rng.normal(0.0, 0.005)
        rain_per_hour = 15.0 * rng.lognormal(0.0, 0.2) if flood < RAIN_HOURS else max(0.0, rng.normal(0.2, 0.3))
    elif storm is not None:
        level = storm_level(gauge, storm) + tide + rng.normal(0.0, 0.005)
        strength = STORM.at(storm)
        if strength > 0:
            rain_per_hour = STORM_RAIN_MM_H * strength * rain_band(storm, rain_band_phase(seed, index))
            rain_per_hour *= rng.lognormal(0.0, 0.2)
        else:
            rain_per_hour = max(0.0, rng.normal(0.2, 0.3))
    else:
        level = base_level(gauge) + tide + rng.normal(0.0, 0.005)
        rain_per_hour = max(0.0, rng.normal(0.0, 0.3))
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
