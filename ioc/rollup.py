"""Indicators rolled up per admin unit or per province, from each source's newest status (pure).

A row's admin unit is its ``unit_code`` (e.g. ``HUE.PHUHOI``; the province is the part before the first
dot), or the source's own in its metadata when the record carried none (an NGSI-LD entity, say). An
area's figures come from the newest row of each of its sources, if recent enough to
describe now (``FRESH``): a station silent for a day says nothing of the air today.

- air: stations, the highest hourly VN_AQI and its category, the station that has it;
- water: gauges, the highest alarm level reached, the fastest rise (cm/h);
- traffic: segments per level of service, segments congested now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from ioc.indicators.aqi import category

Level = Literal["unit", "province"]
FRESH = {  # how old a source's newest status may be and still count
    "vn_aqi_1h": timedelta(hours=2),
    "water_status": timedelta(hours=1),
    "traffic_status": timedelta(minutes=30),  # a segment's status is re-sent every 15 minutes
}


def area_of(unit_code: str | None, level: Level) -> str | None:
    if not unit_code:
        return None
    return unit_code.split(".", 1)[0] if level == "province" else unit_code


def _at(row: Mapping[str, Any]) -> datetime:
    """A row's end, as the dashboard's queries give it (ISO text)."""
    return datetime.fromisoformat(row["window_end"])


def rollup(
    rows: Iterable[Mapping[str, Any]], now: datetime, level: Level, units: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Per area (sorted by code), the air, water and traffic figures of its sources' fresh statuses; ``units``:
    each source's admin unit from its metadata, for rows without one."""
    areas: dict[str, dict[str, Any]] = {}
    for row in rows:
        fresh = FRESH.get(row["kpi"])
        area = area_of(row.get("unit_code") or (units or {}).get(row["source"]), level)
        if fresh is None or area is None or now - _at(row) > fresh:
            continue
        figures = areas.setdefault(area, {"area": area, "air": None, "water": None, "traffic": None})
        if row["kpi"] == "vn_aqi_1h":
            _air(figures, row)
        elif row["kpi"] == "water_status":
            _water(figures, row)
        else:
            _traffic(figures, row)
    for figures in areas.values():
        if figures["traffic"] is not None:
            figures["traffic"]["los"] = dict(sorted(figures["traffic"]["los"].items()))
    return [areas[code] for code in sorted(areas)]


def _air(figures: dict[str, Any], row: Mapping[str, Any]) -> None:
    air = figures["air"] or {"stations": 0, "aqi": None}
    air["stations"] += 1
    aqi = round(row["value"])
    if air["aqi"] is None or aqi > air["aqi"]:
        c = category(aqi)
        air.update(aqi=aqi, category={"vi": c.name_vi, "en": c.name_en}, source=row["source"])
    figures["air"] = air


def _water(figures: dict[str, Any], row: Mapping[str, Any]) -> None:
    water = figures["water"] or {"gauges": 0, "alarm": 0, "source": None, "rate_cm_h": None}
    detail = row.get("detail") or {}
    water["gauges"] += 1
    if detail.get("alarm", 0) > water["alarm"] or water["source"] is None:
        water.update(alarm=detail.get("alarm", 0), source=row["source"])
    rate = detail.get("rate_cm_h")
    if rate is not None and (water["rate_cm_h"] is None or rate > water["rate_cm_h"]):
        water["rate_cm_h"] = rate
    figures["water"] = water


def _traffic(figures: dict[str, Any], row: Mapping[str, Any]) -> None:
    traffic = figures["traffic"] or {"segments": 0, "los": Counter(), "congested": 0}
    detail = row.get("detail") or {}
    traffic["segments"] += 1
    traffic["los"][detail.get("los", "?")] += 1
    traffic["congested"] += 1 if detail.get("congested") else 0
    figures["traffic"] = traffic
