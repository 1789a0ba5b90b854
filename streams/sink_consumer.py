"""Sinks: ioc.obs, ioc.kpi, ioc.deadletter and ioc.alerts → TimescaleDB, by a consumer that commits after storing.

It runs as a task of the Faust worker but with its own consumer group (``<app id>-sink``) and manual
commits (streams.committing): fetch a batch, store every row of it (one transaction per table), then
commit the batch's offsets. A crash anywhere before the commit re-reads the batch, and the idempotent upserts make the
second write a no-op, so what Kafka holds always reaches the database, once. Faust's own acks are not
used here: they are made for per-event agents, and a buffered batch acknowledged before it is stored
is a record lost when the worker dies.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from ioc import topics
from streams.app import app, decode_records, settings
from streams.committing import Batch, run_committing
from streams.sinks import AlertSink, DeadLetterSink, EventSink, KpiSink, ObservationSink, TimescaleSink

log = logging.getLogger(__name__)
EXIT_UNSTORED = 75
GROUP = topics.sink_group(settings.app_id)
SINKS_OF: dict[str, tuple[TimescaleSink, ...]] = dict(
    zip(
        topics.SINK_INPUTS,
        (
            (ObservationSink(settings.dsn), EventSink(settings.dsn)),
            (KpiSink(settings.dsn),),
            (DeadLetterSink(settings.dsn),),
            (AlertSink(settings.dsn, timedelta(minutes=settings.incident_window_minutes)),),
        ),
        strict=True,
    )
)
SINKS = [sink for sinks in SINKS_OF.values() for sink in sinks]


async def store(batch: Batch) -> None:
    """Write one fetched batch, table by table."""
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for records in batch.values():
        for record in records:
            by_topic[record.topic].extend(decode_records(record))
    for topic, messages in by_topic.items():
        for sink in SINKS_OF[topic]:
            await sink.write(messages)


@app.task
async def run_sinks() -> None:
    try:
        await run_committing(
            "sinks",
            list(SINKS_OF),
            store,
            exit_code=EXIT_UNSTORED,
            timeout_ms=int(settings.sink_flush_seconds * 1000),
            max_records=settings.sink_batch_size,
            bootstrap_servers=settings.bootstrap_servers,
            group_id=GROUP,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
        )
    finally:
        for sink in SINKS:
            await sink.close()
