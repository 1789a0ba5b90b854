"""Stall detection for the worker (pure logic, no I/O).

Faust workers have been seen (rarely, after a restart) to report "Ready" and then consume nothing. A
stalled worker loses no data, since Kafka keeps the records, but the IOC stops being live. The watchdog
agent feeds this detector the group's committed positions per partition; when messages wait on a
partition whose position has not moved for ``window`` seconds, and no sink is waiting for the database,
the worker is stalled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StallDetector:
    """Per partition: a group whose other partitions move (the clock's ticks keep one topic busy) can still
    have one partition stuck, and that one is what leaves records unprocessed."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._still: dict[Any, tuple[int, float]] = {}  # partition -> (position, since when unchanged)

    def observe(self, now: float, positions: Mapping[Any, int], waiting: Mapping[Any, int], excused: bool) -> bool:
        """True when some partition's messages have sat behind its unchanged position for the whole window.

        ``excused`` (a sink retrying an unavailable database) restarts the clocks: a restart would not help.
        """
        if excused:
            self._still.clear()
            return False
        stalled = False
        for key, position in positions.items():
            if not waiting.get(key):
                self._still.pop(key, None)
                continue
            seen = self._still.get(key)
            if seen is None or seen[0] != position:
                self._still[key] = (position, now)
            elif now - seen[1] >= self.window:
                stalled = True
        return stalled
