"""KPI agent: ioc.obs → event-time means per source and metric (1 minute and 1 hour) → ioc.kpi.

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
from streams.hourly_aqi import HOUR
from streams.windows import TumblingMeans

log = logging.getLogger(__name__)

windows = app.Table("kpi-windows", partitions=settings.topic_partitions, key_type=str)
watermarks = app.Table("kpi-watermarks", partitions=settings.topic_partitions, key_type=str)
seen = app.Table("kpi-seen", partitions=settings.topic_partitions, key_type=str)
engines = [
    TumblingMeans(
        windows,
        watermarks,
        seen,
        size=size,
        lateness=settings.allowed_lateness_seconds,
        metrics_of={name: kind.kpis for name, kind in registry().items()},
    )
    for size in sorted({settings.kpi_window_seconds, HOUR})
]


@app.agent(obs)
async def aggregate(stream: faust.StreamT) -> None:
    async for event in stream.events():
        body = decode(event.message)
        if body is None:
            continue
        env = envelope_from_dict(body)
        for engine in engines:
            for record in engine.add(env, event.message.partition):
                # Keyed by source: every KPI of a station lands in one partition, for indicators built on them.
                await kpi.send(key=env.source.encode(), value=json.dumps(record).encode())


@app.timer(interval=1.0)
async def flush_passed_windows() -> None:
    """Windows opened behind their partition's clock (older data after newer) go out within a second."""
    for engine in engines:
        for record in engine.flush():
            await kpi.send(key=record["source"].encode(), value=json.dumps(record).encode())


@app.timer(interval=60.0)
async def report_counters() -> None:
    for engine in engines:
        if engine.too_late or engine.duplicates:
            log.info(
                "%s: %d values too late to aggregate, %d repeated records skipped",
                engine.kpi,
                engine.too_late,
                engine.duplicates,
            )
