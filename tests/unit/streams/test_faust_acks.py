from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from intervaltree import IntervalTree

from streams.faust_acks import _faust_new_offset, new_offset

TP = ("ioc.ingest.air_quality", 2)


def consumer_after_a_racing_seek() -> Any:
    """What a worker that started behind a backlog held (seen in an e2e run): 43..127 acked, and a gap
    44..117 recorded when the seek to the committed offset 43 met record 118 already on its way."""
    c = SimpleNamespace(
        _acked=defaultdict(list), _acked_index=defaultdict(set), _gap=defaultdict(IntervalTree),
        _committed_offset=defaultdict(lambda: None),
    )  # fmt: skip
    c._committed_offset[TP] = 43
    c._acked[TP] = list(range(43, 128))
    c._acked_index[TP] = set(range(43, 128))
    c._gap[TP].addi(44, 118)
    return c


def commits(new: Any, times: int) -> list[int | None]:
    c, out = consumer_after_a_racing_seek(), []
    for _ in range(times):
        offset = new(c, TP)
        if offset is not None:
            c._committed_offset[TP] = offset
        out.append(offset)
    return out


def test_faust_alone_crawls_one_offset_per_commit() -> None:
    assert commits(_faust_new_offset, 4) == [45, 46, 47, 48]


def test_without_repeats_the_second_commit_reaches_the_end() -> None:
    assert commits(new_offset, 3) == [45, 128, None]
