"""An HTTP ingest body split into records, each checked by the validate agent's own rules (pure, no I/O).

The adapter forwards every record, valid or not, to ``ioc.ingest.<feed>``: the validate agent stays the
one place that turns a bad record into a dead letter, and the caller learns at once, from the same
``parse_envelope``, which records will be rejected and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ioc.deadletter import source_hint
from ioc.envelope import RecordError, parse_envelope
from ioc.feeds import FeedKind

JSON = "application/json"
NDJSON = "application/x-ndjson"


class BodyError(ValueError):
    """The body as a whole cannot be read as records (the request is refused, nothing is forwarded)."""


@dataclass(frozen=True)
class Checked:
    """One record of a batch: its raw bytes (what is forwarded) and, when it breaks a rule, why."""

    raw: bytes
    key: bytes
    id: str | None
    error: RecordError | None


def split(body: bytes, content_type: str) -> list[bytes]:
    """The records of a JSON array (or a single object) or of NDJSON (one per non-blank line)."""
    media = content_type.split(";")[0].strip().lower()
    if media == NDJSON:
        return [line.strip() for line in body.splitlines() if line.strip()]
    if media != JSON:
        raise BodyError(f"Content-Type must be {JSON} (an array of records) or {NDJSON} (one record per line)")
    try:
        parsed: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BodyError(f"body is not valid UTF-8 JSON: {exc}") from exc
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list):
        raise BodyError("body must be a JSON array of records (or one record object)")
    return [json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() for item in parsed]


def check(records: list[bytes], kind: FeedKind, now: datetime, max_future: timedelta) -> list[Checked]:
    out = []
    for raw in records:
        try:
            env = parse_envelope(raw, kind, now, max_future)
        except RecordError as error:
            source = source_hint(raw)
            out.append(Checked(raw, (source or kind.name).encode(), None, error))
            continue
        out.append(Checked(raw, env.source.encode(), env.id, None))
    return out


def report(checked: list[Checked]) -> dict[str, Any]:
    """The response body: counts, and per rejected record its index, field, rule and reason."""
    errors = [
        {"index": i, "field": c.error.field, "rule": c.error.rule, "reason": str(c.error)}
        for i, c in enumerate(checked)
        if c.error is not None
    ]
    return {
        "received": len(checked),
        "accepted": len(checked) - len(errors),
        "rejected": len(errors),
        "ids": [c.id for c in checked],
        "errors": errors,
    }
