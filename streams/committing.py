"""A consumer that commits only what was handled: the shape the sinks and the notifier share.

Fetch a batch, hand it over (store it, notify it), then commit its offsets. A crash before the commit
hands the same batch over again after the restart, so what handles it must be idempotent (upserts,
idempotency keys). An error the handler cannot recover from ends the worker before the commit: its
supervisor starts a fresh one, which reads the batch again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

log = logging.getLogger(__name__)
Batch = dict[TopicPartition, list[ConsumerRecord]]
Client = TypeVar("Client", AIOKafkaConsumer, AIOKafkaProducer)


async def started(name: str, make: Callable[[], Client]) -> Client:
    """A started aiokafka consumer or producer, once Kafka answers (the worker may start before the broker)."""
    delay = 0.5
    while True:
        client = make()
        try:
            await client.start()
            return client
        except KafkaError as exc:
            await client.stop()
            log.warning("%s: Kafka not reachable (%s); retrying in %.1fs", name, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def started_consumer(name: str, topics: list[str], **config: Any) -> AIOKafkaConsumer:
    """A started consumer of ``topics`` that commits by hand, from the earliest offset when its group has none."""
    consumer = await started(
        name, lambda: AIOKafkaConsumer(*topics, enable_auto_commit=False, auto_offset_reset="earliest", **config)
    )
    log.info("%s: consuming %s as group %s", name, ", ".join(topics), config.get("group_id"))
    return consumer


async def drain(
    name: str, consumer: AIOKafkaConsumer, handle: Callable[[Batch], Awaitable[None]], timeout_ms: int, max_records: int
) -> None:
    """Fetch, handle, commit, forever."""
    while True:
        try:
            batch = await consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        except KafkaError as exc:  # the broker restarting: the client reconnects, the position is kept
            log.warning("%s: fetch failed (%s); retrying", name, exc)
            await asyncio.sleep(1.0)
            continue
        if not batch:
            continue
        await handle(batch)
        try:
            await consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance or a broker restart: the batch is handled again, by us or the partitions' new owner.
            log.warning("%s: commit after handling failed (%s); the batch will be handled again", name, exc)


async def run_committing(
    name: str,
    topics: list[str],
    handle: Callable[[Batch], Awaitable[None]],
    *,
    exit_code: int,
    timeout_ms: int,
    max_records: int,
    **config: Any,
) -> None:
    """Consume ``topics`` with ``handle`` until cancelled; exit the process on any other error."""
    consumer = await started_consumer(name, topics, max_poll_records=max_records, **config)
    try:
        await drain(name, consumer, handle, timeout_ms, max_records)
    except asyncio.CancelledError:  # the worker is stopping; an uncommitted batch is handled again next time
        raise
    except BaseException:
        # Without it the worker would run on and handle nothing: end it, the supervisor restarts it.
        log.critical("%s: stopped by an error; exiting before the batch's offsets are committed", name, exc_info=True)
        logging.shutdown()
        os._exit(exit_code)
    finally:
        await consumer.stop()
