"""Worker timer: the retention job (ioc/retention.py) every hour, run by the leader worker only."""

from __future__ import annotations

import asyncio
import logging

import psycopg

from ioc import retention
from streams.app import app, settings

log = logging.getLogger(__name__)
EVERY_SECONDS = 3600.0


@app.timer(interval=EVERY_SECONDS, on_leader=True)
async def drop_old_chunks() -> None:
    """Faust runs a timer first after its interval, so a worker that lives less than an hour drops nothing."""
    try:
        await asyncio.to_thread(retention.run, settings.dsn, retention.parse(settings.retention))
    except psycopg.Error as exc:  # the database is down: the sinks wait for it; this tries again next hour
        log.warning("retention: %s; trying again in %.0f s", exc, EVERY_SECONDS)
