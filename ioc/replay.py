"""`ioc replay FILE`: records of a JSONL or CSV file into ``ioc.ingest.<feed>``, as fast as possible, at a
rate, or at the pace of their own event times sped up.

Like the HTTP adapter, every record is sent, valid or not: the validate agent stays the one place that
turns a bad record into a dead letter, and the command says at once which lines will be rejected and why
(the same rules, ``ioc.ingest_batch.check``). What cannot be read as records at all (an unknown feed or
CSV column, a file that is not UTF-8) stops the command before anything is sent.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ioc.feeds import FeedKind
from ioc.ingest_batch import Checked, check
from ioc.topics import ingest_topic
from simulators.pace import RateLimit, SimClock

log = logging.getLogger(__name__)
CORE_COLUMNS = ("source", "ts", "id", "unit_code", "lat", "lon")


class ReplayError(ValueError):
    """The file cannot be read as records; the message names the line or column."""


@dataclass(frozen=True)
class Record:
    line: int
    feed: str
    checked: Checked
    ts: datetime | None  # its event time, when readable (for --speed)


def _ts(raw: bytes) -> datetime | None:
    try:
        value = json.loads(raw).get("ts")
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, AttributeError, RecursionError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def read_jsonl(text: str, feed: str | None, kinds: dict[str, FeedKind]) -> list[tuple[int, str, bytes]]:
    """(line, feed, raw bytes) per non-blank line; a line's own ``feed`` wins over ``feed``."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            body = None
        named = body.get("feed") if isinstance(body, dict) else None
        target = named if isinstance(named, str) else feed
        if target is None:
            raise ReplayError(f"line {number}: no feed (a 'feed' field, or --feed)")
        if target not in kinds:
            raise ReplayError(f"line {number}: feed {target!r} is not declared ({', '.join(sorted(kinds))})")
        rows.append((number, target, line.strip().encode()))
    return rows


def _number(text: str) -> float | str:
    """A number, or the text as it is: the validator then names the field."""
    try:
        return float(text)
    except ValueError:
        return text


def _cell(kind: FeedKind, column: str, text: str) -> tuple[str, Any]:
    """Where a CSV cell goes in the envelope, and its value (numbers as numbers, codes as integers)."""
    if column in kind.metrics:
        return "values", _number(text)
    spec = kind.attributes[column]
    return "attributes", int(text) if spec.type == "code" and text.lstrip("-").isdigit() else text


def read_csv(text: str, kind: FeedKind) -> list[tuple[int, str, bytes]]:
    """A header of source, ts (required), id, unit_code, lat, lon (optional) and the feed's metric and
    attribute names; an empty cell is a missing value."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in ("source", "ts") if c not in header]
    if missing:
        raise ReplayError(f"CSV header: needs the columns {', '.join(missing)}")
    unknown = [c for c in header if c not in CORE_COLUMNS and c not in kind.metrics and c not in kind.attributes]
    if unknown:
        known = ", ".join([*CORE_COLUMNS, *kind.metrics, *kind.attributes])
        raise ReplayError(f"CSV header: {', '.join(unknown)} not in feed {kind.name!r} (columns: {known})")
    rows = []
    for row in reader:
        body: dict[str, Any] = {k: row[k] for k in ("source", "ts", "id", "unit_code") if row.get(k)}
        if row.get("lat") or row.get("lon"):
            body["geo"] = {k: _number(row.get(k) or "") for k in ("lat", "lon")}
        for column in header:
            if column not in CORE_COLUMNS and row.get(column):
                part, value = _cell(kind, column, row[column])
                body.setdefault(part, {})[column] = value
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        rows.append((reader.line_num, kind.name, raw))
    return rows


def checked(rows: list[tuple[int, str, bytes]], kinds: dict[str, FeedKind], now: datetime,
            max_future: timedelta) -> list[Record]:  # fmt: skip
    """Each row with what the validate agent will say of it."""
    return [Record(line, feed, check([raw], kinds[feed], now, max_future)[0], _ts(raw)) for line, feed, raw in rows]


def schedule(times: list[datetime | None], speed: float | None, rate: float | None) -> list[float]:
    """Seconds after the start at which each record is sent: ``speed`` x its event time's distance from the
    first one's (a record without a readable time keeps the previous pace), at most ``rate`` per second
    (evenly spaced); 0 for all with neither."""
    first = next((t for t in times if t is not None), None)
    clock = SimClock(first, speed) if speed and first is not None else None
    limit = RateLimit(rate, slack=0.0) if rate else None
    offsets: list[float] = []
    pace = 0.0
    for ts in times:
        pace = clock.offset(ts) if clock is not None and ts is not None else pace
        at = max(pace, offsets[-1] if offsets else 0.0)  # never back in time
        while limit is not None and (wait := limit.admit(at)) > 0:
            at += wait
        offsets.append(at)
    return offsets


def send(producer: Any, records: list[Record], offsets: list[float], say: Callable[[str], None],
         every: float = 5.0) -> float:  # fmt: skip
    """Send each record at its offset; progress every ``every`` seconds; returns the seconds taken."""
    started = last = time.monotonic()
    for i, (record, offset) in enumerate(zip(records, offsets, strict=True)):
        wait = started + offset - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        producer.send(ingest_topic(record.feed), key=record.checked.key, value=record.checked.raw)
        if time.monotonic() - last >= every:
            last = time.monotonic()
            say(f"sent {i + 1}/{len(records)}")
    producer.flush()
    return time.monotonic() - started
