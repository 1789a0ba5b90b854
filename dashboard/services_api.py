"""Public-service REST API: the live Decision 766 index per agency, computed from the stored dossier,
payment and feedback events of the period with the same pure functions as `ioc index766`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Query

from dashboard.auth import Authenticator
from ioc import service_events
from ioc.indicators.index766 import Index766Error, report
from ioc.indicators.public_services import LOCAL
from ioc.workdays import CalendarError

Fetch = Callable[[str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
MAX_PERIOD = timedelta(days=366)


def read_inputs(path: Path | None) -> Any:
    """The inputs file (parts events cannot give); 503 naming the setting when it cannot be read."""
    if path is None:
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HTTPException(503, f"IOC_INDEX766_INPUTS ({path}): {exc}") from exc


def services_router(fetch: Fetch, auth: Authenticator, inputs: Path | None) -> APIRouter:
    router = APIRouter(tags=["public services"])
    readers = Depends(auth.require("operator", "official", "admin"))

    @router.get("/api/index766", dependencies=[readers])
    async def index766(
        since: Annotated[
            date | None, Query(description="First day of the period (local), default the 1st of this month.")
        ] = None,
        at: Annotated[datetime | None, Query(description="Evaluate at this instant (ISO 8601), default now.")] = None,
        agency: Annotated[str | None, Query(max_length=64, description="Only this agency (ranked among all).")] = None,
    ) -> dict[str, Any]:
        """The Decision 766 index of every agency with events in the period: six group scores, total, band,
        rank in its peer group, the ratios and counts behind them, and the items that cost points."""
        now = datetime.now(LOCAL)
        at = at or now
        if at.tzinfo is None:
            raise HTTPException(422, "at: needs a UTC offset, e.g. 2026-11-24T17:00:00+07:00")
        start = datetime.combine(since or at.astimezone(LOCAL).date().replace(day=1), time(), LOCAL)
        if not timedelta(0) <= at - start <= MAX_PERIOD:
            raise HTTPException(422, f"since must be before at, and the period at most {MAX_PERIOD.days} days")
        rows = await fetch(service_events.PERIOD_EVENTS, service_events.params(start, at))
        given = read_inputs(inputs)
        try:
            result = await asyncio.to_thread(report, [service_events.envelope(r) for r in rows], at, given, start)
        except Index766Error as exc:
            raise HTTPException(503, f"Decision 766 configuration or inputs: {exc}") from exc
        except CalendarError as exc:
            raise HTTPException(422, str(exc)) from exc
        if agency is not None:
            result["agencies"] = [a for a in result["agencies"] if a["agency"] == agency]
        return result

    return router
