"""Air-quality simulator: PM2.5 and PM10 per station, deterministic from (seed, station, time).

A reading depends only on the seed, the station and the event time, never on when the simulator was
started, so a replay or a restart produces the same values and the same record ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from ioc.envelope import Envelope, default_id
from ioc.sources import of_feed
from simulators.clock import ticks

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
FEED = "air_quality"


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    unit_code: str
    lat: float
    lon: float
    base_pm25: float  # typical µg/m³ of the place: traffic-heavy wards are higher


# The stations of the shipped metadata (ioc/data/sources/air_quality.yaml), with their simulated baseline.
STATIONS: tuple[Station, ...] = tuple(
    Station(s.id, s.name, s.unit_code, s.lat, s.lon, float(s.extras["sim_base_pm25"])) for s in of_feed(FEED)
)


def diurnal(local: datetime) -> float:
    """Multiplier for the time of day: morning (7-9h) and evening (17-20h) traffic peaks, clean afternoons."""
    hour = local.hour + local.minute / 60
    morning = math.exp(-((hour - 8.0) ** 2) / 2.0)
    evening = math.exp(-((hour - 18.5) ** 2) / 3.0)
    return 0.7 + 0.6 * morning + 0.7 * evening


def sunshine(local: datetime) -> float:
    """0 at night, 1 at solar noon: drives photochemical ozone and the temperature."""
    hour = local.hour + local.minute / 60
    return max(0.0, math.sin(math.pi * (hour - 6) / 12))


def reading(seed: int, index: int, station: Station, ts: datetime) -> Envelope:
    """The envelope station ``index`` reports at ``ts``: traffic pollutants follow the rush hours,
    ozone the sun, sulphur dioxide stays low; temperature and humidity move against each other."""
    rng = np.random.default_rng([seed, index, int(ts.timestamp())])
    local = ts.astimezone(LOCAL)
    traffic = diurnal(local)
    sun = sunshine(local)
    pm25 = station.base_pm25 * traffic * rng.lognormal(0.0, 0.15)
    temperature = 22.0 + 8.0 * sun + rng.normal(0.0, 0.3)
    values = {
        "pm25": pm25,
        "pm10": pm25 * rng.uniform(1.4, 2.0),
        "o3": (30.0 + 110.0 * sun) * rng.lognormal(0.0, 0.1),
        "no2": station.base_pm25 * 1.2 * traffic * rng.lognormal(0.0, 0.15),
        "so2": 8.0 * rng.lognormal(0.0, 0.2),
        "co": station.base_pm25 * 40.0 * traffic * rng.lognormal(0.0, 0.1),
        "temperature": temperature,
        "humidity": min(100.0, 95.0 - 2.5 * (temperature - 22.0) + rng.normal(0.0, 1.0)),
    }
    ts = ts.astimezone(UTC)
    return Envelope(
        feed=FEED,
        source=station.id,
        ts=local,
        values={name: round(value, 1) for name, value in values.items()},
        id=default_id(station.id, FEED, ts),
        unit_code=station.unit_code,
        geo={"lat": station.lat, "lon": station.lon},
    )


def readings_between(
    seed: int, start: datetime, end: datetime, interval: float, stations: tuple[Station, ...] = STATIONS
) -> list[Envelope]:
    """Every station's readings in [start, end), oldest first."""
    return [reading(seed, i, station, ts) for ts in ticks(start, end, interval) for i, station in enumerate(stations)]
