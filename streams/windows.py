"""Event-time tumbling-window means with an own watermark (pure logic, no I/O).

The KPI agent calls ``TumblingMeans.add`` once per validated record. State lives in two mappings given
by the caller (Faust tables in the worker, dicts in tests), so it survives a restart through the
tables' changelogs. Rules, from docs/architecture.md:

- a window is emitted (revision 0) once the partition's newest event time reaches its end;
- a record for an emitted window that is still within the allowed lateness re-emits it, revision + 1;
- a record for a window that ended more than ``lateness`` before the newest event time is too late:
  counted, never aggregated (it stays in ioc.obs and the observation table);
- a record whose id the window already holds is skipped: a worker that restarts from an older committed
  offset, or a producer that sends a record again, never counts it twice.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ioc.envelope import Envelope


def window_bounds(epoch: float, size: int) -> tuple[float, float]:
    """[start, end) of the tumbling window of ``size`` seconds holding ``epoch`` (aligned to the epoch)."""
    start = math.floor(epoch / size) * size
    return float(start), float(start + size)


@dataclass
class WindowState:
    feed: str
    source: str
    metric: str
    start: float
    end: float
    partition: int
    unit_code: str | None = None
    sum: float = 0.0
    count: int = 0
    min: float = math.inf
    max: float = -math.inf
    revision: int = 0
    emitted: bool = False
    ids: list[str] = field(default_factory=list)

    def add(self, value: float, record_id: str) -> None:
        self.sum += value
        self.count += 1
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        self.ids.append(record_id)

    def record(self, kpi: str) -> dict[str, Any]:
        """The message this window puts on ioc.kpi."""
        return {
            "kpi": kpi,
            "feed": self.feed,
            "source": self.source,
            "metric": self.metric,
            "unit_code": self.unit_code,
            "window_start": datetime.fromtimestamp(self.start, UTC).isoformat(),
            "window_end": datetime.fromtimestamp(self.end, UTC).isoformat(),
            "value": self.sum / self.count,
            "count": self.count,
            "min": self.min,
            "max": self.max,
            "revision": self.revision,
        }


class TumblingMeans:
    """Mean per (source, metric) over tumbling windows of one size. Several instances (one per size) can
    share the two mappings: their keys start with the KPI name."""

    def __init__(
        self,
        windows: MutableMapping[str, dict[str, Any]],
        watermarks: MutableMapping[str, float],
        size: int,
        lateness: int,
        metrics_of: dict[str, tuple[str, ...]],
    ) -> None:
        self.windows = windows
        self.watermarks = watermarks
        self.size = size
        self.lateness = lateness
        self.metrics_of = metrics_of
        self.kpi = f"mean_{size}s"
        self.too_late = 0
        self.duplicates = 0

    def _mark(self, partition: int) -> str:
        return f"{self.kpi}|p{partition}"

    def newest(self, partition: int) -> float:
        """Newest event time seen on ``partition`` (-inf before the first record)."""
        return self.watermarks.get(self._mark(partition), -math.inf)

    def add(self, env: Envelope, partition: int) -> list[dict[str, Any]]:
        """Aggregate one record; returns the KPI records to emit now (possibly none)."""
        newest = self.newest(partition)
        epoch = env.ts.timestamp()
        start, end = window_bounds(epoch, self.size)
        out: list[dict[str, Any]] = []
        for metric in self.metrics_of.get(env.feed, ()):
            if metric not in env.values:
                continue
            if end <= newest - self.lateness:
                self.too_late += 1
                continue
            key = f"{self.kpi}|{env.source}|{metric}|{int(start)}"
            stored = self.windows.get(key)
            state = (
                WindowState(**stored)
                if stored
                else WindowState(env.feed, env.source, metric, start, end, partition, env.unit_code)
            )
            if env.id in state.ids:
                self.duplicates += 1
                continue
            state.add(env.values[metric], env.id)
            if state.emitted:
                state.revision += 1
                out.append(state.record(self.kpi))
            self.windows[key] = asdict(state)
        if epoch > newest:
            self.watermarks[self._mark(partition)] = epoch
            if math.isinf(newest) or window_bounds(newest, self.size)[0] < start:
                out.extend(self._advance(partition, epoch))
        return out

    def _advance(self, partition: int, newest: float) -> list[dict[str, Any]]:
        """Emit windows the newest event time has passed; forget those past the lateness."""
        out: list[dict[str, Any]] = []
        for key, stored in list(self.windows.items()):
            if stored["partition"] != partition or stored["end"] > newest or not key.startswith(self.kpi + "|"):
                continue
            state = WindowState(**stored)
            if state.end <= newest - self.lateness:
                if not state.emitted:
                    out.append(state.record(self.kpi))
                del self.windows[key]
            elif not state.emitted:
                state.emitted = True
                out.append(state.record(self.kpi))
                self.windows[key] = asdict(state)
        return out
