"""aiokafka's producer metadata without forgetting topics (aiokafka 0.14).

A client tracking no topic fetches the metadata of every topic. The producer's client starts that way, and
its first send to a topic missing from that metadata (one created after the fetch, such as a changelog the
worker has just created) makes it track that topic alone: the next fetch asks for it only and drops every
other topic from the cache. A batch still lingering for one of those topics then has no leader and is never
sent until something is sent to its topic again, and ``flush()`` waits for it. Faust flushes before each
commit, so the worker's commits hung and its watchdog found it stalled. Re-check on an aiokafka upgrade.
"""

from __future__ import annotations

from typing import Any

from aiokafka.client import AIOKafkaClient

_aiokafka_add_topic = AIOKafkaClient.add_topic


def add_topic(client: Any, topic: str) -> Any:
    """A client that fetches every topic's metadata keeps doing so (a forced fetch brings the new topic in);
    one tracking chosen topics (a consumer's subscription) adds ``topic`` as aiokafka does."""
    if not client._topics:
        return client.force_metadata_update()
    return _aiokafka_add_topic(client, topic)


def install() -> None:
    """Every aiokafka client of this process adds topics through ``add_topic``."""
    AIOKafkaClient.add_topic = add_topic
