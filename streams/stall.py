"""Stall detection for the worker (pure logic, no I/O).

Faust workers have been seen (rarely, after a restart) to report "Ready" and then consume nothing. A
stalled worker loses no data, since Kafka keeps the records, but the IOC stops being live. The watchdog
agent feeds this detector the group's committed positions; when messages wait but the positions have
not moved for ``window`` seconds, and no sink is waiting for the database, the worker is stalled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StallDetector:
    def __init__(self, window: float) -> None:
        self.window = window
        self._positions: Mapping[Any, int] | None = None
        self._since: float | None = None

    def observe(self, now: float, positions: Mapping[Any, int], waiting: int, excused: bool) -> bool:
        """True when ``waiting`` messages have sat behind unchanged ``positions`` for the whole window.

        ``excused`` (a sink retrying an unavailable database) restarts the clock: a restart would not help.
        """
        if excused or waiting == 0 or positions != self._positions:
            self._positions, self._since = dict(positions), now
            return False
        assert self._since is not None
        return now - self._since >= self.window
