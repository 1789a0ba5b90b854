"""Event-time tumbling-window means with an own watermark (pure logic, no I/O).

The KPI agent calls ``TumblingMeans.add`` once per validated record. State lives in three mappings given
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
from collections.abc import MutableMapping
from dataclasses import dataclass, field, fields
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
CHUNK_IDS = 256  # record ids per entry of the ``seen`` table: a batch rewrites a few entries, not one per record


@dataclass
class _PartitionIndex:
    """What one partition's windows and kept ids are, by window end (memory only, rebuilt from the tables)."""

    windows: dict[float, set[str]] = field(default_factory=dict)  # window keys
    ids: dict[float, set[str]] = field(default_factory=dict)  # ids of the records counted in those windows
    chunks: dict[float, list[str]] = field(default_factory=dict)  # the ``seen`` keys keeping them, last one filling


class TumblingMeans:
    """Mean per (source, metric) over tumbling windows of one size. Several instances (one per size) can
    share the three mappings: their keys start with the KPI name.

    ``seen`` keeps the ids of the records counted in windows still open to late data, apart from the
    windows, in entries of up to ``CHUNK_IDS`` ids per partition and window end
    (``{"end", "partition", "ids"}``): a batch of records then writes a few entries to the changelog rather
    than one per record and window size, and no entry grows with the window."""

    def __init__(
        self,
        windows: MutableMapping[str, dict[str, Any]],
        watermarks: MutableMapping[str, float],
        seen: MutableMapping[str, dict[str, Any]],
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
        # Per partition: the clock's advance, ``flush`` and expiry visit only the window ends due, never every
        # key (an hour of windows and ids per station for the hourly means). Built from the tables when
        # first needed, and again after ``reindex`` (the agent calls it when partitions are assigned, since a
        # rebalance restores entries this process never indexed).
        self._index: dict[int, _PartitionIndex] = {}

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
        if metrics and end <= newest - self.lateness:
            self.too_late += len(metrics)
        elif metrics:
            index = self._partition(partition)
            ids = index.ids.setdefault(end, set())
            if env.id in ids:
                self.duplicates += 1
            else:
                ids.add(env.id)
                self._keep(index, env.id, end, partition)
                for metric in metrics:
                    out.extend(self._aggregate(index, env, metric, start, end, partition))
        if epoch > newest:
            self.watermarks[self._mark(partition)] = epoch
            if math.isinf(newest) or window_bounds(newest, self.size)[0] < start:
                out.extend(self._advance(partition, epoch))
        return out

    def _keep(self, index: _PartitionIndex, record_id: str, end: float, partition: int) -> None:
        """Add the id to the partition's last ``seen`` entry of that window end, or to a new one when full."""
        chunks = index.chunks.setdefault(end, [])
        entry = self.seen[chunks[-1]] if chunks else None
        if entry is None or len(entry["ids"]) >= CHUNK_IDS:
            chunks.append(f"{self.kpi}|p{partition}|{int(end)}|{len(chunks)}")
            entry = {"end": end, "partition": partition, "ids": []}
        entry["ids"].append(record_id)
        self.seen[chunks[-1]] = entry

    def _aggregate(
        self, index: _PartitionIndex, env: Envelope, metric: str, start: float, end: float, partition: int
    ) -> list[dict[str, Any]]:
        """Changes the stored state in place (the table gets it back at once): no object per record and metric."""
        key = f"{self.kpi}|{env.source}|{metric}|{int(start)}"
        stored = self.windows.get(key)
        if stored is None:
            stored = WindowState(env.feed, env.source, metric, start, end, partition, env.unit_code).as_dict()
            index.windows.setdefault(end, set()).add(key)
        elif key in self.flushed:
            stored["emitted"] = True
            self.flushed.discard(key)
        value = env.values[metric]
        stored["sum"] += value
        stored["count"] += 1
        stored["min"] = min(stored["min"], value)
        stored["max"] = max(stored["max"], value)
        if stored["emitted"]:
            stored["revision"] += 1
        self.windows[key] = stored
        return [self._state(key, stored).record(self.kpi)] if stored["emitted"] else []

    def flush(self) -> list[dict[str, Any]]:
        """Emit the windows the newest event time of their partition has passed but that are not emitted yet."""
        out: list[dict[str, Any]] = []
        prefix = self.kpi + "|p"
        for mark in [mark for mark in self.watermarks if mark.startswith(prefix)]:
            partition = int(mark.removeprefix(prefix))
            newest = self.newest(partition)
            for end, keys in self._partition(partition).windows.items():
                if end > newest:
                    continue
                for key in keys:
                    stored = self.windows.get(key)
                    if stored is not None and not stored["emitted"] and key not in self.flushed:
                        self.flushed.add(key)
                        out.append(self._state(key, stored).record(self.kpi))
        return out

    def _state(self, key: str, stored: dict[str, Any]) -> WindowState:
        state = WindowState(**{name: value for name, value in stored.items() if name in STATE_FIELDS})
        state.emitted = state.emitted or key in self.flushed
        return state

    def _advance(self, partition: int, newest: float) -> list[dict[str, Any]]:
        """Emit windows the newest event time has passed; forget those, and their ids, past the lateness."""
        out: list[dict[str, Any]] = []
        horizon = newest - self.lateness
        index = self._partition(partition)
        for end in sorted(end for end in index.windows if end <= newest):
            for key in sorted(index.windows[end]):
                stored = self.windows.get(key)
                if stored is None:
                    continue
                state = self._state(key, stored)
                if end <= horizon:
                    if not state.emitted:
                        out.append(state.record(self.kpi))
                    del self.windows[key]
                    self.flushed.discard(key)
                elif not state.emitted:
                    state.emitted = True
                    out.append(state.record(self.kpi))
                    self.windows[key] = state.as_dict()
            if end <= horizon:
                del index.windows[end]
        for end in [end for end in index.ids if end <= horizon]:
            del index.ids[end]
            for key in index.chunks.pop(end, []):
                self.seen.pop(key, None)
        return out

    def reindex(self) -> None:
        """Forget the indexes: the tables changed under them (partitions assigned after a rebalance)."""
        self._index.clear()

    def _partition(self, partition: int) -> _PartitionIndex:
        """The partition's index, built from the tables when missing."""
        index = self._index.get(partition)
        if index is None:
            index = self._index[partition] = _PartitionIndex()
            prefix = self.kpi + "|"
            for key, stored in list(self.windows.items()):
                if stored["partition"] == partition and key.startswith(prefix):
                    index.windows.setdefault(stored["end"], set()).add(key)
            entries = [(key, entry) for key, entry in list(self.seen.items()) if key.startswith(prefix)]
            for key, entry in sorted(entries, key=lambda item: int(item[0].rsplit("|", 1)[1])):
                if entry["partition"] == partition:
                    index.ids.setdefault(entry["end"], set()).update(entry["ids"])
                    index.chunks.setdefault(entry["end"], []).append(key)
        return index
