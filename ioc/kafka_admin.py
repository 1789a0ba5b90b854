"""Kafka administration with kafka-python: readiness and explicit topic creation at start-up."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import CoordinatorNotAvailableError, KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)


def wait_ready(bootstrap: list[str], timeout: float = 60.0) -> set[str]:
    """Block until the cluster answers a metadata request; returns its topic names.

    Raises TimeoutError with the last client error when it does not answer within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    client_log = logging.getLogger("kafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)  # each refused attempt would log an ERROR while the broker boots
    try:
        while time.monotonic() < deadline:
            try:
                admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
                try:
                    return set(admin.list_topics())
                finally:
                    admin.close()
            except (KafkaError, OSError) as exc:
                last = exc
                time.sleep(0.5)
    finally:
        client_log.setLevel(level)
    raise TimeoutError(f"Kafka at {','.join(bootstrap)} did not answer within {timeout:.0f}s: {last}")


def ensure_topics(bootstrap: list[str], topics: list[str], partitions: int, replication: int) -> list[str]:
    """Create the missing ``topics``; returns the names created. Existing topics are left as they are."""
    existing = wait_ready(bootstrap)
    missing = [name for name in topics if name not in existing]
    if not missing:
        return []
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, partitions, replication)])
                log.info("created topic %s (%d partitions)", name, partitions)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    return missing


@dataclass(frozen=True)
class GroupPosition:
    """Where consumer group ``group`` stands: the offset it has reached per (topic, partition) (its commit,
    or the partition's start if it never committed) and the messages left per topic."""

    done: dict[tuple[str, int], int]
    lag: dict[str, int]
    waiting: dict[tuple[str, int], int]  # messages left per partition


def group_position(bootstrap: list[str], group: str, topic_names: list[str]) -> GroupPosition:
    from kafka import KafkaConsumer, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000, enable_auto_commit=False)
    try:
        committed = _committed(admin, group)
        partitions = [
            TopicPartition(topic, p)
            for topic in topic_names
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        done: dict[tuple[str, int], int] = {}
        lag: dict[str, int] = {topic: 0 for topic in topic_names}
        waiting: dict[tuple[str, int], int] = {}
        for tp in partitions:
            meta = committed.get(tp)
            key = (tp.topic, tp.partition)
            done[key] = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
            waiting[key] = max(0, ends[tp] - done[key])
            lag[tp.topic] += waiting[key]
        return GroupPosition(done, lag, waiting)
    finally:
        consumer.close()
        admin.close()


def place_group(bootstrap: list[str], group: str, offsets: dict[Any, int]) -> None:
    """Commit ``offsets`` (per TopicPartition) for a group that has not run yet, so it starts exactly there."""
    from kafka import KafkaConsumer
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
    finally:
        consumer.close()


def adopt_offsets(bootstrap: list[str], group: str, previous: str, topic_names: list[str]) -> int:
    """A group that has never committed on ``topic_names`` starts where ``previous`` stands on them, if it
    committed there: a consumer moved to a group of its own (the validator, once a Faust agent of the app's
    group) goes on from its old place rather than reading the topics' whole retention again. Returns the
    partitions placed."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        if any(tp.topic in topic_names for tp in _committed(admin, group)):
            return 0
        offsets = {
            tp: meta.offset
            for tp, meta in _committed(admin, previous).items()
            if tp.topic in topic_names and meta.offset >= 0
        }
    finally:
        admin.close()
    if offsets:
        place_group(bootstrap, group, offsets)
    return len(offsets)


def _committed(admin: KafkaAdminClient, group: str, attempts: int = 20) -> dict[Any, Any]:
    """Committed offsets of ``group``; a new cluster has no group coordinator for a moment, so wait for it."""
    for attempt in range(attempts):
        try:
            return admin.list_group_offsets(group).get(group, {})
        except CoordinatorNotAvailableError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
    return {}
