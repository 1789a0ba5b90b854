"""An official's day in figures, per domain: what was worst, where, and what the IOC did about it (pure).

The dashboard's officials' page shows it for any local day (Asia/Ho_Chi_Minh). Inputs are the rows the
summary queries return (dashboard/summary_api.py); each part reads the stored figures as the rest of the
IOC computes them, and decides nothing new:

- air: each station's highest hourly VN_AQI of the day (the ``vn_aqi_1h`` KPI), its category (Decision
  1459), and how many stations had each category as their worst, the worst category first;
- water: each gauge's highest water level and the flood alarm level (I, II, III) it reached, from the
  gauge's ``alarm_levels`` metadata, and its rainfall of the day;
- traffic: minutes each road segment reported itself congested;
- public services: dossiers accepted, refused and done, feedback received, payments, that day;
- alerts: raised per domain and severity, resolved, still open at the end of the day, the median minutes
  from firing to the first acknowledgement;
- notifications: attempts per status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from ioc.indicators.aqi import Category, category
from ioc.indicators.hydro import alarm_level, alarm_levels_of
from ioc.indicators.public_services import LOCAL
from ioc.sources import Source

Row = Mapping[str, Any]
WORST_SHOWN = 5


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as [start, end) instants."""
    start = datetime.combine(day, time(), LOCAL)
    return start, datetime.combine(day + timedelta(days=1), time(), LOCAL)


def _named(source: str, known: Mapping[str, Source]) -> dict[str, Any]:
    meta = known.get(source)
    return {"source": source, "name": meta.name if meta else None, "unit_code": meta.unit_code if meta else None}


def _moment(value: str | None) -> str | None:
    """An instant, as the dashboard's queries give it (ISO text), in local time."""
    return None if value is None else datetime.fromisoformat(value).astimezone(LOCAL).isoformat()


def air(rows: Iterable[Row], known: Mapping[str, Source]) -> dict[str, Any]:
    """Rows: source, aqi (the day's highest hourly VN_AQI), at (its hour)."""
    stations = []
    reached: Counter[Category] = Counter()
    for r in rows:
        c = category(round(r["aqi"]))
        reached[c] += 1
        stations.append({**_named(r["source"], known), "aqi": round(r["aqi"]), "at": _moment(r["at"]),
                         "category": {"vi": c.name_vi, "en": c.name_en}})  # fmt: skip
    stations.sort(key=lambda s: (-s["aqi"], s["source"]))
    return {
        "stations": len(stations),
        "reached": [
            {"vi": c.name_vi, "en": c.name_en, "stations": n}
            for c, n in sorted(reached.items(), key=lambda cn: -cn[0].low)
        ],
        "worst": stations[:WORST_SHOWN],
    }


def water(levels: Iterable[Row], rain: Iterable[Row], known: Mapping[str, Source]) -> dict[str, Any]:
    """Levels: source, level (the day's highest), at. Rain: source, mm (the day's total)."""
    rainfall = {r["source"]: round(float(r["mm"]), 1) for r in rain}
    gauges = []
    for r in levels:
        thresholds = alarm_levels_of(known.get(r["source"]))
        gauges.append({**_named(r["source"], known), "level": round(float(r["level"]), 2), "at": _moment(r["at"]),
                       "alarm": alarm_level(r["level"], thresholds), "rain_mm": rainfall.get(r["source"])})  # fmt: skip
    gauges.sort(key=lambda g: (-g["alarm"], -g["level"], g["source"]))
    reached = Counter(g["alarm"] for g in gauges if g["alarm"])
    return {
        "gauges": len(gauges),
        "reached": {str(level): reached[level] for level in sorted(reached)},
        "rain_max_mm": max(rainfall.values(), default=None),
        "worst": gauges[:WORST_SHOWN],
    }


def traffic(rows: Iterable[Row], known: Mapping[str, Source]) -> dict[str, Any]:
    """Rows: source, minutes (reports flagged congested; the feed reports once a minute)."""
    segments = sorted(({**_named(r["source"], known), "congested_minutes": int(r["minutes"])} for r in rows),
                      key=lambda s: (-s["congested_minutes"], s["source"]))  # fmt: skip
    congested = [s for s in segments if s["congested_minutes"]]
    return {"segments": len(segments), "congested": len(congested), "worst": congested[:WORST_SHOWN]}


def services(rows: Iterable[Row]) -> dict[str, int]:
    """Rows: what (accepted, refused, done, feedback, payments), n."""
    counts = {"accepted": 0, "refused": 0, "done": 0, "feedback": 0, "payments": 0}
    counts.update({r["what"]: int(r["n"]) for r in rows})
    return counts


def alerts(raised: Iterable[Row], resolved: int, open_at_end: Iterable[Row], acks: Iterable[Any]) -> dict[str, Any]:
    """Raised: domain, severity, n (fired that day). Open at end: domain, n. Acks: minutes to the first
    acknowledgement of the alerts fired that day."""
    by_domain: dict[str, dict[str, int]] = {}
    for r in raised:
        by_domain.setdefault(r["domain"], {})[r["severity"]] = int(r["n"])
    minutes = [float(m) for m in acks]
    return {
        "raised": by_domain,
        "raised_total": sum(sum(d.values()) for d in by_domain.values()),
        "resolved": resolved,
        "open_at_end": {r["domain"]: int(r["n"]) for r in open_at_end},
        "acknowledged": len(minutes),
        "ack_median_minutes": round(median(minutes), 1) if minutes else None,
    }


def notifications(rows: Iterable[Row]) -> dict[str, int]:
    """Rows: status, n."""
    return {r["status"]: int(r["n"]) for r in rows}
