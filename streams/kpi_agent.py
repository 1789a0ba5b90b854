"""KPI agent: ioc.obs → event-time means per source and metric (1 minute and 1 hour), each gauge's water
status (streams.gauge_status) and each road segment's traffic status (streams.segment_status) → ioc.kpi.

Window state, the per-partition newest event time, the gauges' recent readings and the segments'
congestion are Faust tables
(changelogged), so a restarted worker resumes where it was; see streams.windows for the rules.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from ioc.envelope import envelope_from_dict
from ioc.feeds import registry
from ioc.indicators.hydro import alarm_levels_of
from ioc.indicators.traffic import free_flow_of
from ioc.sources import sources
from streams.app import app, decode_records, obs, send_kpi, settings
from streams.batched_table import BATCH, BATCH_WAIT, BatchedTable
from streams.gauge_status import GaugeStatus
from streams.hourly_aqi import HOUR
from streams.segment_status import SegmentStatus
from streams.windows import TumblingMeans

log = logging.getLogger(__name__)

tables = [
    BatchedTable(app.Table(name, partitions=settings.topic_partitions, key_type=str))
    for name in ("kpi-windows", "kpi-watermarks", "kpi-seen-ids", "hydro-gauges", "traffic-segments")
]
windows, watermarks, seen, gauges, segments = tables
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
water = GaugeStatus(
    gauges,
    feeds={name for name, kind in registry().items() if "flood" in kind.indicators},
    alarm_levels=lambda source: alarm_levels_of(sources().get(source)),
)
roads = SegmentStatus(
    segments,
    feeds={name for name, kind in registry().items() if "traffic" in kind.indicators},
    free_flow=lambda source: free_flow_of(sources().get(source)),
)


@app.agent(obs)
async def aggregate(stream: faust.StreamT) -> None:
    """Batches of events: the state changes of a batch reach the tables (and changelogs) once per key before
    the batch's KPI records are sent; Faust acknowledges the events only after the batch."""
    async for events in stream.take_events(BATCH, within=BATCH_WAIT):  # type: ignore[attr-defined]  # not in StreamT
        out: list[dict[str, Any]] = []
        for event in events:
            for table in tables:
                table.partition = event.message.partition
            for body in decode_records(event.message):
                env = envelope_from_dict(body)
                for engine in engines:
                    out.extend(engine.add(env, event.message.partition))
                out.extend(water.add(env))
                out.extend(roads.add(env))
        for table in tables:
            table.commit()
        for record in out:
            await send_kpi(record)


@app.on_partitions_assigned.connect
async def reindex_expiry(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
    """Ids restored from the changelog after a rebalance are unknown to the engines' expiry index."""
    for engine in engines:
        engine.reindex()


@app.timer(interval=1.0)
async def flush_passed_windows() -> None:
    """Windows opened behind their partition's clock (older data after newer) go out within a second."""
    for engine in engines:
        for record in engine.flush():
            await send_kpi(record)


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
