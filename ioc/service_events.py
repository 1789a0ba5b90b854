"""The stored dossier, feedback and payment events of a period, as envelopes: what the Decision 766 index
and the timeliness KPI are computed from (the dashboard reads them on request, the worker on its timer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ioc.envelope import Envelope
from ioc.indicators.index766 import EVENT_FEEDS

# Every event of the period; an item received before it still reports its received_at and is left out.
PERIOD_EVENTS = """
SELECT time, record_id, feed, source, unit_code, attributes
FROM event
WHERE feed = ANY(%(feeds)s) AND time >= %(since)s AND time <= %(at)s
"""


def params(since: datetime, at: datetime) -> dict[str, Any]:
    return {"feeds": list(EVENT_FEEDS), "since": since, "at": at}


def envelope(row: dict[str, Any]) -> Envelope:
    """A row of PERIOD_EVENTS (its time as a datetime or as ISO text) as the envelope it was stored from."""
    at = row["time"] if isinstance(row["time"], datetime) else datetime.fromisoformat(row["time"])
    return Envelope(
        row["feed"], row["source"], at, {}, row["record_id"], row["unit_code"], attributes=row["attributes"]
    )


def period(dsn: str, since: datetime, at: datetime) -> list[Envelope]:
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=dict_row) as cur:
        return [envelope(row) for row in cur.execute(PERIOD_EVENTS, params(since, at)).fetchall()]
