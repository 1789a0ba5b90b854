"""Sinks: ioc.obs, ioc.kpi and ioc.deadletter → TimescaleDB, by a plain consumer that commits after storing.

It runs as a task of the Faust worker but with its own consumer group (``<app id>-sink``) and manual
commits: fetch a batch, store every row of it (one transaction per table), then commit the batch's
offsets. A crash anywhere before the commit re-reads the batch, and the idempotent upserts make the
second write a no-op, so what Kafka holds always reaches the database, once. Faust's own acks are not
used here: they are made for per-event agents, and a buffered batch acknowledged before it is stored
is a record lost when the worker dies.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError, KafkaError

from ioc import topics
from streams.app import app, decode, settings
from streams.sinks import DeadLetterSink, KpiSink, ObservationSink, TimescaleSink

log = logging.getLogger(__name__)
EXIT_UNSTORED = 75
GROUP = topics.sink_group(settings.app_id)
SINK_OF: dict[str, TimescaleSink] = dict(
    zip(
        topics.SINK_INPUTS,
        (ObservationSink(settings.dsn), KpiSink(settings.dsn), DeadLetterSink(settings.dsn)),
        strict=True,
    )
)
SINKS = list(SINK_OF.values())


async def store(batch: dict[Any, list[ConsumerRecord]]) -> int:
    """Write one fetched batch, table by table; returns the number of messages."""
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for records in batch.values():
        for record in records:
            message = decode(record)
            if message is not None:
                by_topic[record.topic].append(message)
    for topic, messages in by_topic.items():
        await SINK_OF[topic].write(messages)
    return sum(len(records) for records in batch.values())


async def started_consumer() -> AIOKafkaConsumer:
    """The sinks' consumer, once Kafka answers (the worker may start before the broker)."""
    delay = 0.5
    while True:
        consumer = AIOKafkaConsumer(
            *SINK_OF,
            bootstrap_servers=settings.bootstrap_servers,
            group_id=GROUP,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.sink_batch_size,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
        )
        try:
            await consumer.start()
            log.info("sinks: consuming %s as group %s", ", ".join(SINK_OF), GROUP)
            return consumer
        except KafkaError as exc:
            await consumer.stop()
            log.warning("sinks: Kafka not reachable (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def drain(consumer: AIOKafkaConsumer) -> None:
    """Fetch, store, commit, forever."""
    while True:
        try:
            batch = await consumer.getmany(
                timeout_ms=int(settings.sink_flush_seconds * 1000), max_records=settings.sink_batch_size
            )
        except KafkaError as exc:  # the broker restarting: the client reconnects, the position is kept
            log.warning("sinks: fetch failed (%s); retrying", exc)
            await asyncio.sleep(1.0)
            continue
        if not batch:
            continue
        await store(batch)  # retries while the database is unavailable; SinkError if it never can
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance or a broker restart: the batch is read again, by us or the partitions' new owner.
            log.warning("sinks: commit after storing failed (%s); the batch will be read again", exc)


@app.task
async def run_sinks() -> None:
    consumer = await started_consumer()
    try:
        await drain(consumer)
    except asyncio.CancelledError:  # the worker is stopping; an uncommitted batch is read again next time
        raise
    except BaseException:
        # Without its sinks the worker would run on and store nothing: end it, the supervisor restarts it.
        log.critical("sinks: stopped by an error; exiting before the batch's offsets are committed", exc_info=True)
        os._exit(EXIT_UNSTORED)
    finally:
        await consumer.stop()
        for sink in SINKS:
            await sink.close()
