"""MQTT messages on ``ioc/<feed>/<source>`` → records for ``ioc.ingest.<feed>`` (pure, no I/O).

The payload is one record in the envelope of docs/integrators.md; ``feed`` and ``source`` may be left out
since the topic names them. Everything else is judged by the validate agent, like a record sent to Kafka
directly, so a device sees the same rules on every adapter. Only what cannot reach an ingest topic (a feed
nobody declared) or contradicts its topic becomes a dead letter here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from ioc import topics
from ioc.deadletter import rejected
from ioc.envelope import RecordError

TOPIC_FILTER = "ioc/+/+"
MAX_PAYLOAD = 768 * 1024  # larger messages are dead letters at once: a record must fit in Kafka's 1 MB


@dataclass(frozen=True)
class Routed:
    """What to produce to Kafka for one message."""

    topic: str
    key: bytes
    value: bytes


def route(mqtt_topic: str, payload: bytes, feeds: Collection[str], received: float) -> Routed:
    """The ingest record of one message, or its dead letter when its topic cannot be honoured."""
    _, feed, source = mqtt_topic.split("/", 2)
    ingest = topics.ingest_topic(feed)
    if len(payload) > MAX_PAYLOAD:
        error = RecordError("$", "size", f"message of {len(payload):,} bytes; at most {MAX_PAYLOAD:,}")
        return _dead_letter(error, payload, feed, ingest, mqtt_topic, received)
    body = _object(payload)
    if body is None:  # not a JSON object: the validate agent rejects it with the precise reason
        return Routed(ingest, source.encode(), payload)
    for name, expected in (("feed", feed), ("source", source)):
        if name in body and body[name] != expected:
            error = RecordError(name, "topic", f"{body[name]!r} published on topic {mqtt_topic!r}")
            return _dead_letter(error, payload, feed, ingest, mqtt_topic, received)
    record = json.dumps({"feed": feed, "source": source, **body}, ensure_ascii=False, separators=(",", ":"))
    raw = record.encode()
    if feed not in feeds:  # kept with the topic's fields so a replay works once the feed is declared
        error = RecordError("feed", "unknown_feed", f"topic {mqtt_topic!r}: no feed {feed!r}; known: {sorted(feeds)}")
        return _dead_letter(error, raw, feed, ingest, mqtt_topic, received)
    return Routed(ingest, source.encode(), raw)


def _object(payload: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _dead_letter(error: RecordError, raw: bytes, feed: str, ingest: str, mqtt_topic: str, received: float) -> Routed:
    # The id hashes the message: a QoS 1 redelivery of it gets the same id (and a row of its own delivery time).
    dl_id = f"mqtt:{mqtt_topic}:{hashlib.sha256(raw).hexdigest()[:20]}"
    letter = rejected(error, raw, feed, dl_id, ingest, received)
    return Routed(topics.DEADLETTER, feed.encode(), json.dumps(letter).encode())


class InOrderAcks:
    """PUBACKs sent in the order the messages arrived (MQTT 3.1.1, 4.6), each once Kafka holds its record.

    Kafka confirms partitions in any order; a message is acknowledged only when it and every earlier one
    are stored, so a broker that redelivers what was not acknowledged never skips a record. A lost
    connection forgets what was pending (``reset``): packet ids are the connection's, and the broker
    delivers again whatever was not acknowledged.
    """

    def __init__(self, send_ack: Callable[[int], object]) -> None:
        self._send_ack = send_ack
        self._pending: deque[list[Any]] = deque()  # [mid, stored]
        self._lock = threading.Lock()
        self._connection = 0

    def received(self, mid: int) -> Callable[[], None]:
        """Registers message ``mid``; call the returned function once Kafka has its record."""
        entry = [mid, False]
        with self._lock:
            self._pending.append(entry)
            connection = self._connection

        def stored() -> None:
            with self._lock:
                if connection != self._connection:
                    return  # acknowledged on a connection that is gone: the broker sends the message again
                entry[1] = True
                while self._pending and self._pending[0][1]:
                    self._send_ack(self._pending.popleft()[0])

        return stored

    def reset(self) -> None:
        with self._lock:
            self._connection += 1
            self._pending.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)
