"""Daily summary REST API: one local day of the province in figures (ioc/daily_summary.py over the stored
KPIs, observations, events, alerts and notifications of that day)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from dashboard.auth import Authenticator, Caller
from ioc import daily_summary
from ioc.feeds import registry
from ioc.indicators.public_services import LOCAL
from ioc.sources import sources

Fetch = Callable[[str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
IN_DAY = "time >= %(start)s AND time < %(end)s"

AIR = """
SELECT DISTINCT ON (source) source, value AS aqi, window_start AS at FROM kpi_window
WHERE kpi = 'vn_aqi_1h' AND window_start >= %(start)s AND window_start < %(end)s
ORDER BY source, value DESC, window_start
"""
WATER = f"""
SELECT DISTINCT ON (source) source, value AS level, time AS at FROM observation
WHERE feed = 'hydro' AND metric = 'water_level' AND {IN_DAY}
ORDER BY source, value DESC, time
"""
RAIN = f"""
SELECT source, sum(value) AS mm FROM observation
WHERE feed = 'hydro' AND metric = 'rainfall' AND {IN_DAY} GROUP BY source
"""
CONGESTED = f"""
SELECT source, sum(value) * %(minutes_per_report)s AS minutes FROM observation
WHERE feed = 'traffic' AND metric = 'congested' AND {IN_DAY} GROUP BY source
"""
# Each item once, by its id: a dossier accepted, refused or done, a report received, a payment made.
SERVICES = f"""
SELECT what, count(DISTINCT item) AS n FROM (
    SELECT CASE
        WHEN feed = 'dossier' AND attributes->>'status' = '2' THEN 'accepted'
        WHEN feed = 'dossier' AND attributes->>'status' = '3' THEN 'refused'
        WHEN feed = 'dossier' AND attributes->>'status' IN ('9', '10') THEN 'done'
        WHEN feed = 'feedback' AND attributes->>'stage' = '1' THEN 'feedback'
        WHEN feed = 'payment' AND attributes->>'status' = '1' THEN 'payments'
    END AS what,
    CASE feed WHEN 'dossier' THEN attributes->>'dossier_id' WHEN 'feedback' THEN attributes->>'feedback_id'
              ELSE attributes->>'payment_id' END AS item
    FROM event WHERE feed IN ('dossier', 'feedback', 'payment') AND {IN_DAY}
) e WHERE what IS NOT NULL GROUP BY what
"""
RAISED = f"SELECT domain, severity, count(*) AS n FROM alert_event WHERE kind = 'fired' AND {IN_DAY} GROUP BY 1, 2"
RESOLVED = f"SELECT count(*) AS n FROM alert_event WHERE kind = 'resolved' AND {IN_DAY}"
# The state each alert was in at the end of the day (an alert open for more than 90 days is not counted).
OPEN_AT_END = """
SELECT domain, count(*) AS n FROM (
    SELECT DISTINCT ON (fingerprint) domain, state FROM alert_event
    WHERE time < %(end)s AND time >= %(end)s - interval '90 days' ORDER BY fingerprint, time DESC, seq DESC
) a WHERE state <> 'resolved' GROUP BY domain
"""
ACKS = """
SELECT extract(epoch FROM min(a.time) - f.time) / 60 AS minutes
FROM alert_event f JOIN alert_event a
  ON a.fingerprint = f.fingerprint AND a.opened_at = f.opened_at AND a.kind = 'acknowledged'
WHERE f.kind = 'fired' AND f.time >= %(start)s AND f.time < %(end)s
GROUP BY f.fingerprint, f.time
"""
SENT = f"""
SELECT status, count(*) AS n FROM alert_delivery
WHERE {IN_DAY} AND (%(receiver)s::text IS NULL OR receiver = %(receiver)s) GROUP BY status
"""


def summary_router(fetch: Fetch, auth: Authenticator) -> APIRouter:
    router = APIRouter(tags=["officials"])
    readers = Depends(auth.require("operator", "official", "admin"))

    @router.get("/api/summary/daily")
    async def daily(
        day: Annotated[date | None, Query(description="The local day (Asia/Ho_Chi_Minh), default today.")] = None,
        caller: Caller = readers,
    ) -> dict[str, Any]:
        """One day in figures per domain: the worst stations, gauges and roads, public-service counts, alerts
        raised and handled, and notifications sent (an official linked to a receiver: theirs)."""
        now = datetime.now(LOCAL)
        day = day or now.date()
        if day > now.date():
            raise HTTPException(422, f"day: {day} is in the future (today is {now.date()} in Asia/Ho_Chi_Minh)")
        start, end = daily_summary.day_bounds(day)
        receiver = caller.receiver if caller.role == "official" else None
        minutes_per_report = registry()["traffic"].interval_seconds / 60
        params = {"start": start, "end": end, "receiver": receiver, "minutes_per_report": minutes_per_report}
        queries = (AIR, WATER, RAIN, CONGESTED, SERVICES, RAISED, RESOLVED, OPEN_AT_END, ACKS, SENT)
        air, water, rain, congested, services, raised, resolved, open_at_end, acks, sent = [
            await fetch(sql, params)
            for sql in queries  # one at a time: the pool is shared with the live screens
        ]
        known = sources()
        return {
            "day": day.isoformat(),
            "from": start.isoformat(),
            "to": min(end, now).isoformat(),
            "complete": end <= now,
            "receiver": receiver,
            "air": daily_summary.air(air, known),
            "water": daily_summary.water(water, rain, known),
            "traffic": daily_summary.traffic(congested, known),
            "services": daily_summary.services(services),
            "alerts": daily_summary.alerts(raised, resolved[0]["n"], open_at_end, (r["minutes"] for r in acks)),
            "notifications": daily_summary.notifications(sent),
        }

    return router
