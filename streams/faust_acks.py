"""Faust's offset commits without repeated acks (faust-streaming 0.15.3).

Per partition, Faust commits the first run of consecutive offsets in its list of acked offsets. A gap it
recorded (an offset jump seen by its fetch loop, as when the seek to the committed offsets at start-up races
records already being delivered) is later added to that list without checking which of its offsets were
acked meanwhile, so they appear twice, and each repeat ends the run: the commit then moves one offset per
commit interval (about 0.4 a second) although everything was processed. A worker that starts behind a
backlog (after a crash, or after another app filled the shared topics) idled with its group minutes behind,
moving just enough that the watchdog did not see a stall.
"""

from __future__ import annotations

from typing import Any

from faust.transport.consumer import Consumer

_faust_new_offset = Consumer._new_offset


def new_offset(consumer: Any, tp: Any) -> int | None:
    """Faust's next offset to commit for ``tp``, from its acked offsets without repeats. A repeat made by the
    gap added in this very call still shortens this commit; the next one, a commit interval later, is whole."""
    acked: list[int] = consumer._acked[tp]
    if len(acked) != len(set(acked)):
        acked[:] = sorted(set(acked))
    return _faust_new_offset(consumer, tp)


def install() -> None:
    """Every Faust consumer of this process commits through ``new_offset``."""
    Consumer._new_offset = new_offset  # type: ignore[method-assign, assignment]
