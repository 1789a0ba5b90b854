"""Traffic simulator: flow, occupancy, speed per road segment, deterministic from (seed, segment, time).

Demand follows the local rush hours (7-9h and 16:30-19h on working days, a flatter day at weekends),
scaled per segment (some roads saturate at the peaks, others never). Speed and flow follow Greenshields'
speed-density model: below capacity, traffic is on the free branch (speed between free-flow and half of
it); demand above capacity forms a queue, so flow drops and speed falls on the congested branch.
Occupancy follows from the density. A segment reports itself congested below half its free-flow speed.

``storm``: the roads empty rather than jam. When a typhoon makes landfall the province orders people to
stay home (schools and offices shut, boats and trucks kept off the roads), so demand falls by 85 % at the
height of the storm (simulators.scenario.STORM); the few vehicles left drive a third slower than usual
through the rain, the gusts and the debris. Flow and occupancy collapse, speeds drop, yet hardly a
segment reports itself congested: nothing queues.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import cache

import numpy as np

from ioc.envelope import Envelope, default_id
from ioc.sources import Source, of_feed
from simulators.air_quality import LOCAL
from simulators.clock import ticks
from simulators.scenario import NORMAL, Scenario, storm_strength

FEED = "traffic"
SEGMENTS: tuple[Source, ...] = of_feed(FEED)
VEHICLE_LENGTH_KM = 0.006  # effective length a detector sees (vehicle + gap at standstill), mixed traffic
STORM_SHELTER = 0.85  # share of the trips given up at the height of the storm: people shelter at home
STORM_SLOWDOWN = 0.35  # share of the speed lost to rain, gusts and debris at the height of the storm


def demand(local: datetime) -> float:
    """Share of capacity wanted at this local time: rush-hour peaks on weekdays, night lull."""
    hour = local.hour + local.minute / 60
    base = 0.12 + 0.45 * math.exp(-((hour - 13.0) ** 2) / 30.0)
    if local.weekday() >= 5:
        return base * 1.1
    morning = 0.55 * math.exp(-((hour - 7.75) ** 2) / 0.8)
    evening = 0.6 * math.exp(-((hour - 17.6) ** 2) / 1.0)
    return base + morning + evening


def flow_and_speed(free_flow: float, capacity: float, ratio: float) -> tuple[float, float]:
    """Flow (veh/h) and mean speed (km/h) at a demand/capacity ratio, by Greenshields' model
    (q = v_f k (1 - k/k_j), capacity at half the free-flow speed)."""
    if ratio < 1.0:
        return capacity * ratio, free_flow * (1 + math.sqrt(1 - ratio)) / 2
    served = max(0.3, 2.0 - ratio)  # a queue discharges below capacity, less the longer it is
    return capacity * served, free_flow * (1 - math.sqrt(1 - served)) / 2


@cache
def peak_scale(seed: int, index: int) -> float:
    """How hard a segment's peaks press on its capacity: a fixed trait of the segment (computed once: a
    generator per reading was a tenth of the simulators' time at 2,000 records/s)."""
    return float(np.random.default_rng([seed, 2000 + index]).uniform(0.75, 1.25))


def reading(seed: int, index: int, segment: Source, ts: datetime, scenario: Scenario = NORMAL) -> Envelope:
    rng = np.random.default_rng([seed, 2000 + index, int(ts.timestamp())])
    capacity, free_flow = float(segment.extras["capacity"]), float(segment.extras["free_flow_speed"])
    storm = storm_strength(scenario, ts)
    ratio = demand(ts.astimezone(LOCAL)) * peak_scale(seed, index) * rng.lognormal(0.0, 0.08)
    intensity, speed = flow_and_speed(free_flow, capacity, ratio * (1.0 - STORM_SHELTER * storm))
    speed = max(3.0, speed * rng.lognormal(0.0, 0.04) * (1.0 - STORM_SLOWDOWN * storm))
    density = intensity / speed / int(segment.extras["lanes"])  # vehicles per km and lane
    ts = ts.astimezone(UTC)
    return Envelope(
        feed=FEED,
        source=segment.id,
        ts=ts,
        values={
            "intensity": round(intensity),
            "occupancy": round(min(100.0, 100.0 * density * VEHICLE_LENGTH_KM), 1),
            "speed": round(speed, 1),
            "congested": 1.0 if speed < free_flow / 2 else 0.0,
        },
        id=default_id(segment.id, FEED, ts),
        unit_code=segment.unit_code,
        geo={"lat": segment.lat, "lon": segment.lon},
    )


def readings_between(
    seed: int,
    start: datetime,
    end: datetime,
    interval: float,
    scenario: Scenario = NORMAL,
    segments: tuple[Source, ...] = SEGMENTS,
) -> list[Envelope]:
    """Every segment's readings in [start, end), oldest first."""
    return [
        reading(seed, i, segment, ts, scenario)
        for ts in ticks(start, end, interval)
        for i, segment in enumerate(segments)
    ]
