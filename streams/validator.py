"""Validation: raw ioc.ingest.<feed> messages → ioc.obs, or ioc.deadletter with the reason.

A task of the worker with its own consumer group (``<app id>-validate``), a plain aiokafka consumer and
producer (streams.committing), not a Faust agent: Faust hands each message of an agent's topic through
several tasks and futures of its own, and that and its producer were a third of the worker's time in
the benchmark. Here a fetched batch is checked in one loop; its valid records are sent (acks=all) packed
by the partition of ioc.obs their source's key puts them in (ioc.obs_messages), its dead letters one by
one, all awaited together, and only then are its offsets committed. A crash before the commit checks the
batch again: the repeats carry the same record ids and dead-letter ids (topic:partition:offset), which
the KPI agent's dedup and the sinks' upserts absorb. Kafka refusing a record for good ends the worker
before the commit.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import kafka.errors
from aiokafka import AIOKafkaProducer

from ioc import topics
from ioc.deadletter import dead_letter
from ioc.envelope import RecordError, parse_envelope
from ioc.feeds import registry
from ioc.kafka_admin import adopt_offsets
from ioc.obs_messages import messages
from streams.app import app, encode, settings
from streams.committing import Batch, run_committing, started

log = logging.getLogger(__name__)
EXIT_UNFORWARDED = 76
GROUP = topics.validate_group(settings.app_id)
MAX_FUTURE = timedelta(seconds=settings.max_future_seconds)
BATCH = 1000  # messages per fetch: one commit per batch, and the sends of a batch awaited together


class Validator:
    """Checks a batch and forwards each message exactly once to one of the two topics."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.feeds = registry()

    async def forward(self, batch: Batch) -> None:
        now = datetime.now(UTC)
        sent = []
        partitions = sorted(await self.producer.partitions_for(topics.OBS))
        valid: list[tuple[str, bytes]] = []
        for records in batch.values():
            for message in records:
                feed = message.topic.removeprefix(topics.INGEST_PREFIX)
                raw = message.value or b""
                try:
                    env = parse_envelope(raw, self.feeds[feed], now, MAX_FUTURE)
                except RecordError as error:
                    received = message.timestamp / 1000  # Kafka's milliseconds
                    letter = dead_letter(error, raw, feed, message.topic, message.partition, message.offset, received)
                    log.info("dead letter %s: %s", letter["dl_id"], letter["reason"])
                    sent.append(await self.producer.send(topics.DEADLETTER, encode(letter), key=feed.encode()))
                    continue
                valid.append((env.source, env.to_bytes()))
        for partition, value in messages(valid, partitions):
            sent.append(await self.producer.send(topics.OBS, value, partition=partition))
        await asyncio.gather(*sent)  # a record Kafka gave up on raises here, before the batch's commit


@app.task
async def run_validator() -> None:
    ingest = [topics.ingest_topic(feed) for feed in registry()]
    producer = await started(
        "validator",
        lambda: AIOKafkaProducer(
            bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=10, max_batch_size=256 * 1024
        ),
    )
    try:
        placed = await asyncio.to_thread(adopt_offsets, settings.bootstrap_servers, GROUP, settings.app_id, ingest)
    except kafka.errors.KafkaError as exc:  # kafka-python's (admin): then it reads from the earliest kept offset
        log.warning("validator: cannot read the previous group's offsets (%s)", exc)
    else:
        if placed:
            log.info("validator: group %s starts where group %s stood (%d partitions)", GROUP, settings.app_id, placed)
    try:
        await run_committing(
            "validator",
            ingest,
            Validator(producer).forward,
            exit_code=EXIT_UNFORWARDED,
            timeout_ms=1000,
            max_records=BATCH,
            bootstrap_servers=settings.bootstrap_servers,
            group_id=GROUP,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
        )
    finally:
        await producer.stop()
