"""Feed health per source, "đúng, đủ, sạch, sống": is each source live, how fast does it send, how much of
it is rejected (pure; the counts come from source_activity and source_seen, kept by the sinks).

A source is silent when nothing came from it for more than ``SILENT_AFTER`` of its reporting interval (the
feed declaration's, or its metadata's own); a source in the metadata that never sent anything is
``never``. Sources that send without being in the metadata are listed too: integrators see them arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SILENT_AFTER = 3  # reporting intervals


@dataclass(frozen=True)
class Seen:
    """One source's counts over the window and its last record ever (rows of source_activity/source_seen)."""

    feed: str
    source: str
    records: int
    rejected: int
    first_seen: datetime | None
    last_seen: datetime | None
    last_stored: datetime | None
    last_event: datetime | None


@dataclass(frozen=True)
class Expected:
    """A source the metadata declares for a feed, with its reporting interval."""

    feed: str
    source: str
    name: str | None
    unit_code: str | None
    interval_seconds: float


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts is not None else None


def source_health(seen: Seen | None, expected: Expected, now: datetime, window: timedelta) -> dict[str, Any]:
    """One row of the health view."""
    records = seen.records if seen else 0
    rejected = seen.rejected if seen else 0
    last_seen = seen.last_seen if seen else None
    silent_for = (now - last_seen).total_seconds() if last_seen else None
    if last_seen is None:
        status = "never"
    elif silent_for is not None and silent_for > SILENT_AFTER * expected.interval_seconds:
        status = "silent"
    else:
        status = "ok"
    minutes = window.total_seconds() / 60
    return {
        "feed": expected.feed,
        "source": expected.source,
        "name": expected.name,
        "unit_code": expected.unit_code,
        "status": status,
        "interval_seconds": expected.interval_seconds,
        "records": records,
        "rejected": rejected,
        "per_minute": round(records / minutes, 3),
        "rejected_share": round(rejected / (records + rejected), 4) if records + rejected else None,
        "first_seen": _iso(seen.first_seen if seen else None),
        "last_seen": _iso(last_seen),
        "last_stored": _iso(seen.last_stored if seen else None),
        "last_event": _iso(seen.last_event if seen else None),
        "silent_since": _iso(last_seen) if status == "silent" else None,
    }


def health(
    seen: list[Seen], expected: list[Expected], default_interval: dict[str, float], now: datetime, window: timedelta
) -> list[dict[str, Any]]:
    """Every declared source and every source that sent something, worst first (never, silent, ok), then by
    feed and source. ``default_interval``: per feed, for sources the metadata does not know."""
    by_key = {(s.feed, s.source): s for s in seen}
    known = {(e.feed, e.source): e for e in expected}
    for key in by_key.keys() - known.keys():
        feed, source = key
        known[key] = Expected(feed, source, None, None, default_interval.get(feed, 60.0))
    rows = [source_health(by_key.get(key), e, now, window) for key, e in known.items()]
    order = {"never": 0, "silent": 1, "ok": 2}
    return sorted(rows, key=lambda r: (order[r["status"]], r["feed"], r["source"]))


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per feed: how many sources are ok, silent, never seen."""
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = result.setdefault(row["feed"], {"ok": 0, "silent": 0, "never": 0})
        counts[row["status"]] += 1
    return result
