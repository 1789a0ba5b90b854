"""Event-time tumbling-window means with an own watermark (pure logic, no I/O).

The KPI agent calls ``TumblingMeans.add`` once per validated record. State lives in two mappings given
by the caller (Faust tables in the worker, dicts in tests), so it survives a restart through the
tables' changelogs. Rules, from docs/architecture.md:

- a window is emitted (revision 0) once the partition's newest event time reaches its end;
- a record for an emitted window that is still within the allowed lateness re-emits it, revision + 1;
- a window the newest event time has already passed when it opens (older data arriving after newer data
  on the partition, within the lateness) is emitted by ``flush``, which the agent calls every second: a
  burst of such records gives one emission, and the window does not wait for more data to move the clock;
- a record for a window that ended more than ``lateness`` before the newest event time is too late:
  counted, never aggregated (it stays in ioc.obs and the observation table);
- a record whose id was already counted in that window is skipped (the ids are kept, apart from the
  windows, while the window is open to late data): a worker that restarts from an older committed
  offset, or a producer that sends a record again, never counts it twice.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass, fields
from typing import Any

from ioc.envelope import Envelope
from streams.kpi_records import utc_iso


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

    def add(self, value: float) -> None:
        self.sum += value
        self.count += 1
        self.min = min(self.min, value)
        self.max = max(self.max, value)

    def as_dict(self) -> dict[str, Any]:
        """The state as the tables keep it (fields are plain values: a shallow copy is dataclasses.asdict,
        at a fraction of its cost on the worker's hot path)."""
        return dict(vars(self))

    def record(self, kpi: str) -> dict[str, Any]:
        """The message this window puts on ioc.kpi."""
        return {
            "kpi": kpi,
            "feed": self.feed,
            "source": self.source,
            "metric": self.metric,
            "unit_code": self.unit_code,
            "window_start": utc_iso(self.start),
            "window_end": utc_iso(self.end),
            "value": self.sum / self.count,
            "count": self.count,
            "min": self.min,
            "max": self.max,
            "revision": self.revision,
        }


STATE_FIELDS = {f.name for f in fields(WindowState)}


class TumblingMeans:
    """Mean per (source, metric) over tumbling windows of one size. Several instances (one per size) can
    share the three mappings: their keys start with the KPI name.

    ``seen`` holds the ids of the records counted in windows still open to late data (value: [window end,
    partition]), apart from the windows, so that each record changes a few small entries: state written
    to a changelog per record must not grow with the window."""

    def __init__(
        self,
        windows: MutableMapping[str, dict[str, Any]],
        watermarks: MutableMapping[str, float],
        seen: MutableMapping[str, list[float]],
        size: int,
        lateness: int,
        metrics_of: dict[str, tuple[str, ...]],
    ) -> None:
        self.windows = windows
        self.watermarks = watermarks
        self.seen = seen
        self.size = size
        self.lateness = lateness
        self.metrics_of = metrics_of
        self.kpi = f"mean_{size}s"
        self.too_late = 0
        self.duplicates = 0
        # Windows emitted by ``flush``, which runs outside stream iteration where a Faust table cannot be
        # written; the table learns it with the window's next record. Lost on restart: the window is then
        # flushed once more with the same content, which the idempotent sink absorbs.
        self.flushed: set[str] = set()
        # Which ``seen`` keys expire when, per partition: forgetting old ids then needs no scan of them all
        # (an hour of ids per station for the hourly means). Memory only: built from the table when first
        # needed, and again after ``reindex`` (the agent calls it when partitions are assigned, since a
        # rebalance restores entries this process never indexed).
        self._expiring: dict[int, dict[float, list[str]]] = {}

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
        metrics = [metric for metric in self.metrics_of.get(env.feed, ()) if metric in env.values]
        record_key = f"{self.kpi}|{env.id}|{int(start)}"
        if metrics and end <= newest - self.lateness:
            self.too_late += len(metrics)
        elif metrics and record_key in self.seen:
            self.duplicates += 1
        elif metrics:
            self._expiry(partition)[end].append(record_key)
            self.seen[record_key] = [end, partition]
            for metric in metrics:
                out.extend(self._aggregate(env, metric, start, end, partition))
        if epoch > newest:
            self.watermarks[self._mark(partition)] = epoch
            if math.isinf(newest) or window_bounds(newest, self.size)[0] < start:
                out.extend(self._advance(partition, epoch))
        return out

    def _aggregate(self, env: Envelope, metric: str, start: float, end: float, partition: int) -> list[dict[str, Any]]:
        key = f"{self.kpi}|{env.source}|{metric}|{int(start)}"
        stored = self.windows.get(key)
        state = (
            self._state(key, stored)
            if stored
            else WindowState(env.feed, env.source, metric, start, end, partition, env.unit_code)
        )
        state.add(env.values[metric])
        out = []
        if state.emitted:
            state.revision += 1
            out.append(state.record(self.kpi))
        self.windows[key] = state.as_dict()
        self.flushed.discard(key)
        return out

    def flush(self) -> list[dict[str, Any]]:
        """Emit the windows the newest event time of their partition has passed but that are not emitted yet."""
        out: list[dict[str, Any]] = []
        for key, stored in list(self.windows.items()):
            if stored["emitted"] or key in self.flushed or not key.startswith(self.kpi + "|"):
                continue
            if stored["end"] <= self.newest(stored["partition"]):
                self.flushed.add(key)
                out.append(self._state(key, stored).record(self.kpi))
        return out

    def _state(self, key: str, stored: dict[str, Any]) -> WindowState:
        state = WindowState(**{name: value for name, value in stored.items() if name in STATE_FIELDS})
        state.emitted = state.emitted or key in self.flushed
        return state

    def _advance(self, partition: int, newest: float) -> list[dict[str, Any]]:
        """Emit windows the newest event time has passed; forget those past the lateness."""
        out: list[dict[str, Any]] = []
        for key, stored in list(self.windows.items()):
            if stored["partition"] != partition or stored["end"] > newest or not key.startswith(self.kpi + "|"):
                continue
            state = self._state(key, stored)
            if state.end <= newest - self.lateness:
                if not state.emitted:
                    out.append(state.record(self.kpi))
                del self.windows[key]
                self.flushed.discard(key)
            elif not state.emitted:
                state.emitted = True
                out.append(state.record(self.kpi))
                self.windows[key] = state.as_dict()
        horizon = newest - self.lateness
        index = self._expiry(partition)
        for end in [end for end in index if end <= horizon]:
            for key in index.pop(end):
                self.seen.pop(key, None)
        return out

    def reindex(self) -> None:
        """Forget the expiry index: the tables changed under it (partitions assigned after a rebalance)."""
        self._expiring.clear()

    def _expiry(self, partition: int) -> dict[float, list[str]]:
        """The ``seen`` keys of ``partition`` by window end, built from the table when missing."""
        index = self._expiring.get(partition)
        if index is None:
            index = self._expiring[partition] = defaultdict(list)
            prefix = self.kpi + "|"
            for key, (end, part) in list(self.seen.items()):
                if part == partition and key.startswith(prefix):
                    index[end].append(key)
        return index
