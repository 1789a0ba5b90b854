"""`ioc run` as a user starts it: against existing servers (the test infra), live values, clean Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
import websockets

from ioc import apikeys
from ioc.settings import Settings

pytestmark = pytest.mark.e2e
# The worker first works through the history the simulators play at start (about 23,000 records: 12 h of
# readings, 2 days of dossiers and feedback); measured 14-35 s to the first KPI on 2 cores.
LIVE_WITHIN = 90


def changing(values_by_source: dict[str, set[float]]) -> bool:
    """A simulated station (HUE-AQ-*) showed at least three different PM2.5 values."""
    return any(source.startswith("HUE-AQ-") and len(v) >= 3 for source, v in values_by_source.items())


async def test_ioc_run_shows_live_values_and_stops_on_ctrl_c(settings: Settings, report: Callable[[str], None]) -> None:
    port = settings.dashboard_port + 1
    env = {
        **os.environ,
        "IOC_KAFKA_BOOTSTRAP": ",".join(settings.bootstrap_servers),
        "IOC_DATABASE_URL": settings.dsn,
        # The session's worker group: `ioc run` against existing servers resumes where their worker stood
        # (a new group would first replay every record the other tests left in the topics).
        "IOC_APP_ID": settings.app_id,
        "IOC_DASHBOARD_PORT": str(port),
        "IOC_SIMULATOR_INTERVAL_SECONDS": "2",
    }
    started = time.monotonic()
    command = [sys.executable, "-m", "ioc", "run"]
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once; a thread reads its output
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    output: list[str] = []
    url_seen = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "log in as" in line:  # the line after the URL
                url_seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert await asyncio.to_thread(url_seen.wait, 60), "no dashboard URL printed:\n" + "".join(output[-40:])
        url_at = time.monotonic() - started
        first: dict[str, float] = {}
        pm25: dict[str, set[float]] = {}
        viewer = {"X-API-Key": apikeys.add(settings.dsn, "ioc run check", None, "operator")[1]}
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws?channels=kpi,obs", additional_headers=viewer) as ws:
            deadline = time.monotonic() + LIVE_WITHIN
            while time.monotonic() < deadline and not ("kpi" in first and changing(pm25)):
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
                except TimeoutError:
                    break
                kinds = ["kpi", "obs"] if message["type"] == "snapshot" else [message["type"]]
                for kind in kinds:
                    items = message.get(kind, []) if message["type"] == "snapshot" else [message["data"]]
                    if items and message["type"] != "snapshot":
                        first.setdefault(kind, time.monotonic() - started)
                    if kind == "obs" and message["type"] == "obs":
                        for item in items:
                            if item["feed"] == "air_quality":  # the gauges report water levels
                                pm25.setdefault(item["source"], set()).add(item["values"]["pm25"])
        log = "".join(output[-120:])
        assert "kpi" in first, f"no live KPI within {LIVE_WITHIN} s; `ioc run` printed:\n{log}"
        stations = {source: sorted(v) for source, v in pm25.items() if source.startswith("HUE-AQ-")}
        assert changing(pm25), f"the simulator's station values did not change: {stations}; `ioc run` printed:\n{log}"
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(proc.wait, 90)
        reader.join(5)
    text = "".join(output)
    report(
        f"`ioc run` (existing servers): URL after {url_at:.1f}s, first live KPI after {first['kpi']:.1f}s, "
        f"first live observation after {first['obs']:.1f}s; Ctrl-C exit code {code}"
    )
    assert code == 0, text[-3000:]
    assert "started Kafka" not in text and "started PostgreSQL" not in text
