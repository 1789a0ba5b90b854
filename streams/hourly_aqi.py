"""Hourly and daily VN_AQI per station from its hourly means (pure logic, no I/O).

The derived-KPI agent feeds every hourly-mean KPI record to ``HourlyAqi.add``; the state (a station's
hourly means of the last 48 hours with their revisions, and the revision of each AQI hour and day) lives
in a mapping the caller gives: a Faust table in the worker. When an hourly mean arrives or is revised, the
AQI of that hour and of the 11 following hours (whose NowCast reads it) is computed again and re-emitted
with revision + 1, and so is the daily AQI (``vn_aqi_1d``) of its local day (Asia/Ho_Chi_Minh, 00:00 to
24:00): 24-hour means of PM (18 of 24 hours needed), the highest hour of NO2, SO2, CO, and for O3 the
higher of its highest hour and highest 8-hour rolling mean (ioc.indicators.aqi, mode ``daily``). A day
whose first hours are no longer kept (a mean revised more than a day late) is not recomputed.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from ioc.indicators.aqi import POLLUTANTS, Hours, compute, to_json
from streams.kpi_records import DAY, local_day_start, utc_iso

HOUR = 3600
NOWCAST_HOURS = 12
KEEP_HOURS = 48  # a whole local day, for the daily AQI of the day before the newest hour too
KPI = "vn_aqi_1h"
DAILY_KPI = "vn_aqi_1d"


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


class HourlyAqi:
    def __init__(self, stations: MutableMapping[str, dict[str, Any]], hourly_kpi: str, feeds: set[str]) -> None:
        self.stations = stations
        self.hourly_kpi = hourly_kpi
        self.feeds = feeds

    def add(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Take one KPI record; returns the AQI records to emit (none for records of other KPIs)."""
        if record.get("kpi") != self.hourly_kpi or record.get("feed") not in self.feeds:
            return []
        if record.get("metric") not in POLLUTANTS:
            return []
        source = record["source"]
        state = self.stations.get(source) or {"hours": {}, "revisions": {}, "unit_code": None}
        hour = _epoch(record["window_start"])
        # An older revision of a mean can arrive after a newer one (two senders in the KPI agent): keep the newest.
        known = state.setdefault("mean_revisions", {}).setdefault(record["metric"], {})
        revision = int(record.get("revision", 0))
        if revision < known.get(str(hour), -1):
            return []
        known[str(hour)] = revision
        state["hours"].setdefault(record["metric"], {})[str(hour)] = record["value"]
        state["unit_code"] = record.get("unit_code") or state["unit_code"]
        newest = max(int(h) for series in state["hours"].values() for h in series)
        self._forget_before(state, newest - KEEP_HOURS * HOUR)
        out = []
        for affected in range(hour, min(newest, hour + (NOWCAST_HOURS - 1) * HOUR) + 1, HOUR):
            emitted = self._aqi(record["feed"], source, state, affected)
            if emitted is not None:
                out.append(emitted)
        day = local_day_start(hour)
        if day >= newest - KEEP_HOURS * HOUR:
            daily = self._daily(record["feed"], source, state, day)
            if daily is not None:
                out.append(daily)
        self.stations[source] = state
        return out

    @staticmethod
    def _forget_before(state: dict[str, Any], oldest: int) -> None:
        for series in [*state["hours"].values(), *state.get("mean_revisions", {}).values()]:
            for h in [h for h in series if int(h) < oldest]:
                del series[h]
        for h in [h for h in state["revisions"] if int(h) < oldest]:
            del state["revisions"][h]
        days = state.setdefault("day_revisions", {})
        for d in [d for d in days if int(d) < oldest]:
            del days[d]

    def _aqi(self, feed: str, source: str, state: dict[str, Any], hour: int) -> dict[str, Any] | None:
        inputs: dict[str, float | Hours] = {
            pollutant: [series.get(str(hour - k * HOUR)) for k in range(NOWCAST_HOURS)]
            for pollutant, series in state["hours"].items()
        }
        result = compute(inputs, mode="hourly")
        if result.aqi is None:
            return None
        revision = state["revisions"].get(str(hour), -1) + 1
        state["revisions"][str(hour)] = revision
        present = sum(value is not None for value in result.sub_indices.values())
        return {
            "kpi": KPI,
            "feed": feed,
            "source": source,
            "metric": "aqi",
            "unit_code": state["unit_code"],
            "window_start": utc_iso(hour),
            "window_end": utc_iso(hour + HOUR),
            "value": float(result.aqi),
            "count": present,
            "min": float(result.aqi),
            "max": float(result.aqi),
            "revision": revision,
            "detail": to_json(result),
        }

    def _daily(self, feed: str, source: str, state: dict[str, Any], day: int) -> dict[str, Any] | None:
        """The daily AQI of the local day starting at ``day`` from the hours of that day kept."""
        hours = [day + (23 - k) * HOUR for k in range(24)]  # newest first
        inputs: dict[str, float | Hours] = {
            pollutant: [series.get(str(h)) for h in hours] for pollutant, series in state["hours"].items()
        }
        result = compute(inputs, mode="daily")
        if result.aqi is None:
            return None
        revision = state["day_revisions"].get(str(day), -1) + 1
        state["day_revisions"][str(day)] = revision
        present = sum(any(str(h) in series for series in state["hours"].values()) for h in hours)
        return {
            "kpi": DAILY_KPI, "feed": feed, "source": source, "metric": "aqi", "unit_code": state["unit_code"],
            "window_start": utc_iso(day), "window_end": utc_iso(day + DAY), "value": float(result.aqi),
            "count": present, "min": float(result.aqi), "max": float(result.aqi), "revision": revision,
            "detail": to_json(result),
        }  # fmt: skip
