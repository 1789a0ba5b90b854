"""KPI agent: ioc.obs → 1-minute event-time means per source and metric → ioc.kpi.

Window state and the per-partition newest event time are Faust tables (changelogged), so a restarted
worker resumes where it was; see streams.windows for the rules.
"""

from __future__ import annotations

import json
import logging

import faust

from ioc.envelope import envelope_from_dict
from ioc.feeds import registry
from streams.app import app, decode, kpi, obs, settings
from streams.windows import TumblingMeans

log = logging.getLogger(__name__)

windows = app.Table("kpi-windows", partitions=settings.topic_partitions, key_type=str)
watermarks = app.Table("kpi-watermarks", partitions=settings.topic_partitions, key_type=str)
means = TumblingMeans(
    windows,
    watermarks,
    size=settings.kpi_window_seconds,
    lateness=settings.allowed_lateness_seconds,
    metrics_of={name: kind.kpis for name, kind in registry().items()},
)


@app.agent(obs)
async def aggregate(stream: faust.StreamT) -> None:
    async for event in stream.events():
        body = decode(event.message)
        if body is None:
            continue
        env = envelope_from_dict(body)
        for record in means.add(env, event.message.partition):
            key = f"{record['source']}|{record['metric']}".encode()
            await kpi.send(key=key, value=json.dumps(record).encode())


@app.timer(interval=60.0)
async def report_counters() -> None:
    if means.too_late or means.duplicates:
        log.info("kpi: %d values too late to aggregate, %d repeated records skipped", means.too_late, means.duplicates)
