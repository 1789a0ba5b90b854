"""The Faust application: one app, its topics, and the agent modules it runs (`ioc worker`)."""

from __future__ import annotations

import logging
from typing import Any

import faust
import orjson

from ioc import topics
from ioc.obs_messages import unpack
from ioc.settings import get_settings
from streams import faust_acks, kafka_metadata

settings = get_settings()
log = logging.getLogger(__name__)
# Its "producer buffer full" warning is ordinary backpressure during a backfill, not a fault.
logging.getLogger("faust.transport.producer").setLevel(logging.ERROR)
faust_acks.install()
kafka_metadata.install()

app = faust.App(
    settings.app_id,
    broker=[f"kafka://{server}" for server in settings.bootstrap_servers],
    store="memory://",
    datadir=str(settings.home / "worker" / "{conf.id}"),  # not the current directory
    topic_partitions=settings.topic_partitions,
    topic_replication_factor=settings.topic_replication,
    consumer_auto_offset_reset="earliest",
    producer_acks=-1,
    producer_linger_ms=10,  # a batch per produce request rather than a request per message
    web_enabled=False,
    # A worker killed without leaving the group is noticed after this, and its partitions move on.
    broker_session_timeout=10.0,
    broker_heartbeat_interval=3.0,
    autodiscover=False,
)


@app.task
async def restore_root_log_level() -> None:
    """At warning level Faust's start-up spinner sets the root logger to DEBUG (so it spins on every record) and
    never sets it back: every debug call of Faust and aiokafka then builds a record no handler prints, about
    a tenth of the worker's CPU in the benchmark."""
    logging.getLogger().setLevel(settings.log_level.upper())


def raw_topic(name: str) -> faust.TopicT:
    """Topics carry JSON bytes that the agents decode themselves, so a bad message never kills a stream."""
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


obs = raw_topic(topics.OBS)
kpi = raw_topic(topics.KPI)


def encode(body: dict[str, Any]) -> bytes:
    """JSON of a message to one of our own topics (orjson: the worker spends its time per message)."""
    return orjson.dumps(body)


async def send_kpi(record: dict[str, Any]) -> None:
    """A KPI record to ioc.kpi, keyed by source: every KPI of a source lands in one partition, for the
    indicators built on them."""
    await kpi.send(key=record["source"].encode(), value=encode(record))


def decode(message: Any) -> dict[str, Any] | None:
    """The JSON object of a message on one of our own topics; None (and an error log naming the message)
    for anything else, which only a foreign producer writing to an internal topic can cause."""
    try:
        body = orjson.loads(message.value)
    except (TypeError, ValueError):
        body = None
    if not isinstance(body, dict):
        _skipped(message)
        return None
    return body


def decode_records(message: Any) -> list[dict[str, Any]]:
    """The objects of an ioc.obs message (ioc.obs_messages; one object on the other topics); none, with an
    error log, for anything else."""
    records = unpack(message.value)
    if records is None:
        _skipped(message)
        return []
    return records


def _skipped(message: Any) -> None:
    where = f"{message.topic}:{message.partition}:{message.offset}"
    log.error("skipping a message that is not what our topics carry: %s", where)


# The agents register themselves on ``app`` when imported.
from streams import (  # noqa: E402, F401
    alert_agent,
    derived_agent,
    kpi_agent,
    notifier,
    retention_job,
    sink_consumer,
    storm_summaries,
    timeliness_job,
    validator,
    watchdog,
)
