"""SQL that makes a sink's insert also count, per feed and source, the rows it newly stored (source_activity,
source_seen: the feed-health view). Built once per sink class; runs in the sink's batch transaction."""

from __future__ import annotations

from typing import Literal


def counted(insert: str, kind: Literal["records", "rejected"], only_new_records: str = "") -> str:
    """``insert`` must end in ``RETURNING feed, source, record_id, time``; ``only_new_records`` is an extra
    condition on those returned rows (e.g. not already counted by another sink of the same batch)."""
    stored = "now()" if kind == "records" else "NULL::timestamptz"
    event = "last_event" if kind == "records" else "NULL::timestamptz"
    where = f"WHERE {only_new_records}" if only_new_records else ""
    return f"""
WITH ins AS ({insert}),
agg AS (
    SELECT coalesce(feed, '') AS feed, coalesce(source, '') AS source, count(DISTINCT record_id)::int AS n,
           max(time) AS last_event
    FROM ins {where} GROUP BY 1, 2
),
seen AS (
    INSERT INTO source_seen AS s (feed, source, first_seen, last_seen, last_stored, last_event)
    SELECT feed, source, now(), now(), {stored}, {event} FROM agg ORDER BY feed, source
    ON CONFLICT (feed, source) DO UPDATE SET
        last_seen = EXCLUDED.last_seen,
        last_stored = coalesce(EXCLUDED.last_stored, s.last_stored),
        last_event = greatest(s.last_event, EXCLUDED.last_event)
)
INSERT INTO source_activity AS a (minute, feed, source, {kind})
SELECT date_trunc('minute', now()), feed, source, n FROM agg ORDER BY feed, source
ON CONFLICT (feed, source, minute) DO UPDATE SET {kind} = a.{kind} + EXCLUDED.{kind}
"""
