"""Feed health REST API: per source, live or silent, records per minute, share rejected (ioc.feed_health
over the counts the sinks keep). Integrators see the sources of the feeds their key may send."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Query

from dashboard.auth import Authenticator, Caller
from dashboard.hub import Hub
from dashboard.queries import parse_bucket
from ioc.feed_health import Expected, Seen, health, summary
from ioc.feeds import registry
from ioc.sources import metadata, of_feed

log = logging.getLogger(__name__)
HEALTH_WINDOW = timedelta(minutes=15)  # of the websocket's health channel
HEALTH_REFRESH_SECONDS = 15.0
Fetch = Callable[[str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]

# Counts of the window per source, beside each source's last record ever (a small table).
SOURCE_COUNTS = """
SELECT s.feed, s.source, coalesce(a.records, 0) AS records, coalesce(a.rejected, 0) AS rejected,
       s.first_seen, s.last_seen, s.last_stored, s.last_event
FROM source_seen s
LEFT JOIN (
    SELECT feed, source, sum(records)::int AS records, sum(rejected)::int AS rejected
    FROM source_activity WHERE minute >= %(since)s GROUP BY feed, source
) a USING (feed, source)
"""


def expected_sources() -> list[Expected]:
    """Every source the metadata declares, per feed it reports, with its interval."""
    rows = []
    for feed in registry():
        for source in of_feed(feed):
            meta = metadata(feed, source.id)
            rows.append(Expected(feed, source.id, source.name, source.unit_code, float(meta["interval_seconds"])))
    return rows


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def current(fetch: Fetch, window: timedelta) -> tuple[datetime, list[dict[str, Any]]]:
    """Every source's health now, counted over ``window``."""
    now = datetime.now(UTC)
    rows = await fetch(SOURCE_COUNTS, {"since": now - window})
    seen = [
        Seen(r["feed"], r["source"], r["records"], r["rejected"], _moment(r["first_seen"]),
             _moment(r["last_seen"]), _moment(r["last_stored"]), _moment(r["last_event"]))
        for r in rows
    ]  # fmt: skip
    intervals = {name: float(kind.interval_seconds) for name, kind in registry().items()}
    return now, health(seen, expected_sources(), intervals, now, window)


async def publish_health(fetch: Fetch, hub: Hub, every: float = HEALTH_REFRESH_SECONDS) -> None:
    """The websocket's ``health`` channel: every source's row, re-counted every ``every`` seconds (a row
    that did not change is not sent again). A database error skips one round."""
    while True:
        try:
            for row in (await current(fetch, HEALTH_WINDOW))[1]:
                hub.publish("health", row)
        except (psycopg.Error, TimeoutError) as exc:
            log.warning("feed health: not refreshed (%s)", exc)
        await asyncio.sleep(every)


def health_router(fetch: Fetch, auth: Authenticator) -> APIRouter:
    router = APIRouter(tags=["feeds"])
    callers = Depends(auth.require("integrator", "operator", "official", "admin"))

    @router.get("/api/feeds/health")
    async def feeds_health(
        feed: Annotated[str | None, Query(max_length=64, description="Only this feed.")] = None,
        window: Annotated[str, Query(description="Counting window, e.g. 15m, 1h (1m..31d).")] = "15m",
        caller: Caller = callers,
    ) -> dict[str, Any]:
        """Per source: status (ok, silent: nothing for 3 reporting intervals, never: declared but never
        seen), records and rejected in the window, records per minute, share rejected, last seen."""
        try:
            size = parse_bucket(window)
        except ValueError as exc:
            raise HTTPException(422, f"window: {exc}") from exc
        kinds = registry()
        if feed is not None and feed not in kinds:
            raise HTTPException(404, f"no feed {feed!r}; declared: {', '.join(sorted(kinds))}")
        now, sources = await current(fetch, size)
        visible = caller.feeds if caller.role == "integrator" else None
        sources = [
            s for s in sources if (feed is None or s["feed"] == feed) and (visible is None or s["feed"] in visible)
        ]
        return {"at": now.isoformat(), "window": window, "feeds": summary(sources), "sources": sources}

    return router
