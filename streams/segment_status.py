"""A road segment's traffic status as it changes (pure logic, no I/O).

The KPI agent feeds every record of the feeds declaring the ``traffic`` indicator to ``SegmentStatus.add``.
A reading with a mean speed is judged: its speed ratio to the segment's free-flow speed, level of service
(ioc.indicators.traffic) and, from the congestion flag, for how many minutes the segment has been
congested. A ``traffic_status`` KPI record (value: the ratio; the rest in ``detail``) goes out when the
level of service or the congestion flag changes, and at least every ``HEARTBEAT`` seconds: a segment
reports every minute, and a row per reading would store the readings twice. The state, per segment its
newest reading and what was last emitted, lives in a mapping the caller gives (a Faust table). Readings
count in event-time order: one older than the newest seen gives nothing. The record that says a
congestion is over also says how long it lasted.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from ioc.envelope import Envelope
from ioc.indicators.traffic import level_of_service, speed_ratio
from streams.kpi_records import reading_kpi

KPI = "traffic_status"
HEARTBEAT = 900.0


class SegmentStatus:
    def __init__(
        self, segments: MutableMapping[str, dict[str, Any]], feeds: set[str], free_flow: Callable[[str], float | None]
    ) -> None:
        self.segments = segments
        self.feeds = feeds
        self.free_flow = free_flow

    def add(self, env: Envelope) -> list[dict[str, Any]]:
        """Take one record; returns the KPI record to emit, if its status changed or the heartbeat is due."""
        speed = env.values.get("speed")
        if env.feed not in self.feeds or speed is None:
            return []
        ratio = speed_ratio(speed, self.free_flow(env.source))
        at = env.ts.timestamp()
        state = self.segments.get(env.source) or {"last": None, "since": None, "emitted": None}
        if ratio is None or (state["last"] is not None and at <= state["last"]):
            return []
        flag = env.values.get("congested")
        ended = None  # minutes of a congestion this reading ends
        if flag is not None:
            if flag < 1 and state["since"] is not None:
                ended = round((at - state["since"]) / 60, 1)
            state["since"] = (state["since"] or at) if flag >= 1 else None
        congested = 1.0 if state["since"] is not None else 0.0  # a reading without the flag keeps the last state
        state["last"] = at
        los = level_of_service(ratio)
        emitted = state["emitted"]
        due = emitted is None or emitted[1:] != [los, congested] or at - emitted[0] >= HEARTBEAT
        if due:
            state["emitted"] = [at, los, congested]
        self.segments[env.source] = state
        if not due:
            return []
        minutes = 0.0 if state["since"] is None else round((at - state["since"]) / 60, 1)
        detail = {
            "speed": speed, "ratio": round(ratio, 3), "los": los, "intensity": env.values.get("intensity"),
            "occupancy": env.values.get("occupancy"), "congested": congested, "congested_minutes": minutes,
            "congestion_ended_minutes": ended,
        }  # fmt: skip
        return [reading_kpi(KPI, env, "speed_ratio", round(ratio, 3), 0, detail)]
