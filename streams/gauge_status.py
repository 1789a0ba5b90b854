"""A gauge's water status at each of its readings (pure logic, no I/O).

The KPI agent feeds every record of the feeds declaring the ``flood`` indicator to ``GaugeStatus.add``.
The state, each gauge's readings of the last 24 hours, lives in a mapping the caller gives: a Faust table
in the worker. A reading with a water level gives a ``water_status`` KPI record at its time: the level
as value and, in ``detail``, the alarm level, rate of rise, time to the next level and the rainfall
accumulations of ioc.indicators.hydro. Records of the same time are merged (a level and a rain sensor
reporting apart). A reading seen again unchanged (a replay) gives nothing; a late one gives the status at
its own time from the readings up to it; a changed one, revision + 1.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from ioc.envelope import Envelope
from ioc.indicators.hydro import HOUR, Reading, status
from streams.kpi_records import reading_kpi

KPI = "water_status"
KEEP = 24 * HOUR


class GaugeStatus:
    def __init__(
        self,
        gauges: MutableMapping[str, dict[str, Any]],
        feeds: set[str],
        alarm_levels: Callable[[str], Sequence[float]],
    ) -> None:
        self.gauges = gauges
        self.feeds = feeds
        self.alarm_levels = alarm_levels

    def add(self, env: Envelope) -> list[dict[str, Any]]:
        """Take one record; returns the KPI record to emit (none for other feeds and repeated readings)."""
        if env.feed not in self.feeds or ("water_level" not in env.values and "rainfall" not in env.values):
            return []
        state = self.gauges.get(env.source) or {"readings": [], "revisions": {}}
        at = env.ts.timestamp()
        readings = [Reading(*r) for r in state["readings"]]
        before = next((r for r in readings if r.at == at), None)
        level, rain = env.values.get("water_level"), env.values.get("rainfall")
        if before is not None:  # another record of the same time (two sensors of one gauge): merged
            level = before.level if level is None else level
            rain = before.rain if rain is None else rain
        reading = Reading(at, level, rain)
        if reading == before:
            return []
        readings = [r for r in readings if r.at != at] + [reading]
        oldest = max(r.at for r in readings) - KEEP
        readings = sorted((r for r in readings if r.at > oldest), key=lambda r: r.at)
        state["readings"] = [[r.at, r.level, r.rain] for r in readings]
        state["revisions"] = {k: v for k, v in state["revisions"].items() if float(k) > oldest}
        out = []
        if reading.level is not None and at > oldest:
            detail = status([r for r in readings if r.at <= at], self.alarm_levels(env.source))
            assert detail is not None  # the reading itself has a level
            revision = state["revisions"].get(str(at), -1) + 1
            state["revisions"][str(at)] = revision
            out.append(reading_kpi(KPI, env, "water_level", reading.level, revision, detail))
        self.gauges[env.source] = state
        return out
