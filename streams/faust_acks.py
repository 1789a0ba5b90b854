"""Faust's acknowledgements (faust-streaming 0.15.3): offset commits without repeated acks, and rebalances
that do not wait for deliveries Faust itself dropped.

Repeated acks. Per partition, Faust commits the first run of consecutive offsets in its list of acked
offsets. A gap it recorded (an offset jump seen by its fetch loop, as when the seek to the committed offsets
at start-up races records already being delivered) is later added to that list without checking which of its
offsets were acked meanwhile, so they appear twice, and each repeat ends the run: the commit then moves one
offset per commit interval (about 0.4 a second) although everything was processed. A worker that starts
behind a backlog (after a crash, or after another app filled the shared topics) idled with its group minutes
behind, moving just enough that the watchdog did not see a stall.

Dropped deliveries. At a rebalance Faust empties its agents' queues, then waits until every message in
flight is acknowledged by all its agents; it counts on a dropped message being garbage-collected out of its
weak set of unacknowledged messages. A message of a topic with two agents (ioc.obs, ioc.kpi) that one agent
had processed stays referenced by that agent's last event (Faust's own stream loop holds it until the next
one, which a paused stream never gets) while its copy queued for the other agent was dropped: the worker
then waited for the broker's rebalance timeout, about 60 s, with every partition paused (seen in the
benchmark's two-worker drains). The dropped deliveries are now counted, and a message whose remaining
references are all dropped ones is no longer waited for. It is not acknowledged either: its offset is not
committed, and the partition's next owner reads it again.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from faust.transport.consumer import Consumer
from mode.utils.queues import FlowControlEvent

_faust_new_offset = Consumer._new_offset
_faust_clear = FlowControlEvent.clear
dropped: WeakKeyDictionary[Any, int] = WeakKeyDictionary()  # message → its deliveries dropped by a rebalance


def new_offset(consumer: Any, tp: Any) -> int | None:
    """Faust's next offset to commit for ``tp``, from its acked offsets without repeats. A repeat made by the
    gap added in this very call still shortens this commit; the next one, a commit interval later, is whole."""
    acked: list[int] = consumer._acked[tp]
    if len(acked) != len(set(acked)):
        acked[:] = sorted(set(acked))
    return _faust_new_offset(consumer, tp)


def clear_queues(flow: Any) -> None:
    """Faust's emptying of the agents' queues at a rebalance, counting the deliveries it drops."""
    for queue in flow._queues:
        for event in getattr(queue, "_queue", ()):
            message = getattr(event, "message", None)
            if message is not None:
                dropped[message] = dropped.get(message, 0) + 1
    _faust_clear(flow)


def clean_unacked_messages(consumer: Any) -> None:
    """Faust's rebalance waits for these: not the acknowledged ones, nor those only dropped deliveries hold
    (a message not delivered yet, refcount 0 and nothing dropped, is still waited for)."""
    consumer._unacked_messages -= {
        message
        for message in consumer._unacked_messages
        if message.acked or 0 < dropped.get(message, 0) >= message.refcount
    }


def install() -> None:
    """Every Faust consumer of this process commits through ``new_offset`` and waits through the others."""
    Consumer._new_offset = new_offset  # type: ignore[method-assign, assignment]
    Consumer._clean_unacked_messages = clean_unacked_messages  # type: ignore[method-assign, assignment]
    FlowControlEvent.clear = clear_queues  # type: ignore[method-assign, assignment]
