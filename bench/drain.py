"""Drain stages: the workload waits in ``ioc.ingest.air_quality``; time until every row of it is stored.

Our pipeline (one or two `ioc worker` processes sharing one consumer group) and the Quix Streams peer
read the same messages from the same offsets and write the same rows into the same tables; the rows
are removed before each stage. The rate is taken from the moment the group reading the workload is
joined (``GroupWatch``) to the last stored row: process start and group joining are reported apart as
``startup_s``, and what a pipeline holds back before its first row (a batch, a checkpoint) counts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import (
    GroupWatch,
    Offsets,
    Proc,
    clear,
    drain_rate,
    ioc,
    new_app_id,
    place_worker,
    start,
    wait_stored,
)
from bench.workload import Workload
from ioc import topics
from ioc.kafka_admin import place_group
from ioc.settings import Settings

PEER = Path(__file__).parent / "peers" / "quix_pipeline.py"


def _timed(
    procs: list[Proc], watch: GroupWatch, settings: Settings, workload: Workload, began: datetime, timeout: float
) -> dict[str, Any]:
    def alive() -> None:
        for proc in procs:
            proc.check()

    try:
        result = wait_stored(
            settings.dsn, workload.prefix, workload.observation_rows, workload.kpi_windows, timeout, alive
        )
        usage = [proc.usage() for proc in procs]
    finally:
        joined = watch.stop()
        for proc in procs:
            proc.stop()
    figures = drain_rate(workload.records, result, joined)
    assert result.first is not None and result.last is not None
    figures["startup_s"] = round(((joined or result.first) - began).total_seconds(), 2)
    figures["cpu_s"] = round(sum(u["cpu_s"] for u in usage), 2)
    figures["peak_rss_mib"] = max(u["peak_rss_mib"] for u in usage)
    figures["cpu_ms_per_1k_records"] = round(1e6 * figures["cpu_s"] / workload.records, 1)
    return figures


def ours(
    settings: Settings, workload: Workload, ingest_start: Offsets, logs: Path, workers: int = 1, timeout: float = 600
) -> dict[str, Any]:
    """`ioc worker` × ``workers`` in a fresh consumer group placed at the workload."""
    clear(settings.dsn, workload.prefix)
    app_id = new_app_id(f"drain{workers}")
    place_worker(settings.bootstrap_servers, app_id, ingest_start)
    watch = GroupWatch(settings.bootstrap_servers, topics.validate_group(app_id))  # ours reads ingest there
    watch.start()
    began = datetime.now(UTC)
    procs = [ioc(f"{app_id}-{n}", ["worker"], settings, logs, IOC_APP_ID=app_id) for n in range(workers)]
    figures = _timed(procs, watch, settings, workload, began, timeout)
    figures["workers"] = workers
    return figures


def quix(
    settings: Settings, workload: Workload, ingest_start: Offsets, logs: Path, python: Path, timeout: float = 600
) -> dict[str, Any]:
    """The Quix Streams peer (bench/peers/quix_pipeline.py) run by ``python`` (the peer's own environment)."""
    if not python.exists():
        raise FileNotFoundError(f"{python} is missing: `make peer` creates the peer's environment")
    clear(settings.dsn, workload.prefix)
    group = new_app_id("quix")
    place_group(settings.bootstrap_servers, group, ingest_start)
    env = {
        "IOC_BENCH_BOOTSTRAP": ",".join(settings.bootstrap_servers),
        "IOC_BENCH_DSN": settings.dsn,
        "IOC_BENCH_GROUP": group,
        "IOC_BENCH_STATE_DIR": str(settings.home / "bench" / group),
        "IOC_BENCH_COMMIT_INTERVAL": str(settings.sink_flush_seconds),
    }
    watch = GroupWatch(settings.bootstrap_servers, group)
    watch.start()
    began = datetime.now(UTC)
    proc = start(group, [str(python), str(PEER)], env, logs)
    return _timed([proc], watch, settings, workload, began, timeout)
