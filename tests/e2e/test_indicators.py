"""Indicators through the real pipeline equal the pure functions applied offline to the same records."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from ioc.indicators.aqi import POLLUTANTS, compute
from ioc.settings import Settings
from simulators.air_quality import Station, reading
from streams.kpi_records import local_day_start
from tests.infra import process, query, wait_for

pytestmark = pytest.mark.e2e
HOURS = 14
INTERVAL = timedelta(minutes=10)


def test_hourly_means_and_vn_aqi_match_the_offline_computation(
    settings: Settings, report: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:6]
    stations = [Station(f"AQI-{tag}-{i}", f"Trạm thử {i}", "HUE.TEST", 16.4, 107.6, 20.0 + 25 * i) for i in range(2)]
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    records = []
    ts = end - timedelta(hours=HOURS)
    while ts < end:
        records += [reading(7, i, station, ts) for i, station in enumerate(stations)]
        ts += INTERVAL
    closing = [reading(7, i, station, end) for i, station in enumerate(stations)]  # ends the last hour

    # Offline: hourly means per station and pollutant, then the AQI of the last complete hour.
    sums: dict[tuple[str, str, datetime], list[float]] = defaultdict(list)
    for env in records:
        hour = env.ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        for pollutant in POLLUTANTS:
            sums[(env.source, pollutant, hour)].append(env.values[pollutant])
    means = {key: sum(values) / len(values) for key, values in sums.items()}
    last = end - timedelta(hours=1)
    expected = {
        s.id: compute({p: [means[(s.id, p, last - timedelta(hours=k))] for k in range(12)] for p in POLLUTANTS})
        for s in stations
    }

    # A worker of its own (own consumer group and tables) that accepts a day of lateness: the records are
    # hours old, behind the event time the other tests have already pushed the partitions to.
    monkeypatch.setenv("IOC_APP_ID", f"ioc-aqi-test-{tag}")
    monkeypatch.setenv("IOC_ALLOWED_LATENESS_SECONDS", str(2 * 86400))
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=5)
    for envelope in records + closing:
        producer.send("ioc.ingest.air_quality", key=envelope.source.encode(), value=envelope.to_bytes())
    producer.flush()
    producer.close()
    with process(["worker"], settings.home / "logs" / "e2e" / "aqi-worker.log"):
        started = datetime.now(UTC)

        def stored_aqi() -> dict[str, tuple[float, str, int]]:
            rows = query(settings, "SELECT source, value, detail->>'dominant', count FROM kpi_window "
                         "WHERE kpi = 'vn_aqi_1h' AND window_start = %s AND source LIKE %s",
                         (last, f"AQI-{tag}-%"))  # fmt: skip
            return {source: (value, dominant, count) for source, value, dominant, count in rows}

        # Old records behind newer ones on a partition give windows emitted early and revised (revision + 1)
        # as the rest arrives: wait for the final revision, then compare.
        want = {source: (float(r.aqi or 0), r.dominant, 6) for source, r in expected.items()}
        last_seen: list[object] = []

        def final() -> bool:
            last_seen[:] = [stored_aqi()]
            return last_seen[0] == want

        try:
            wait_for(final, 180, 0.5, "the VN_AQI of the last hour from all six pollutants")
        except AssertionError:
            assert last_seen[0] == want  # shows the difference
            raise
        took = (datetime.now(UTC) - started).total_seconds()
        # The combined windows: 5 minutes from the 1-minute ones, the local day from the hourly ones; each is the
        # mean of the readings it holds (count-weighted, so exactly that). The closing readings open windows that
        # nothing closes yet, so they are left out.
        windows_checked: dict[str, int] = {}
        for kpi, start_of in (("mean_300s", lambda epoch: epoch // 300 * 300), ("mean_1d", local_day_start)):
            groups: dict[tuple[str, str, float], list[float]] = defaultdict(list)
            for env in records:
                for pollutant in POLLUTANTS:
                    groups[(env.source, pollutant, float(start_of(env.ts.timestamp())))].append(env.values[pollutant])
            offline = {key: (sum(v) / len(v), len(v)) for key, v in groups.items()}
            sql = ("SELECT source, metric, window_start, value, count FROM kpi_window WHERE kpi = %s AND source LIKE %s"
                   " AND window_start < %s")  # fmt: skip

            def combined(kpi: str = kpi, sql: str = sql) -> dict[tuple[str, str, float], tuple[float, int]]:
                rows = query(settings, sql, (kpi, f"AQI-{tag}-%", end))
                return {(src, metric, start.timestamp()): (value, count) for src, metric, start, value, count in rows}

            def same(found: dict[tuple[str, str, float], tuple[float, int]], want: dict = offline) -> bool:
                counts = {key: count for key, (_, count) in found.items()} == {k: n for k, (_, n) in want.items()}
                return counts and {k: v for k, (v, _) in found.items()} == pytest.approx(
                    {k: v for k, (v, _) in want.items()}
                )

            seen = [combined()]
            try:
                wait_for(lambda: same(seen[-1]) or bool(seen.append(combined())), 60, 0.5, f"the {kpi} windows")  # noqa: B023
            except AssertionError:
                assert seen[-1] == offline  # shows the difference
                raise
            windows_checked[kpi] = len(offline)
    rows = query(settings, "SELECT source, metric, window_start, value, count FROM kpi_window "
                 "WHERE kpi = 'mean_3600s' AND source LIKE %s", (f"AQI-{tag}-%",))  # fmt: skip
    stored = {(source, metric, start): (value, count) for source, metric, start, value, count in rows}
    for (source, pollutant, hour), value in means.items():
        assert stored[(source, pollutant, hour)][0] == pytest.approx(value), (source, pollutant, hour)
        assert stored[(source, pollutant, hour)][1] == len(sums[(source, pollutant, hour)])
    report(
        f"offline == pipeline: {len(means)} hourly means, {windows_checked['mean_300s']} 5-minute and "
        f"{windows_checked['mean_1d']} local-day means, and the VN_AQI of {len(stations)} stations "
        f"({', '.join(f'{r.aqi} {r.dominant}' for r in expected.values())}); a fresh worker took {took:.1f}s "
        "to read the topics from the start and produce them"
    )
