"""Sink agents: ioc.obs, ioc.kpi and ioc.deadletter → TimescaleDB, in batches.

Faust acks a batch from ``take_events`` when the body resumes, also when it is cancelled or raises, so a
batch must be committed to the database before control returns; ``persist`` makes sure of it or ends the
process at once, without committing offsets, so the batch is read again after the restart.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, cast

import faust

from streams.app import app, deadletter, decode, kpi, obs, settings
from streams.sinks import DeadLetterSink, KpiSink, ObservationSink, SinkError, TimescaleSink

log = logging.getLogger(__name__)
EXIT_UNSTORED = 75


async def persist(sink: TimescaleSink, messages: list[dict[str, Any]]) -> None:
    task = asyncio.ensure_future(sink.write(messages))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        # The worker is stopping: finish this batch first, since its offsets are acked on the way out.
        try:
            await asyncio.wait_for(task, timeout=20)
        except Exception:
            log.critical("%s: batch not stored at shutdown; exiting before offsets are committed", sink.table)
            os._exit(EXIT_UNSTORED)
        raise
    except SinkError:
        log.critical("%s: batch cannot be stored; exiting before offsets are committed", sink.table, exc_info=True)
        os._exit(EXIT_UNSTORED)


def sink_agent(topic: Any, sink: TimescaleSink) -> None:
    async def store(stream: faust.StreamT) -> None:
        batches = cast(faust.Stream, stream).take_events(settings.sink_batch_size, within=settings.sink_flush_seconds)
        try:
            async for events in batches:
                messages = [decode(event.message) for event in events]
                await persist(sink, [message for message in messages if message is not None])
        finally:
            await sink.close()

    app.agent(topic, name=f"streams.sink_agents.store_{sink.table}")(store)


sink_agent(obs, ObservationSink(settings.dsn))
sink_agent(kpi, KpiSink(settings.dsn))
sink_agent(deadletter, DeadLetterSink(settings.dsn))
