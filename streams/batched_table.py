"""A Faust table seen through a write-back buffer, so a batch of events writes each key's changelog once.

Faust sends one changelog message per table assignment. The KPI agent changes the same few window
entries with every reading (a window per source, metric and size), so per-event writes made the
changelog, not the arithmetic, the cost of the worker: ~16 messages per reading. Here the agent works
on a batch of events (``take_events``, acknowledged only after the batch), every change lands in the
buffer, and ``commit`` applies the last value of each changed key to the table and sends it to the
changelog partition of the event that changed it (the key's own partition: keys are per source, and
a source lives in one partition). Faust still flushes its producer before it commits the batch's
offsets, so a crash replays the batch rather than losing state.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol

_DELETED = object()
BATCH = 500  # events per batch of an agent that uses these tables
BATCH_WAIT = 0.5  # seconds a partial batch waits: the most it adds to a KPI or alert; lets a steady flow coalesce too


class ChangeloggedTable(Protocol):
    """What is used of a Faust table: its store and its changelog."""

    data: MutableMapping[Any, Any]

    def send_changelog(
        self, partition: int | None, key: Any, value: Any, key_serializer: Any = None, value_serializer: Any = None
    ) -> Any: ...


class BatchedTable(MutableMapping[str, Any]):
    """Reads see the table plus the pending changes; writes wait for ``commit``. Set ``partition`` to the
    partition of the event being handled before it changes anything."""

    def __init__(self, table: ChangeloggedTable) -> None:
        self.table = table
        self.partition = 0
        self._pending: dict[str, tuple[int, Any]] = {}

    def __getitem__(self, key: str) -> Any:
        pending = self._pending.get(key)
        if pending is None:
            return self.table.data[key]
        if pending[1] is _DELETED:
            raise KeyError(key)
        return pending[1]

    def __setitem__(self, key: str, value: Any) -> None:
        self._pending[key] = (self.partition, value)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._pending[key] = (self.partition, _DELETED)

    def __iter__(self) -> Iterator[str]:
        for key in list(self.table.data):
            if self._pending.get(key, (0, None))[1] is not _DELETED:
                yield key
        for key, (_, value) in list(self._pending.items()):
            if value is not _DELETED and key not in self.table.data:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def commit(self) -> int:
        """Apply the pending changes to the table and its changelog; returns how many keys changed."""
        changed = len(self._pending)
        for key, (partition, value) in self._pending.items():
            if value is _DELETED:
                self.table.data.pop(key, None)
                self.table.send_changelog(partition, key, None, value_serializer="raw")
            else:
                self.table.data[key] = value
                self.table.send_changelog(partition, key, value)
        self._pending.clear()
        return changed
