"""Derived-KPI agent: KPI records on ioc.kpi → the KPIs computed from them → ioc.kpi:

- hourly means → hourly VN_AQI per station (``vn_aqi_1h``, streams.hourly_aqi);
- 1-minute and hourly means → 5-minute means and means of the local day (``mean_300s``, ``mean_1d``,
  streams.window_rollup).

ioc.kpi is keyed by source, so all of a source's KPIs meet in one partition and their state (Faust
tables, changelogged) sits with them. The agent ignores the records it writes itself.
"""

from __future__ import annotations

import faust

from ioc.feeds import registry
from streams.app import app, decode, kpi, send_kpi, settings
from streams.hourly_aqi import HOUR, HourlyAqi
from streams.window_rollup import WindowRollup, combinations

hourly = HourlyAqi(
    app.Table("aqi-hours", partitions=settings.topic_partitions, key_type=str),
    hourly_kpi=f"mean_{HOUR}s",
    feeds={name for name, kind in registry().items() if "vn_aqi" in kind.indicators},
)
rollups = WindowRollup(
    app.Table("kpi-rollups", partitions=settings.topic_partitions, key_type=str),
    combinations(settings.kpi_window_seconds, settings.allowed_lateness_seconds),
)


@app.agent(kpi)
async def derive(stream: faust.StreamT) -> None:
    async for event in stream.events():
        body = decode(event.message)
        if body is None:
            continue
        for record in [*hourly.add(body), *rollups.add(body)]:
            await send_kpi(record)
