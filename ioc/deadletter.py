"""Dead-letter records: what the validate agent publishes on ioc.deadletter for each rejected message."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from ioc.envelope import RecordError


def source_hint(raw: bytes) -> str | None:
    """The ``source`` of a rejected message when it can still be read, so integrators find their records."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    source = body.get("source") if isinstance(body, dict) else None
    return source[:64] if isinstance(source, str) else None


def dead_letter(
    error: RecordError, raw: bytes, feed: str, topic: str, partition: int, offset: int, received: float
) -> dict[str, Any]:
    """The dead letter for message ``topic:partition:offset`` received at epoch ``received``."""
    return {
        "dl_id": f"{topic}:{partition}:{offset}",
        "topic": topic,
        "feed": feed,
        "source": source_hint(raw),
        "field": error.field,
        "rule": error.rule,
        "reason": str(error),
        "received_at": datetime.fromtimestamp(received, UTC).isoformat(),
        "raw": base64.b64encode(raw).decode("ascii"),
    }
