"""What every stage needs around the thing it times: producing the workload, placing consumer groups,
counting stored rows, starting processes and reading their CPU time and peak memory from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from ioc import topics
from ioc.feeds import registry
from ioc.kafka_admin import place_group
from ioc.settings import Settings

Offsets = dict[TopicPartition, int]
TICK = os.sysconf("SC_CLK_TCK")


def produce(bootstrap: list[str], topic: str, messages: list[tuple[bytes, bytes]]) -> Offsets:
    """Write ``messages`` (acks from all replicas); returns each partition's offset before them."""
    start = end_offsets(bootstrap, [topic])
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024, max_request_size=4 * 2**20
    )
    try:
        for key, value in messages:
            producer.send(topic, key=key, value=value)
        producer.flush()
    finally:
        producer.close()
    return start


def end_offsets(bootstrap: list[str], names: list[str]) -> Offsets:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(t, p) for t in names for p in sorted(consumer.partitions_for_topic(t) or ())]
        return dict(consumer.end_offsets(partitions))
    finally:
        consumer.close()


def place_worker(bootstrap: list[str], app_id: str, ingest_start: Offsets) -> None:
    """Every group of a fresh worker at the end of its topics, but its validator at ``ingest_start`` of the
    workload's ingest topic: the worker reads the workload and nothing older."""
    feeds = list(registry())
    for group, names in topics.worker_groups(app_id, feeds).items():
        offsets = end_offsets(bootstrap, names)
        if group == topics.validate_group(app_id):
            offsets.update(ingest_start)
        place_group(bootstrap, group, offsets)


def new_app_id(stage: str) -> str:
    return f"ioc-bench-{stage}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Stored:
    observations: int
    kpi_windows: int
    first: datetime | None  # commit times (the sinks' transaction times) of the first and last row
    last: datetime | None


def stored(dsn: str, prefix: str) -> Stored:
    """Rows of the sources starting with ``prefix``: observations, and 1-minute KPI windows."""
    like = prefix + "%"
    with psycopg.connect(dsn) as conn:
        obs, first, last_obs = conn.execute(
            "SELECT count(*), min(ingested_at), max(ingested_at) FROM observation WHERE source LIKE %s", (like,)
        ).fetchone() or (0, None, None)
        kpis, last_kpi = conn.execute(
            "SELECT count(*), max(stored_at) FROM kpi_window WHERE kpi = 'mean_60s' AND source LIKE %s", (like,)
        ).fetchone() or (0, None)
    lasts = [t for t in (last_obs, last_kpi) if t is not None]
    return Stored(obs, kpis, first, max(lasts) if lasts else None)


def clear(dsn: str, prefix: str) -> None:
    """Remove what a stage stored, so the next one writes the same rows into the same tables."""
    like = prefix + "%"
    with psycopg.connect(dsn) as conn:
        for table in ("observation", "kpi_window", "dead_letter"):
            conn.execute(f"DELETE FROM {table} WHERE source LIKE %s", (like,))  # noqa: S608 - fixed names
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE observation")
        conn.execute("VACUUM ANALYZE kpi_window")


def wait_stored(
    dsn: str, prefix: str, observations: int, kpi_windows: int, timeout: float, alive: Callable[[], None] = lambda: None
) -> Stored:
    """Poll until every expected row is stored; ``alive`` raises when a process under test died."""
    deadline = time.monotonic() + timeout
    while True:
        now = stored(dsn, prefix)
        if now.observations >= observations and now.kpi_windows >= kpi_windows:
            return now
        alive()
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"after {timeout:.0f}s: {now.observations}/{observations} observation rows, "
                f"{now.kpi_windows}/{kpi_windows} KPI windows stored"
            )
        time.sleep(0.5)


@dataclass
class Proc:
    """A process of the benchmark (a worker, the dashboard, the peer) with its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def check(self) -> None:
        if self.popen.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"{self.name} exited with code {self.popen.returncode}; end of {self.log}:\n{tail}")

    def usage(self) -> dict[str, float]:
        """CPU seconds (user + system) and peak resident memory so far, from /proc."""
        pid = self.popen.pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
        return {"cpu_s": round(cpu, 2), "peak_rss_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1)}

    def stop(self, timeout: float = 30) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, argv: list[str], env: dict[str, str], logs: Path) -> Proc:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with open(log, "wb") as handle:
        popen = subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True
        )
    return Proc(name, popen, log)


def ioc(name: str, args: list[str], settings: Settings, logs: Path, **env: str) -> Proc:
    """`ioc <args>` with this run's settings (plus ``env``), as `ioc run` would start it."""
    base = {
        "IOC_HOME": str(settings.home),
        "IOC_KAFKA_BOOTSTRAP": ",".join(settings.bootstrap_servers),
        "IOC_DATABASE_URL": settings.dsn,
        "IOC_LOG_LEVEL": "info",  # as `ioc run`
        "IOC_DASHBOARD_PORT": str(settings.dashboard_port),
    }
    return start(name, [sys.executable, "-m", "ioc", *args], {**base, **env}, logs)


class GroupWatch(threading.Thread):
    """Notes the first moment a consumer group is Stable with members, i.e. when its consumers begin to read:
    the common start of a drain for pipelines that buffer differently (ours stores a batch within a second,
    Quix Streams' sinks at its checkpoints, every 5 s by default), so neither's first row is its start."""

    def __init__(self, bootstrap: list[str], group: str) -> None:
        super().__init__(daemon=True, name=f"watch-{group}")
        self.bootstrap, self.group = bootstrap, group
        self.joined: datetime | None = None
        self.done = threading.Event()

    def run(self) -> None:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        try:
            while not self.done.is_set():
                group = admin.describe_groups([self.group]).get(self.group, {})
                if group.get("group_state") == "Stable" and group.get("members"):
                    self.joined = datetime.now(UTC)
                    return
                time.sleep(0.05)
        finally:
            admin.close()

    def stop(self) -> datetime | None:
        self.done.set()
        self.join(10)
        return self.joined


def drain_rate(records: int, result: Stored, joined: datetime | None) -> dict[str, Any]:
    """Records per second from the group's joining (``GroupWatch``) to the last stored row; the span between
    the first and the last stored row apart."""
    if result.first is None or result.last is None:
        return {"records_per_s": None}
    span = max((result.last - result.first).total_seconds(), 1e-3)
    start = joined if joined is not None and joined < result.first else result.first
    seconds = max((result.last - start).total_seconds(), 1e-3)
    return {
        "records_per_s": round(records / seconds, 1),
        "seconds": round(seconds, 2),
        "first_row_s": round((result.first - start).total_seconds(), 2),
        "rows_span_s": round(span, 2),
        "rows_span_records_per_s": round(records / span, 1),
    }
