"""Simulated time: readings fall on multiples of the interval since the epoch, whenever a simulator starts,
so a restart or a replay gives the same event times (and the same record ids)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta


def align(ts: datetime, interval: float) -> datetime:
    """``ts`` rounded down to a multiple of ``interval`` seconds since the epoch."""
    epoch = math.floor(ts.timestamp() / interval) * interval
    return datetime.fromtimestamp(epoch, UTC)


def ticks(start: datetime, end: datetime, interval: float) -> Iterator[datetime]:
    """The aligned instants in [start, end)."""
    ts = align(start, interval)
    if ts < start:
        ts += timedelta(seconds=interval)
    while ts < end:
        yield ts
        ts += timedelta(seconds=interval)
