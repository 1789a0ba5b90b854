"""VN_AQI per Decision 1459/QĐ-TCMT (2019), with the US EPA 2024 scale for PM as an option.

Pure functions: the KPI agents, the dashboard and `ioc aqi` call them. Concentrations are µg/m³.
Rules taken from ../shared/DOMAIN.md section 2; where the Decision leaves a choice to the implementer,
the choice is named here:

- a sub-index is ``(I_hi - I_lo) / (BP_hi - BP_lo) * (C - BP_lo) + I_lo`` rounded half up to an integer;
  a concentration above the highest breakpoint gives 500 (the top of the scale);
- hourly AQI: NowCast over the last 12 hours for PM2.5 and PM10, the 1-hour value for O3, NO2, SO2, CO;
- daily AQI: the 24-hour mean for PM (at least 18 of 24 hours present, 75 % completeness), the highest
  hourly value for NO2, SO2 and CO, and for O3 the higher of the sub-indices of the highest 1-hour value
  and the highest 8-hour rolling mean (a rolling mean needs 6 of its 8 hours);
- the AQI is the highest sub-index and needs PM2.5 or PM10 (the Decision requires one of them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Hours = Sequence[float | None]  # hourly values, newest first
Scale = Literal["vn", "us"]
Mode = Literal["hourly", "daily"]

POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
INDEX = (0, 50, 100, 150, 200, 300, 400, 500)
VN_BREAKPOINTS: dict[str, tuple[float, ...]] = {
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),  # 1-hour
    "o3_8h": (0, 100, 120, 170, 210, 400),  # 8-hour; above 400 the 1-hour value decides
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "co": (0, 10000, 30000, 45000, 60000, 90000, 120000, 150000),
}
# US EPA, PM NAAQS revision of 2024: (C_lo, C_hi, I_lo, I_hi); concentrations truncated to the table's precision.
US_TABLES: dict[str, tuple[tuple[float, float, int, int], ...]] = {
    "pm25": ((0.0, 9.0, 0, 50), (9.1, 35.4, 51, 100), (35.5, 55.4, 101, 150), (55.5, 125.4, 151, 200),
             (125.5, 225.4, 201, 300), (225.5, 325.4, 301, 500)),
    "pm10": ((0, 54, 0, 50), (55, 154, 51, 100), (155, 254, 101, 150), (255, 354, 151, 200),
             (355, 424, 201, 300), (425, 604, 301, 500)),
}  # fmt: skip
US_DECIMALS = {"pm25": 1, "pm10": 0}
MIN_DAILY_HOURS = 18
MIN_8H_HOURS = 6


@dataclass(frozen=True)
class Category:
    low: int
    name_vi: str
    name_en: str
    color: tuple[int, int, int]


VN_CATEGORIES = (
    Category(0, "Tốt", "Good", (0, 228, 0)),
    Category(51, "Trung bình", "Moderate", (255, 255, 0)),
    Category(101, "Kém", "Poor", (255, 126, 0)),
    Category(151, "Xấu", "Bad", (255, 0, 0)),
    Category(201, "Rất xấu", "Very bad", (143, 63, 151)),
    Category(301, "Nguy hại", "Hazardous", (126, 0, 35)),
)
US_CATEGORIES = (
    Category(0, "Tốt", "Good", (0, 228, 0)),
    Category(51, "Trung bình", "Moderate", (255, 255, 0)),
    Category(101, "Không tốt cho nhóm nhạy cảm", "Unhealthy for Sensitive Groups", (255, 126, 0)),
    Category(151, "Có hại cho sức khỏe", "Unhealthy", (255, 0, 0)),
    Category(201, "Rất có hại cho sức khỏe", "Very Unhealthy", (143, 63, 151)),
    Category(301, "Nguy hại", "Hazardous", (126, 0, 35)),
)
NO_DATA = Category(-1, "Không đủ dữ liệu", "Insufficient data", (128, 128, 128))


@dataclass(frozen=True)
class AqiResult:
    aqi: int | None
    dominant: str | None
    category: Category
    sub_indices: dict[str, int | None]
    nowcast: dict[str, float] = field(default_factory=dict)


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def vn_sub_index(breakpoints: Sequence[float], concentration: float) -> int:
    """Linear interpolation between the breakpoints around ``concentration``."""
    if concentration < 0:
        raise ValueError(f"concentration must be >= 0, got {concentration}")
    for i in range(len(breakpoints) - 1):
        lo, hi = breakpoints[i], breakpoints[i + 1]
        if concentration <= hi:
            return round_half_up((INDEX[i + 1] - INDEX[i]) / (hi - lo) * (concentration - lo) + INDEX[i])
    return 500


def us_sub_index(pollutant: str, concentration: float) -> int:
    """US EPA: truncate to the table's precision, then interpolate within the matching row."""
    if concentration < 0:
        raise ValueError(f"concentration must be >= 0, got {concentration}")
    scale = 10 ** US_DECIMALS[pollutant]
    c = math.floor(concentration * scale + 1e-9) / scale
    for c_lo, c_hi, i_lo, i_hi in US_TABLES[pollutant]:
        if c <= c_hi:
            return round_half_up((i_hi - i_lo) / (c_hi - c_lo) * (c - c_lo) + i_lo)
    return 500


def nowcast(hours: Hours) -> float | None:
    """NowCast of hourly values (newest first, the last 12 used); None unless 2 of the 3 newest exist.

    w* = min/max of the present values; w = 0.5 when w* <= 0.5, and then the Decision's simplified form
    sum(0.5^i * c_i) applies; otherwise sum(w^(i-1) c_i) / sum(w^(i-1)) over the present hours.
    """
    recent = list(hours[:12])
    if sum(value is not None for value in recent[:3]) < 2:
        return None
    present = [(i, float(c)) for i, c in enumerate(recent, start=1) if c is not None]
    low, high = min(c for _, c in present), max(c for _, c in present)
    weight = low / high if high > 0 else 1.0
    if weight <= 0.5:
        return sum(0.5**i * c for i, c in present)
    return sum(weight ** (i - 1) * c for i, c in present) / sum(weight ** (i - 1) for i, _ in present)


def daily_mean(hours: Hours) -> float | None:
    present = [float(c) for c in hours[:24] if c is not None]
    return sum(present) / len(present) if len(present) >= MIN_DAILY_HOURS else None


def rolling_8h_max(hours: Hours) -> float | None:
    """Highest 8-hour rolling mean over the given hours (each mean needs 6 of its 8 hours)."""
    means = []
    for start in range(0, max(len(hours) - 7, 0)):
        window = [float(c) for c in hours[start : start + 8] if c is not None]
        if len(window) >= MIN_8H_HOURS:
            means.append(sum(window) / len(window))
    return max(means) if means else None


def category(aqi: int | None, scale: Scale = "vn") -> Category:
    if aqi is None:
        return NO_DATA
    table = VN_CATEGORIES if scale == "vn" else US_CATEGORIES
    return [c for c in table if aqi >= c.low][-1]


def _highest(hours: Hours) -> float | None:
    present = [float(c) for c in hours if c is not None]
    return max(present) if present else None


def compute(inputs: dict[str, float | Hours], mode: Mode = "hourly", scale: Scale = "vn") -> AqiResult:
    """AQI of one station from concentrations per pollutant: a number (an hourly value, or for PM an
    already averaged one) or hourly values newest first."""
    unknown = set(inputs) - set(POLLUTANTS)
    if unknown:
        raise ValueError(f"unknown pollutants {sorted(unknown)}; use {', '.join(POLLUTANTS)}")
    subs: dict[str, int | None] = {}
    nowcasts: dict[str, float] = {}
    for pollutant, given in inputs.items():
        hours: Hours = [given] if isinstance(given, int | float) else given
        if scale == "us" and pollutant not in US_TABLES:
            subs[pollutant] = None  # the US scale is offered for particulate matter only
            continue
        if pollutant in ("pm25", "pm10"):
            if isinstance(given, int | float):
                concentration: float | None = float(given)
            elif mode == "hourly":
                concentration = nowcast(hours)
                if concentration is not None:
                    nowcasts[pollutant] = round(concentration, 2)
            else:
                concentration = daily_mean(hours)
        elif mode == "hourly":
            newest = hours[0] if hours else None
            concentration = None if newest is None else float(newest)
        else:
            concentration = _highest(hours[:24])
        if concentration is None:
            subs[pollutant] = None
            continue
        if scale == "us":
            subs[pollutant] = us_sub_index(pollutant, concentration)
            continue
        sub = vn_sub_index(VN_BREAKPOINTS[pollutant], concentration)
        if pollutant == "o3" and mode == "daily":
            eight = rolling_8h_max(hours[:24])
            if eight is not None and eight <= VN_BREAKPOINTS["o3_8h"][-1]:
                sub = max(sub, vn_sub_index(VN_BREAKPOINTS["o3_8h"], eight))
        subs[pollutant] = sub
    present = {p: s for p, s in subs.items() if s is not None}
    if not ({"pm25", "pm10"} & set(present)):
        return AqiResult(None, None, NO_DATA, subs, nowcasts)
    dominant = max(present, key=lambda p: (present[p], -POLLUTANTS.index(p)))
    aqi = present[dominant]
    return AqiResult(aqi, dominant, category(aqi, scale), subs, nowcasts)


class AqiInputError(ValueError):
    """A request to `ioc aqi` is malformed; the message names the field."""


def parse_request(body: object) -> tuple[dict[str, float | Hours], Mode, Scale]:
    """Check the JSON contract of `ioc aqi` (see README) and return compute()'s arguments."""
    if not isinstance(body, dict):
        raise AqiInputError("input must be a JSON object of pollutant: value")
    mode = body.get("mode", "hourly")
    scale = body.get("scale", "vn")
    if mode not in ("hourly", "daily"):
        raise AqiInputError(f"mode: must be 'hourly' or 'daily', got {mode!r}")
    if scale not in ("vn", "us"):
        raise AqiInputError(f"scale: must be 'vn' or 'us', got {scale!r}")
    inputs: dict[str, float | Hours] = {}
    for name, value in body.items():
        if name in ("mode", "scale"):
            continue
        if name not in POLLUTANTS:
            raise AqiInputError(f"{name}: unknown pollutant; use {', '.join(POLLUTANTS)}")
        if isinstance(value, list):
            if not 1 <= len(value) <= 24:
                raise AqiInputError(f"{name}: a list needs 1 to 24 hourly values (newest first)")
            for i, item in enumerate(value):
                if item is not None and not _concentration(item):
                    raise AqiInputError(f"{name}[{i}]: must be a number >= 0 or null, got {item!r}")
            inputs[name] = [None if item is None else float(item) for item in value]
        elif _concentration(value):
            inputs[name] = float(value)
        else:
            raise AqiInputError(f"{name}: must be a number >= 0 or a list of hourly values, got {value!r}")
    if not inputs:
        raise AqiInputError("no pollutant given; use " + ", ".join(POLLUTANTS))
    return inputs, mode, scale


def _concentration(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def to_json(result: AqiResult) -> dict[str, object]:
    """The output contract of `ioc aqi`."""
    return {
        "aqi": result.aqi,
        "dominant": result.dominant,
        "category": result.category.name_vi,
        "category_en": result.category.name_en,
        "color": list(result.category.color),
        "sub_indices": result.sub_indices,
        "nowcast": result.nowcast,
    }
