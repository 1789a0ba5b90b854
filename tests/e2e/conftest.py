from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import websockets
from kafka import KafkaProducer
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ioc import apikeys, users
from ioc.feeds import DECLARATIONS, load_feeds
from ioc.kafka_admin import group_position
from ioc.settings import Settings
from ioc.topics import worker_groups
from tests.conftest import FIGURES
from tests.infra import http_ok, log_tail, query, spawn, stop, wait_for


@dataclass
class Pipeline:
    """The worker and the dashboard as real processes, as `ioc run` starts them."""

    settings: Settings
    logs: Path
    worker: subprocess.Popen[bytes] | None = None
    dashboard: subprocess.Popen[bytes] | None = None
    producer: KafkaProducer = field(init=False)
    unexpected_exits: list[int] = field(default_factory=list)
    feeds: list[str] = field(init=False)
    _killing: bool = False
    _closing: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        # The feeds its worker reads: the environment's now (a module may add a folder of declarations),
        # not the registry this process cached earlier.
        extra = os.environ.get("IOC_FEEDS_DIR")
        self.feeds = list(load_feeds(DECLARATIONS, *([Path(extra)] if extra else [])))
        self.producer = KafkaProducer(bootstrap_servers=self.settings.bootstrap_servers, acks="all", linger_ms=5)
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        """Restart a worker that exits on its own (its watchdog's exit, say), as `ioc run` does."""
        while not self._closing.wait(1.0):
            worker = self.worker
            if worker is not None and not self._killing and worker.poll() is not None:
                self.unexpected_exits.append(worker.returncode)
                self.start_worker()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.dashboard_port}"

    @functools.cached_property
    def viewer_key(self) -> str:
        """An operator's API key: the websocket and the REST API check who is asking."""
        return apikeys.add(self.settings.dsn, "e2e viewer", None, "operator")[1]

    def ws(self, channels: str) -> websockets.connect:
        """A websocket client of the dashboard on ``channels``, authenticated with ``viewer_key``."""
        url = self.url.replace("http", "ws") + f"/ws?channels={channels}"
        return websockets.connect(url, additional_headers={"X-API-Key": self.viewer_key})

    def start_worker(self) -> None:
        self.worker = spawn(["worker"], self.logs / "worker.log")
        self._killing = False

    def kill_worker(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is committed after this instant."""
        assert self.worker is not None
        self._killing = True
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()

    def wait_until_processing(self, timeout: float = 120) -> None:
        """A probe record goes all the way to its table: the worker has joined and recovered."""
        probe = f"PROBE-{uuid.uuid4().hex[:8]}"
        ts = datetime.now(UTC).isoformat()
        self.send(probe, json.dumps({"source": probe, "ts": ts, "values": {"pm25": 1.0}}).encode())
        self.flush()
        wait_for(
            lambda: query(self.settings, "SELECT 1 FROM observation WHERE source = %s", (probe,)),
            timeout,
            0.2,
            "the worker to store a probe record",
        )

    def wait_until_caught_up(self, timeout: float = 180) -> dict[str, int]:
        """Waits until the worker's groups have committed every message of their topics, so the next module's
        worker, in the same groups, does not start behind a backlog; returns what still waits after
        ``timeout`` (empty once caught up), per group and topic."""
        started = time.monotonic()
        groups = worker_groups(self.settings.app_id, self.feeds)
        waiting: dict[str, int] = {}
        while time.monotonic() - started < timeout:
            waiting = {
                f"{group}:{topic}": lag
                for group, watched in groups.items()
                for topic, lag in group_position(self.settings.bootstrap_servers, group, watched).lag.items()
                if lag
            }
            if not waiting:
                break
            time.sleep(0.5)
        return waiting

    def send(self, key: str, value: bytes, topic: str = "ioc.ingest.air_quality") -> None:
        self.producer.send(topic, key=key.encode(), value=value)

    def flush(self) -> None:
        self.producer.flush()


def new_user(settings: Settings, role: str) -> tuple[str, str]:
    """A dashboard user of ``role`` (as `ioc users add` makes one): (name, password)."""
    name, password = f"e2e-{role}-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    users.add(settings.dsn, name, f"Kiểm thử {role}", role, password)
    return name, password


def log_in(page: Page, pipeline: Pipeline, role: str, view: str, user: tuple[str, str] | None = None) -> None:
    """Log in through the form as ``user`` (default: a new user of ``role``) and open ``view`` (wall, desk,
    officials, integrators)."""
    name, password = user or new_user(pipeline.settings, role)
    page.goto(pipeline.url + "/#/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_function("location.hash !== '#/login'", timeout=15000)
    page.goto(pipeline.url + f"/#/{view}")
    expect(page.locator("#conn")).to_contain_text("Trực tuyến", timeout=15000)


CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def pipeline(settings: Settings) -> Iterator[Pipeline]:
    yield from running_pipeline(settings)


def running_pipeline(settings: Settings) -> Iterator[Pipeline]:
    """Worker and dashboard started with the current environment, stopped when the generator ends."""
    logs = settings.home / "logs" / "e2e"
    p = Pipeline(settings, logs)
    p.start_worker()
    p.dashboard = spawn(["dashboard"], logs / "dashboard.log")
    try:
        wait_for(lambda: http_ok(p.url + "/api/config"), 60, what="the dashboard to answer")
        p.wait_until_processing()
        caught_up(p, "before")  # what an earlier `ioc run` left behind
        yield p
        if p.worker is not None and p.worker.poll() is None:
            caught_up(p, "after")
    finally:
        p._closing.set()
        p._killing = True
        if p.unexpected_exits:
            FIGURES.append(
                f"the worker exited on its own {len(p.unexpected_exits)} time(s) (exit codes "
                f"{p.unexpected_exits}; 70 = its watchdog found it stalled) and was restarted"
            )
        p.producer.close()
        for proc in (p.worker, p.dashboard):
            if proc is not None:
                stop(proc)


def caught_up(p: Pipeline, when: str) -> None:
    """Wait for the worker to empty its topics; a module's timings then do not depend on the one before."""
    if waiting := p.wait_until_caught_up():
        FIGURES.append(f"the worker had not caught up with its topics 180 s {when} a test module: {waiting}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed pipeline test shows the end of the worker's and the dashboard's logs (CI keeps no files)."""
    report = yield
    pipeline = getattr(item, "funcargs", {}).get("pipeline")
    if report.failed and isinstance(pipeline, Pipeline):
        for name in ("worker.log", "dashboard.log"):
            report.sections.append((f"last lines of {name}", log_tail(pipeline.logs / name)))
    return report
