"""Scenarios of the simulators: which story the feeds tell, and when it began.

``normal``: everyday readings and services. ``flood``: heavy rain and rivers past alarm level III
(simulators.hydro). ``service-backlog``: agencies receive twice their usual dossiers and finish a third
of them late (simulators.dossier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SCENARIOS = ("normal", "flood", "service-backlog")


@dataclass(frozen=True)
class Scenario:
    name: str = "normal"
    start: datetime | None = None  # when the story began (the flood's first rain)

    def hours_in(self, ts: datetime, name: str) -> float | None:
        """Hours since scenario ``name`` began at ``ts``; None when it is not the running one or not yet begun."""
        if self.name != name or self.start is None or ts < self.start:
            return None
        return (ts - self.start).total_seconds() / 3600


NORMAL = Scenario()
