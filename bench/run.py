"""One benchmark run: the workload, then every stage in a fixed order, then the table and the JSON file.

Order: ceilings first (nothing else runs), then drains (one worker, two workers, the peer), then the
steady rate with a worker and the dashboard, then fan-out with the dashboard alone, then the simulators at
their target rate beside a worker. Each stage starts
the processes it times and stops them after.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import STAGES, ceilings, drain, live
from bench.harness import Proc, clear, end_offsets, ioc, new_app_id, place_worker, produce, wait_stored
from bench.report import Results
from bench.workload import FEED, generate, live_reading
from ioc import apikeys, topics
from ioc.feeds import registry
from ioc.kafka_admin import group_position
from ioc.settings import Settings
from ioc.supervisor import wait_http

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What to run and how big: `make bench` uses the defaults, the test suite a tiny plan."""

    records: int = 20_000
    steady_seconds: float = 60.0
    steady_rate: float | None = None  # None: half the drain rate of this run
    clients: int = 1000
    fanout_rate: float = 10.0
    fanout_seconds: float = 20.0
    simulator_rate: float = 2000.0  # `ioc simulate --rate`, beside a worker
    simulator_seconds: float = 60.0
    seed: int = 42
    stages: tuple[str, ...] = STAGES
    peer_python: Path = Path(".venv-peer/bin/python")
    timeout: float = 600.0


def run(settings: Settings, plan: Plan, say: Callable[[str], None] = print) -> Results:
    prefix = f"bench{uuid.uuid4().hex[:4]}-"
    workload = generate(plan.records, plan.seed, prefix, datetime.now(UTC))
    logs = settings.home / "logs" / "bench"
    results = Results(
        {
            "feed": FEED,
            "records": workload.records,
            "observation_rows": workload.observation_rows,
            "kpi_windows": workload.kpi_windows,
            "sources": len(workload.sources),
            "seed": plan.seed,
        }
    )
    say(
        f"workload: {workload.records:,} records ({workload.observation_rows:,} rows, {workload.kpi_windows:,} "
        f"1-minute windows) of {len(workload.sources)} stations; logs in {logs}"
    )
    ingest_start = produce(settings.bootstrap_servers, topics.ingest_topic(FEED), workload.messages)
    wanted = set(plan.stages)

    def stage(name: str, action: Callable[[], dict[str, Any]]) -> None:
        if name not in wanted:
            return
        say(f"… {name}")
        results.stages[name] = action()
        say(f"  {results.stages[name]}")

    try:
        stage(
            "client_ceiling",
            lambda: ceilings.client_ceiling(settings.bootstrap_servers, ingest_start, workload.records),
        )
        stage("db_ceiling", lambda: _db_ceiling(settings, workload.messages, prefix))
        stage("drain", lambda: drain.ours(settings, workload, ingest_start, logs, 1, plan.timeout))
        stage("drain_two_workers", lambda: drain.ours(settings, workload, ingest_start, logs, 2, plan.timeout))
        stage("peer_quix", lambda: drain.quix(settings, workload, ingest_start, logs, plan.peer_python, plan.timeout))
        rate = plan.steady_rate or max(10.0, 0.5 * (results.rate("drain") or 200.0))
        stage("steady", lambda: _steady(settings, plan, rate, prefix, logs))
        stage("fanout", lambda: _fanout(settings, plan, prefix + "f-", logs))
        stage("simulator", lambda: _simulator(settings, plan, prefix + "sim-", logs))
    finally:
        clear(settings.dsn, prefix)
    return results


def _db_ceiling(settings: Settings, messages: list[tuple[bytes, bytes]], prefix: str) -> dict[str, Any]:
    try:
        return ceilings.db_ceiling(settings.dsn, messages, prefix + "db-")
    finally:
        clear(settings.dsn, prefix + "db-")


def _dashboard(settings: Settings, logs: Path) -> Proc:
    dashboard = ioc("dashboard", ["dashboard"], settings, logs)
    if not wait_http(settings.dashboard_url + "api/health", 60):
        dashboard.check()
        dashboard.stop()
        raise TimeoutError(f"the dashboard did not answer within 60 s; see {dashboard.log}")
    return dashboard


def _wait_worker(settings: Settings, worker: Proc, prefix: str, timeout: float = 120) -> None:
    """A probe reading reaches its table: the worker has joined its groups and processes."""
    produce(settings.bootstrap_servers, topics.ingest_topic(FEED), [live_reading(0, prefix, 0, datetime.now(UTC))])
    wait_stored(settings.dsn, prefix, 1, 0, timeout, worker.check)


def _viewer_key(settings: Settings) -> str:
    """An API key for the benchmark's websocket clients (the websocket checks who is listening)."""
    return apikeys.add(settings.dsn, "benchmark websocket clients", None, "operator")[1]


def _steady(settings: Settings, plan: Plan, rate: float, prefix: str, logs: Path) -> dict[str, Any]:
    """The worker and the dashboard running; readings of sources ``<prefix>s-`` at ``rate``."""
    app_id = new_app_id("steady")
    ingest = topics.ingest_topic(FEED)
    place_worker(settings.bootstrap_servers, app_id, end_offsets(settings.bootstrap_servers, [ingest]))
    worker = ioc(app_id, ["worker"], settings, logs, IOC_APP_ID=app_id)
    dashboard = _dashboard(settings, logs)
    try:
        _wait_worker(settings, worker, prefix + "p-")
        figures = live.steady(
            settings.bootstrap_servers,
            settings.dsn,
            settings.dashboard_port,
            _viewer_key(settings),
            rate,
            plan.steady_seconds,
            plan.seed,
            prefix + "s-",
        )
        figures.update({f"worker_{k}": v for k, v in worker.usage().items()})
        return figures
    finally:
        worker.stop()
        dashboard.stop()


def _simulator(settings: Settings, plan: Plan, prefix: str, logs: Path) -> dict[str, Any]:
    """`ioc simulate --rate R` for S seconds beside a fresh worker: the rate it keeps, the lag it builds in the
    worker's agents, and how long after it stops the worker takes to read everything."""
    bootstrap = settings.bootstrap_servers
    app_id = new_app_id("simulator")
    ingest = [topics.ingest_topic(feed) for feed in registry()]
    place_worker(bootstrap, app_id, end_offsets(bootstrap, ingest))
    worker = ioc(app_id, ["worker"], settings, logs, IOC_APP_ID=app_id)
    try:
        _wait_worker(settings, worker, prefix + "p-")
        args = ["simulate", "--interval", "1", "--speed", "60", "--duration", f"{plan.simulator_seconds:g}"]
        args += ["--rate", f"{plan.simulator_rate:g}", "--history-hours", "0", "--backfill-minutes", "0"]
        simulator = ioc("simulator", [*args, "--event-history-days", "0"], settings, logs)
        figures = live.keep_up(
            lambda: sum(group_position(bootstrap, topics.validate_group(app_id), ingest).lag.values()),
            lambda: simulator.popen.poll() is not None,
            worker.check,
            plan.timeout,
        )
        report = json.loads(simulator.log.read_text().strip().splitlines()[-1])
        figures.update(records_per_s=report["rate"], records=report["sent"], target_rate=plan.simulator_rate)
        figures.update({f"worker_{k}": v for k, v in worker.usage().items()})
        return figures
    finally:
        worker.stop()


def _fanout(settings: Settings, plan: Plan, prefix: str, logs: Path) -> dict[str, Any]:
    dashboard = _dashboard(settings, logs)
    try:
        figures = live.fanout(
            settings.bootstrap_servers,
            settings.dashboard_port,
            _viewer_key(settings),
            plan.clients,
            plan.fanout_rate,
            plan.fanout_seconds,
            prefix,
        )
        figures.update({f"dashboard_{k}": v for k, v in dashboard.usage().items()})
        return figures
    finally:
        dashboard.stop()
