"""Air-quality simulator: PM2.5 and PM10 per station, deterministic from (seed, station, time).

A reading depends only on the seed, the station and the event time, never on when the simulator was
started, so a replay or a restart produces the same values and the same record ids.

``pollution-episode``: a temperature inversion with hardly any wind settles over the city (the smoke of
straw burnt in the fields adds to it). Exhaust is no longer carried away: on top of the usual daily
cycle, PM2.5 and PM10 gain 2.2 times a station's typical level, NO2 0.8 times and CO once, building up over
8 h, holding 8 h, easing over 8 h (SMOG). It starts over the city centre and reaches each station later by
its distance at a slow drift of 8 km/h (Kim Long ½ h, Phú Bài 1¾ h, Chân Mây 6 h). The traffic-heavy
wards (typical PM2.5 of 28 µg/m³ and more) reach an hourly VN_AQI "Xấu" (151-200), the others "Trung bình"
or "Kém"; a day and a half after the start every reading is the normal one again.
``storm``: the typhoon's rain washes the particles out (PM down by 70 % at its height), the roads empty
(NO2 and CO down by 60 %), clouds hide the sun (less ozone, cooler, damper air); see simulators.scenario.STORM.
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
from simulators.scenario import NORMAL, Episode, Scenario, storm_strength

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
FEED = "air_quality"
SMOG = Episode(rise=8.0, hold=8.0, fall=8.0)
SMOG_PM = 2.2  # extra PM at the height of the episode, in multiples of the station's typical level
SMOG_NO2, SMOG_CO = 0.8, 1.0  # the gases gain less: the straw smoke adds particles and CO, hardly NO2
SMOG_CENTRE = (16.4667, 107.5900)  # Trường Tiền bridge: the densest traffic, where the episode begins
SMOG_DRIFT_KMH = 8.0  # how fast the episode spreads outwards in the light wind
WASHOUT = 0.7  # share of PM the storm's rain removes at its height
STORM_TRAFFIC_DROP = 0.6  # share of the exhaust gases gone with the traffic when people shelter
STORM_CLOUD = 0.8  # share of the sunshine the storm's clouds hide


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


def smog_lag_hours(station: Station) -> float:
    """How long after the city centre the pollution episode reaches ``station``: it drifts outwards."""
    lat, lon = SMOG_CENTRE
    north_km = (station.lat - lat) * 110.57
    east_km = (station.lon - lon) * 111.32 * math.cos(math.radians(lat))
    return math.hypot(north_km, east_km) / SMOG_DRIFT_KMH


def smog_strength(scenario: Scenario, station: Station, ts: datetime) -> float:
    """How thick the pollution episode is at ``station`` at ``ts`` (0 to 1); 0 in every other scenario."""
    hours = scenario.hours_in(ts, "pollution-episode")
    return 0.0 if hours is None else SMOG.at(hours - smog_lag_hours(station))


def reading(seed: int, index: int, station: Station, ts: datetime, scenario: Scenario = NORMAL) -> Envelope:
    """The envelope station ``index`` reports at ``ts``: traffic pollutants follow the rush hours,
    ozone the sun, sulphur dioxide stays low; temperature and humidity move against each other.
    A scenario changes the values only, never the random draws, so a reading outside its story is the
    normal one."""
    rng = np.random.default_rng([seed, index, int(ts.timestamp())])
    local = ts.astimezone(LOCAL)
    traffic = diurnal(local)
    smog = smog_strength(scenario, station, ts)
    storm = storm_strength(scenario, ts)
    sun = sunshine(local) * (1.0 - STORM_CLOUD * storm)
    washed, sheltered = 1.0 - WASHOUT * storm, 1.0 - STORM_TRAFFIC_DROP * storm
    pm25 = station.base_pm25 * (traffic + SMOG_PM * smog) * rng.lognormal(0.0, 0.15) * washed
    temperature = 22.0 + 8.0 * sun + rng.normal(0.0, 0.3)
    values = {
        "pm25": pm25,
        "pm10": pm25 * rng.uniform(1.4, 2.0),
        "o3": (30.0 + 110.0 * sun) * rng.lognormal(0.0, 0.1),
        "no2": station.base_pm25 * 1.2 * (traffic + SMOG_NO2 * smog) * rng.lognormal(0.0, 0.15) * sheltered,
        "so2": 8.0 * rng.lognormal(0.0, 0.2),
        "co": station.base_pm25 * 40.0 * (traffic + SMOG_CO * smog) * rng.lognormal(0.0, 0.1) * sheltered,
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
    seed: int,
    start: datetime,
    end: datetime,
    interval: float,
    scenario: Scenario = NORMAL,
    stations: tuple[Station, ...] = STATIONS,
) -> list[Envelope]:
    """Every station's readings in [start, end), oldest first."""
    return [
        reading(seed, i, station, ts, scenario)
        for ts in ticks(start, end, interval)
        for i, station in enumerate(stations)
    ]
