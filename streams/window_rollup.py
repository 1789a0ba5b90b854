"""Longer windows combined from shorter ones (pure logic, no I/O): 5-minute means from the 1-minute
windows, and means of the local day (Asia/Ho_Chi_Minh, midnight to midnight) from the hourly windows.

Each part carries its window's count, min and max besides the mean, so a combined window is exactly the
one the readings would give (a count-weighted mean), without keeping the readings or their ids: those
stay with the short windows, which already count each record once. A part seen again with a newer
revision replaces the older one (a late reading revised it); an older revision is ignored. Every change
re-emits the combined window with revision + 1, and the sink keeps the highest. The state, per series
the open combined windows and their parts, lives in a mapping the caller gives (a Faust table).
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.kpi_records import DAY, LOCAL_MIDNIGHT, utc_iso


@dataclass(frozen=True)
class Combination:
    part_kpi: str  # e.g. mean_60s
    kpi: str  # e.g. mean_300s
    size: int  # seconds
    offset: int = 0  # windows start at offset + k * size (epoch seconds)
    keep: int = 3600  # seconds after a window's end, on the parts' clock, that late parts may still change it

    def bounds(self, epoch: float) -> tuple[float, float]:
        start = math.floor((epoch - self.offset) / self.size) * self.size + self.offset
        return float(start), float(start + self.size)


def combinations(short_window: int, lateness: int) -> tuple[Combination, ...]:
    """5 minutes from the short windows when they are shorter and divide it, the local day from the hourly ones."""
    keep = lateness + 600  # a part is revised up to the lateness after its end, and flushed within seconds
    day = Combination("mean_3600s", "mean_1d", DAY, LOCAL_MIDNIGHT, keep=keep)
    if short_window >= 300 or 300 % short_window:
        return (day,)
    return Combination(f"mean_{short_window}s", "mean_300s", 300, keep=keep), day


class WindowRollup:
    def __init__(self, series: MutableMapping[str, dict[str, Any]], combos: tuple[Combination, ...]) -> None:
        self.series = series
        self.by_part = {c.part_kpi: c for c in combos}

    def add(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Take one KPI record; returns the combined window it changed (none for other KPIs or stale parts)."""
        combo = self.by_part.get(record.get("kpi", ""))
        if combo is None:
            return []
        part_start = datetime.fromisoformat(record["window_start"]).timestamp()
        start, end = combo.bounds(part_start)
        key = f"{combo.kpi}|{record['source']}|{record['metric']}"
        state = self.series.get(key) or {"windows": {}, "newest": 0.0}
        windows: dict[str, Any] = state["windows"]
        # Closing is judged on the parts' clock: the newest part end seen, not the newest combined window's end
        # (which jumps a whole day ahead with the first hour of the next day).
        newest = max(float(state.get("newest", 0.0)), datetime.fromisoformat(record["window_end"]).timestamp())
        state["newest"] = newest
        if end + combo.keep < newest:
            return []  # its window is closed for good
        window = windows.setdefault(str(start), {"end": end, "parts": {}, "revision": -1})
        revision = int(record.get("revision", 0))
        known = window["parts"].get(str(part_start))
        if known is not None and known[4] >= revision:
            return []
        count = int(record["count"])
        window["parts"][str(part_start)] = [record["value"] * count, count, record["min"], record["max"], revision]
        window["revision"] += 1
        state["windows"] = {k: w for k, w in windows.items() if float(w["end"]) + combo.keep >= newest}
        self.series[key] = state
        parts = window["parts"].values()
        total, counted = sum(p[0] for p in parts), sum(p[1] for p in parts)
        return [{
            "kpi": combo.kpi, "feed": record["feed"], "source": record["source"], "metric": record["metric"],
            "unit_code": record.get("unit_code"), "window_start": utc_iso(start), "window_end": utc_iso(end),
            "value": total / counted, "count": counted, "min": min(p[2] for p in parts),
            "max": max(p[3] for p in parts), "revision": window["revision"],
        }]  # fmt: skip
