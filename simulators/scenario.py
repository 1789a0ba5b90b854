"""Scenarios of the simulators: which story the feeds tell, and when it began.

``normal``: everyday readings and services. ``flood``: heavy rain and rivers past alarm level III
(simulators.hydro). ``pollution-episode``: a temperature inversion with little wind traps the city's
exhaust and smoke; PM rises for hours, worst in the traffic-heavy wards, then eases (simulators.air_quality).
``service-backlog``: agencies receive twice their usual dossiers and finish a third of them late
(simulators.dossier). ``storm``: a typhoon passes: rain bands at every gauge and rivers past their alarm
levels (simulators.hydro), roads emptied by the order to shelter (simulators.traffic), air washed clean
(simulators.air_quality).

Every scenario is a shape in time over the normal readings, built from :class:`Episode`, so a feed leaves
the story exactly where the normal run would be once the story has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SCENARIOS = ("normal", "flood", "pollution-episode", "service-backlog", "storm")


@dataclass(frozen=True)
class Scenario:
    name: str = "normal"
    start: datetime | None = None  # when the story began (the first rain, the inversion, the first storm bands)

    def hours_in(self, ts: datetime, name: str) -> float | None:
        """Hours since scenario ``name`` began at ``ts``; None when it is not the running one or not yet begun."""
        if self.name != name or self.start is None or ts < self.start:
            return None
        return (ts - self.start).total_seconds() / 3600


NORMAL = Scenario()


def smoothstep(x: float) -> float:
    """0 below 0, 1 above 1, an S between: a physical quantity starts and stops changing gently."""
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class Episode:
    """The shape of a story in time, 0 (not at all) to 1 (at its height): it builds up over ``rise`` hours,
    holds for ``hold`` hours, eases over ``fall`` hours. One shape for floods, storms and smog, so the
    simulators agree on what "an episode" looks like."""

    rise: float
    hold: float
    fall: float

    @property
    def hours(self) -> float:
        """How long the episode lasts, from the first change to the return to normal."""
        return self.rise + self.hold + self.fall

    def at(self, hours: float | None) -> float:
        """Strength ``hours`` after the episode began; 0 before it began (None: not running) and after it ended."""
        if hours is None or hours <= 0:
            return 0.0
        if hours < self.rise:
            return smoothstep(hours / self.rise)
        if hours <= self.rise + self.hold:
            return 1.0
        if self.fall <= 0:
            return 0.0
        return 1.0 - smoothstep((hours - self.rise - self.hold) / self.fall)


# The typhoon's passage over the province, shared by every feed it touches (rain, roads, air): the outer
# rain bands arrive at the start, the core lashes the coast from 3 h to 9 h, the storm has moved inland by 12 h.
STORM = Episode(rise=3.0, hold=6.0, fall=3.0)


def storm_strength(scenario: Scenario, ts: datetime) -> float:
    """How hard the storm blows at ``ts`` (0 to 1); 0 in every other scenario."""
    return STORM.at(scenario.hours_in(ts, "storm"))
