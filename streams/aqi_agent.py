"""AQI agent: hourly means on ioc.kpi → hourly VN_AQI per station (kpi ``vn_aqi_1h``) → ioc.kpi.

ioc.kpi is keyed by source, so all of a station's hourly means meet in one partition and its state
(a Faust table, changelogged) sits with them. The agent ignores the records it writes itself.
"""

from __future__ import annotations

import json

import faust

from ioc.feeds import registry
from streams.app import app, decode, kpi, settings
from streams.hourly_aqi import HOUR, HourlyAqi

stations = app.Table("aqi-hours", partitions=settings.topic_partitions, key_type=str)
hourly = HourlyAqi(
    stations,
    hourly_kpi=f"mean_{HOUR}s",
    feeds={name for name, kind in registry().items() if "vn_aqi" in kind.indicators},
)


@app.agent(kpi)
async def air_quality_index(stream: faust.StreamT) -> None:
    async for event in stream.events():
        body = decode(event.message)
        if body is None:
            continue
        for record in hourly.add(body):
            await kpi.send(key=record["source"].encode(), value=json.dumps(record, ensure_ascii=False).encode())
