"""Each agency's Decision 766 timeliness as a KPI record (pure logic, no I/O).

The Decision scores an agency on the share of its received dossiers that were, or still are, on time
(early, on time, in time: ioc.indicators.public_services). The index itself is computed on request; this
ratio is also published as a KPI so that alert rules judge it like any other (``timeliness_766``, metric
``timeliness``), over the dossiers received in the last ``DAYS`` days: a rolling period, so an alert does
not stay open over a month's turn for want of new dossiers. Agencies with fewer than ``MIN_RECEIVED``
dossiers in it get none: one late dossier of three is not yet a trend worth an alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ioc.indicators.public_services import AgencyFigures

KPI = "timeliness_766"
DAYS = 30
MIN_RECEIVED = 10


def timeliness_kpis(
    figures: Mapping[str, AgencyFigures], since: datetime, at: datetime, units: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """KPI records of the agencies with enough dossiers received from ``since``; the revision is the
    evaluation second, so the newest evaluation of a period replaces the older ones in storage."""
    out = []
    for agency, f in sorted(figures.items()):
        ratio = f.ratios.get("timeliness")
        received = f.counts.get("received", 0)
        if ratio is None or received < MIN_RECEIVED:
            continue
        detail = {k: f.counts[k] for k in ("received", "early", "on_time", "late", "in_time", "overdue")}
        out.append({
            "kpi": KPI, "feed": "dossier", "source": agency, "metric": "timeliness", "unit_code": units.get(agency),
            "window_start": since.isoformat(), "window_end": at.isoformat(), "value": round(ratio, 4),
            "count": received, "min": round(ratio, 4), "max": round(ratio, 4), "revision": int(at.timestamp()),
            "detail": detail,
        })  # fmt: skip
    return out
