"""Worker timer: every ``IOC_TIMELINESS_SECONDS`` the leader worker computes each agency's Decision 766
timeliness over the dossiers received in the last 30 days (from local midnight, so one stored row per
agency and day) from the stored events, and puts it on ioc.kpi (streams.timeliness)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta

import psycopg

from ioc import service_events
from ioc.indicators.public_services import LOCAL, figures, fold
from ioc.sources import sources
from ioc.workdays import CalendarError, vietnam
from streams.app import app, send_kpi, settings
from streams.timeliness import DAYS, timeliness_kpis

log = logging.getLogger(__name__)


@app.timer(interval=settings.timeliness_seconds, on_leader=True)
async def publish_timeliness() -> None:
    at = datetime.now(LOCAL)
    since = datetime.combine(at.date() - timedelta(days=DAYS), time(), LOCAL)
    try:
        events = await asyncio.to_thread(service_events.period, settings.dsn, since, at)
        figs = await asyncio.to_thread(lambda: figures(fold(events), at, vietnam(), since))
    except (psycopg.Error, CalendarError) as exc:  # the database is down, or the year has no calendar yet
        log.warning("timeliness: %s; trying again in %.0f s", exc, settings.timeliness_seconds)
        return
    units = {source.id: source.unit_code for source in sources().values()}
    for record in timeliness_kpis(figs, since, at, units):
        await send_kpi(record)
