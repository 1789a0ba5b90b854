"""ioc.obs messages: validated envelopes bound for one partition, up to ``MAX_RECORDS`` of them as one JSON array.

Why arrays: a Kafka message costs each of its readers about the same however small it is (aiokafka's
record decoding, Faust's tasks and stream step per message, the producer's per-send bookkeeping), and
ioc.obs has four readers (KPI agent, alert agent, sinks, dashboard). The validator packs the readings of
one fetched ingest batch that go to one partition (the partition of their source's key, as when each was a
message) into messages, in their order: each partition sees the same readings in the same order as before,
and a backfill pays the per-message costs once per ``MAX_RECORDS`` readings. Packing by source instead
would reorder a partition's readings (one source's run, then the next's) past the windows' lateness.
``MAX_RECORDS`` also bounds the readings one Faust event brings to an agent's batch (streams.batched_table).

A reader accepts a single JSON object too: messages written before arrays, still in the topic at an upgrade.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from aiokafka.partitioner import DefaultPartitioner

MAX_RECORDS = 25
MAX_BYTES = 256 * 1024  # well under Kafka's default 1 MB message limit; a larger envelope travels alone
partition_of = DefaultPartitioner()  # the producer's own choice for a key: a source's state stays in one partition


def messages(readings: Iterable[tuple[str, bytes]], partitions: list[int]) -> Iterator[tuple[int, bytes]]:
    """(source, encoded envelope) pairs in arrival order → (partition, message value) for ioc.obs, whose
    ``partitions`` are given sorted."""
    by_partition: dict[int, list[bytes]] = defaultdict(list)
    for source, encoded in readings:
        by_partition[partition_of(source.encode(), partitions, partitions)].append(encoded)
    for partition, encoded_list in by_partition.items():
        for value in pack(encoded_list):
            yield partition, value


def pack(encoded: Iterable[bytes]) -> Iterator[bytes]:
    """Encoded envelopes (bound for one partition, in order) → message values, each a JSON array of some."""
    chunk: list[bytes] = []
    size = 0
    for body in encoded:
        if chunk and (len(chunk) == MAX_RECORDS or size + len(body) > MAX_BYTES):
            yield b"[" + b",".join(chunk) + b"]"
            chunk, size = [], 0
        chunk.append(body)
        size += len(body) + 1
    if chunk:
        yield b"[" + b",".join(chunk) + b"]"


def unpack(value: bytes | None) -> list[dict[str, Any]] | None:
    """The envelopes of a message (an array of objects, or one object); None if it is neither."""
    try:
        body = orjson.loads(value)  # type: ignore[arg-type]  # None raises TypeError, caught below
    except (TypeError, ValueError):
        return None
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        return body
    return None
