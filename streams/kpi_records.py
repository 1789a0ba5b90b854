"""KPI records as the sinks store them and the dashboard shows them (pure)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from ioc.envelope import Envelope

LOCAL_MIDNIGHT = 17 * 3600  # 00:00 in Asia/Ho_Chi_Minh (UTC+7, no daylight saving) is 17:00 UTC
DAY = 86400


def local_day_start(epoch: float) -> int:
    """The epoch second at which the local day (Asia/Ho_Chi_Minh) holding ``epoch`` begins."""
    return math.floor((epoch - LOCAL_MIDNIGHT) / DAY) * DAY + LOCAL_MIDNIGHT


def utc_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def reading_kpi(
    kpi: str, env: Envelope, metric: str, value: float, revision: int, detail: dict[str, Any]
) -> dict[str, Any]:
    """The KPI of one reading: its window starts and ends at the reading's time."""
    at = utc_iso(env.ts.timestamp())
    return {
        "kpi": kpi, "feed": env.feed, "source": env.source, "metric": metric, "unit_code": env.unit_code,
        "window_start": at, "window_end": at, "value": value, "count": 1, "min": value, "max": value,
        "revision": revision, "detail": detail,
    }  # fmt: skip
