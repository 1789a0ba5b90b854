from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from faust.types.tuples import Message
from intervaltree import IntervalTree
from mode.utils.queues import FlowControlEvent, ThrowableQueue

from streams.faust_acks import _faust_new_offset, clean_unacked_messages, clear_queues, new_offset

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


def in_flight(refcount: int) -> Any:
    """A message delivered to ``refcount`` agents that have not acknowledged it yet."""
    message = Message("ioc.kpi", 0, 7, 0.0, 0, None, b"k", b"v", None)
    message.incref(refcount)
    return message


def rebalance(messages_queued: list[Any]) -> Any:
    """Faust's flow control with one agent queue holding events of ``messages_queued``; it is then cleared."""
    flow = FlowControlEvent()
    queue: ThrowableQueue[Any] = ThrowableQueue(flow_control=flow, clear_on_resume=True)  # as Faust's channels
    for message in messages_queued:
        queue.put_nowait(SimpleNamespace(message=message))
    clear_queues(flow)
    assert queue.empty()
    return flow


def test_a_rebalance_no_longer_waits_for_a_message_only_dropped_deliveries_hold() -> None:
    processed_by_one_dropped_for_other = in_flight(refcount=1)  # the other agent acknowledged its delivery
    still_processing = in_flight(refcount=2)  # dropped for one agent, still in the other's hands
    rebalance([processed_by_one_dropped_for_other, still_processing])
    consumer = SimpleNamespace(_unacked_messages={processed_by_one_dropped_for_other, still_processing})
    clean_unacked_messages(consumer)
    assert consumer._unacked_messages == {still_processing}
    assert not processed_by_one_dropped_for_other.acked  # not committed: the next owner reads it again


def test_acknowledged_messages_are_cleaned_as_faust_does() -> None:
    done, busy = in_flight(refcount=0), in_flight(refcount=1)
    done.acked = True
    consumer = SimpleNamespace(_unacked_messages={done, busy})
    clean_unacked_messages(consumer)
    assert consumer._unacked_messages == {busy}


def test_a_message_not_yet_delivered_is_still_waited_for() -> None:
    arriving = in_flight(refcount=0)  # tracked by the consumer, not yet handed to the agents' queues
    consumer = SimpleNamespace(_unacked_messages={arriving})
    clean_unacked_messages(consumer)
    assert consumer._unacked_messages == {arriving}
