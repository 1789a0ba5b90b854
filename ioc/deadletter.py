"""Dead-letter records: what the validate agent (and an adapter, for what never reaches an ingest topic)
publishes on ioc.deadletter for each rejected message."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from ioc.envelope import RecordError

RAW_KEPT = 256 * 1024  # base64 makes it 342 KiB, well inside Kafka's 1 MB per message


def source_hint(raw: bytes) -> str | None:
    """The ``source`` of a rejected message when it can still be read, so integrators find their records."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    source = body.get("source") if isinstance(body, dict) else None
    return source[:64] if isinstance(source, str) else None


def dead_letter(
    error: RecordError, raw: bytes, feed: str, topic: str, partition: int, offset: int, received: float
) -> dict[str, Any]:
    """The dead letter for message ``topic:partition:offset`` received at epoch ``received``."""
    return rejected(error, raw, feed, f"{topic}:{partition}:{offset}", topic, received)


def rejected(error: RecordError, raw: bytes, feed: str, dl_id: str, topic: str, received: float) -> dict[str, Any]:
    """A dead letter with id ``dl_id``; ``topic`` is the ingest topic that `ioc deadletter replay` sends it to.

    A message larger than RAW_KEPT keeps only its first RAW_KEPT bytes: the letter must fit in a Kafka message.
    """
    reason = str(error)
    if len(raw) > RAW_KEPT:
        reason += f" (a message of {len(raw):,} bytes: its first {RAW_KEPT:,} are kept)"
    return {
        "dl_id": dl_id,
        "topic": topic,
        "feed": feed,
        "source": source_hint(raw),
        "field": error.field,
        "rule": error.rule,
        "reason": reason,
        "received_at": datetime.fromtimestamp(received, UTC).isoformat(),
        "raw": base64.b64encode(raw[:RAW_KEPT]).decode("ascii"),
    }
