"""The benchmark's workload: simulated air-quality envelopes, generated before any timing starts (pure).

Sources carry a run-unique prefix so the rows a stage writes can be counted and removed without
touching anything else in the database. Every station's last reading (the closer) lies past the
allowed lateness, so each partition's clock closes every window of the workload: the stored 1-minute
KPI rows can then be counted exactly, for our pipeline and for the peer alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from ioc.feeds import registry
from simulators import air_quality
from simulators.clock import align

FEED = air_quality.FEED
CLOSER_DELAY = timedelta(minutes=5)  # later than the allowed lateness (2 min) plus a window


@dataclass(frozen=True)
class Workload:
    """Messages for ``ioc.ingest.air_quality`` as (key, value), in event-time order, and what they must give."""

    prefix: str
    messages: list[tuple[bytes, bytes]]
    records: int  # every message is a valid record
    observation_rows: int  # one per value
    kpi_windows: int  # closed 1-minute windows of (source, metric), the closers' own windows excluded
    sources: list[str]


STATIONS = 8  # the first eight of the province's stations: the workload of every recorded run


def generate(records: int, seed: int, prefix: str, end: datetime, interval: float = 1.0) -> Workload:
    """About ``records`` readings ending before ``end`` (one per station every ``interval`` s), then one closer
    per station ``CLOSER_DELAY`` later. ``end`` must not lie in the future (the validator refuses it)."""
    stations = [replace(s, id=f"{prefix}{s.id}") for s in air_quality.STATIONS[:STATIONS]]
    per_station = max(1, records // len(stations))
    last = align(end - CLOSER_DELAY, interval)
    first = last - timedelta(seconds=interval * (per_station - 1))
    kpis = set(registry()[FEED].kpis)
    messages: list[tuple[bytes, bytes]] = []
    windows: set[tuple[str, str, int]] = set()
    rows = 0
    for step in range(per_station):
        ts = first + timedelta(seconds=interval * step)
        for index, station in enumerate(stations):
            env = air_quality.reading(seed, index, station, ts)
            messages.append((station.id.encode(), env.to_bytes()))
            rows += len(env.values)
            minute = int(ts.timestamp()) // 60
            windows.update((station.id, metric, minute) for metric in env.values if metric in kpis)
    closing = last + CLOSER_DELAY
    for index, station in enumerate(stations):
        env = air_quality.reading(seed, index, station, closing)
        messages.append((station.id.encode(), env.to_bytes()))
        rows += len(env.values)
    return Workload(prefix, messages, len(messages), rows, len(windows), [s.id for s in stations])


def live_reading(seed: int, prefix: str, index: int, now: datetime) -> tuple[bytes, bytes]:
    """One reading stamped ``now`` (the steady stage's event time is its produce time) with a unique id."""
    station = air_quality.STATIONS[index % len(air_quality.STATIONS)]
    env = air_quality.reading(seed, index, replace(station, id=f"{prefix}{station.id}"), now.astimezone(UTC))
    env = replace(env, ts=now.astimezone(UTC), id=f"{prefix}{index}")
    return env.source.encode(), env.to_bytes()
