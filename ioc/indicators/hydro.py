"""Water indicators of a hydrological gauge (DOMAIN.md section 3; Decisions 05/2020/QĐ-TTg, 18/2021/QĐ-TTg).

Pure functions over a gauge's readings; the KPI agent runs them live (streams/gauge_status.py). Rules,
and where the regulations leave a choice, the choice made:

- the alarm level reached is the highest of I, II, III the water is at or above (0 below I), from the
  gauge's own ``alarm_levels`` (metadata);
- the rate of rise (cm/h) is taken from the reading an hour before to the newest: the oldest reading of
  the last hour, and none when that one is less than 30 minutes old (too short to tell);
- the time to the next alarm level is that distance over the rate, when the water rises and is below
  level III;
- each reading's rainfall fell in the interval ending at its time, so an accumulation over N hours is the
  sum of the readings in (now - N h, now];
- rainfall intensity classes: over 24 h light < 16 mm, moderate 16-50, heavy 51-100, very heavy > 100;
  over 12 h light < 8, moderate 8-25, heavy 26-50, very heavy > 50. The bands are written in whole
  millimetres; gauges report tenths, so a value between two bands (50.4 mm) belongs to the upper one:
  heavy is more than 50 mm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ioc.sources import Source

HOUR = 3600.0
RATE_OVER = HOUR
RATE_MIN_SPAN = HOUR / 2
ACCUMULATIONS = (1, 3, 12, 24)  # hours
RAIN_CLASSES = ("light", "moderate", "heavy", "very_heavy")
RAIN_BOUNDS = {24: (16.0, 50.0, 100.0), 12: (8.0, 25.0, 50.0)}  # moderate from, moderate up to, heavy up to


@dataclass(frozen=True)
class Reading:
    at: float  # epoch seconds
    level: float | None  # m
    rain: float | None  # mm since the previous reading


def alarm_levels_of(gauge: Source | None) -> list[float]:
    """A gauge's alarm levels I, II, III from its metadata; none for a gauge without them."""
    return [float(x) for x in gauge.extras.get("alarm_levels", [])] if gauge is not None else []


def alarm_level(level: float, alarm_levels: Sequence[float]) -> int:
    """0 below alarm level I, else the highest of I, II, III the water is at or above."""
    return sum(1 for threshold in alarm_levels if level >= threshold)


def rate_cm_per_hour(readings: Sequence[Reading]) -> float | None:
    """Rise (negative: fall) from the reading an hour before the newest to the newest, in cm/h."""
    levels = [r for r in readings if r.level is not None]
    if not levels:
        return None
    newest = max(levels, key=lambda r: r.at)
    window = [r for r in levels if newest.at - RATE_OVER <= r.at < newest.at]
    if not window:
        return None
    first = min(window, key=lambda r: r.at)
    if newest.at - first.at < RATE_MIN_SPAN:
        return None
    assert newest.level is not None and first.level is not None
    return (newest.level - first.level) * 100 / ((newest.at - first.at) / HOUR)


def hours_to_next_level(level: float, rate_cm_h: float | None, alarm_levels: Sequence[float]) -> float | None:
    """Hours until the next alarm level at the current rate; None when falling, still, or above level III."""
    above = [threshold for threshold in alarm_levels if threshold > level]
    if not above or rate_cm_h is None or rate_cm_h <= 0:
        return None
    return (min(above) - level) * 100 / rate_cm_h


def rain_over(readings: Sequence[Reading], now: float, hours: int) -> float:
    """Rainfall (mm) of the readings in (now - hours, now]."""
    return sum(r.rain for r in readings if r.rain is not None and now - hours * HOUR < r.at <= now)


def rain_class(mm: float, hours: int) -> str:
    """light, moderate, heavy or very_heavy for an accumulation over 24 or 12 hours."""
    moderate_from, moderate_up_to, heavy_up_to = RAIN_BOUNDS[hours]
    if mm < moderate_from:
        return RAIN_CLASSES[0]
    return RAIN_CLASSES[1 + (mm > moderate_up_to) + (mm > heavy_up_to)]


def status(readings: Sequence[Reading], alarm_levels: Sequence[float]) -> dict[str, Any] | None:
    """A gauge's state at its newest reading: level, alarm level, rate, time to the next level, rainfall
    accumulations and classes. None without a water level."""
    levels = [r for r in readings if r.level is not None]
    if not levels:
        return None
    newest = max(levels, key=lambda r: r.at)
    assert newest.level is not None
    rate = rate_cm_per_hour(readings)
    hours = hours_to_next_level(newest.level, rate, alarm_levels)
    rain = {f"{h}h": round(rain_over(readings, newest.at, h), 1) for h in ACCUMULATIONS}
    return {
        "level": newest.level,
        "alarm": alarm_level(newest.level, alarm_levels),
        "rate_cm_h": None if rate is None else round(rate, 1),
        "hours_to_next": None if hours is None else round(hours, 2),
        "rain_mm": rain,
        "rain_class_12h": rain_class(rain["12h"], 12),
        "rain_class_24h": rain_class(rain["24h"], 24),
    }
