"""Traffic indicators of a road segment (DOMAIN.md section 4) — pure.

- speed ratio: mean speed over the segment's free-flow speed (metadata ``free_flow_speed``, km/h);
- level of service A-F from that ratio, with the urban-street thresholds of the Highway Capacity Manual
  (HCM 2010, exhibit 16-4: travel speed as a share of the base free-flow speed): A above 85 %, B above
  67 %, C above 50 %, D above 40 %, E above 30 %, F at or below 30 %. DOMAIN.md asks for A-F without a
  table of its own, so the HCM one is used, and the dashboard's map uses the same;
- congestion duration: minutes since the segment's congestion flag last turned on, while it stays on.
"""

from __future__ import annotations

from ioc.sources import Source

LOS = ("A", "B", "C", "D", "E", "F")
LOS_ABOVE = (0.85, 0.67, 0.50, 0.40, 0.30)  # a class needs a ratio above its floor; F is the rest


def free_flow_of(segment: Source | None) -> float | None:
    """A segment's free-flow speed (km/h) from its metadata; None when it has none."""
    value = segment.extras.get("free_flow_speed") if segment is not None else None
    return float(value) if value else None


def speed_ratio(speed: float, free_flow: float | None) -> float | None:
    return None if not free_flow else speed / free_flow


def level_of_service(ratio: float) -> str:
    """A-F from mean speed over free-flow speed (HCM 2010 urban streets)."""
    for los, floor in zip(LOS, LOS_ABOVE, strict=False):
        if ratio > floor:
            return los
    return LOS[-1]
