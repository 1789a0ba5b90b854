"""SQL the dashboard runs against TimescaleDB, and the validation of its parameters (pure)."""

from __future__ import annotations

import re
from datetime import timedelta

from ioc.db import KPI_WINDOW_COLUMNS

# The newest window per (kpi, source, metric) of the last week; the (source, metric, start) index serves it.
LATEST_KPI = f"""
SELECT DISTINCT ON (kpi, source, metric) {", ".join(KPI_WINDOW_COLUMNS)}
FROM kpi_window
WHERE window_start > now() - interval '7 days'
  AND (%(source)s::text IS NULL OR source = %(source)s)
  AND (%(metric)s::text IS NULL OR metric = %(metric)s)
ORDER BY kpi, source, metric, window_start DESC
"""

# Count-weighted mean of the windows in each bucket, so a bucket's value is the mean of its readings.
KPI_HISTORY = """
SELECT time_bucket(%(bucket)s, window_start) AS bucket, kpi, source, metric,
       sum(value * count) / sum(count) AS value, min(min) AS min, max(max) AS max, sum(count)::int AS count
FROM kpi_window
WHERE window_start >= %(start)s AND window_start < %(end)s
  AND (%(source)s::text IS NULL OR source = %(source)s)
  AND (%(metric)s::text IS NULL OR metric = %(metric)s)
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
LIMIT %(limit)s
"""

BUCKET = re.compile(r"^(\d{1,4})(s|m|h|d)$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MIN_BUCKET = timedelta(minutes=1)
MAX_BUCKET = timedelta(days=31)
MAX_BUCKETS = 20000


def parse_bucket(text: str) -> timedelta:
    """'5m' → 5 minutes; raises ValueError with the accepted form otherwise."""
    match = BUCKET.match(text)
    if not match:
        raise ValueError("bucket must be a number and a unit s, m, h or d, e.g. 5m or 1h")
    size = timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    if not MIN_BUCKET <= size <= MAX_BUCKET:
        raise ValueError("bucket must be between 1m and 31d")
    return size
