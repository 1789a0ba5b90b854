"""The dashboard's websocket as screens use it, against a real dashboard process and Kafka: 200 clients at
once each get every update, and a client that reconnects with its last sequence number misses nothing and
gets nothing twice. (No worker here: the updates are KPI messages put straight on ioc.kpi.)"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
import websockets
from aiokafka import AIOKafkaProducer

from bench.live import kpi_message
from ioc import apikeys, topics
from ioc.settings import Settings
from tests.infra import http_ok, stop, wait_for

pytestmark = pytest.mark.e2e
CLIENTS = 200
UPDATES = 20


@pytest.fixture(scope="module")
def dashboard(settings: Settings) -> Iterator[str]:
    """A dashboard process of its own (port + 2), so no other module's clients share its hub."""
    port = settings.dashboard_port + 2
    log = settings.home / "logs" / "e2e" / "dashboard-websocket.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ioc", "dashboard"],
            env={**os.environ, "IOC_DASHBOARD_PORT": str(port)},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/api/config"), 60, what="the dashboard to answer")
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def viewer(settings: Settings) -> dict[str, str]:
    return {"X-API-Key": apikeys.add(settings.dsn, "websocket test", None, "operator")[1]}


async def publish(settings: Settings, prefix: str, numbers: range) -> None:
    """KPI messages ``numbers`` of distinct sources ``<prefix><n>`` (none coalesces another), send time stamped."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        base = datetime(2031, 1, 1, tzinfo=UTC)
        for n in numbers:
            key, value = kpi_message(prefix, n, 10**6, base)
            await producer.send(topics.KPI, value=value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def ours(ws: Any, prefix: str, wanted: int) -> list[dict[str, Any]]:
    """The next ``wanted`` messages about sources of ``prefix`` (within 30 s), each with its arrival time."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while len(got) < wanted:
            message = json.loads(await ws.recv())
            data = message.get("data") or {}
            if str(data.get("source", "")).startswith(prefix):
                got.append({**message, "arrived": time.time()})
    return got


async def test_two_hundred_clients_each_receive_every_update(
    settings: Settings, dashboard: str, viewer: dict[str, str], report: Callable[[str], None]
) -> None:
    prefix = f"WS200-{uuid.uuid4().hex[:6]}-"
    clients = []
    for _ in range(0, CLIENTS, 50):
        batch = [websockets.connect(f"{dashboard}?channels=kpi", additional_headers=viewer) for _ in range(50)]
        clients += await asyncio.gather(*batch)
    try:
        assert all(
            json.loads(snapshot)["type"] == "snapshot"
            for snapshot in await asyncio.gather(*(c.recv() for c in clients))
        )
        reading = [asyncio.create_task(ours(client, prefix, UPDATES)) for client in clients]
        await publish(settings, prefix, range(UPDATES))
        received = await asyncio.gather(*reading)
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    assert [len(messages) for messages in received] == [UPDATES] * CLIENTS
    for messages in received:  # every update once, in the hub's order (partitions interleave, so not the sent order)
        assert sorted(m["data"]["value"] for m in messages) == [float(n) for n in range(UPDATES)]
        assert [m["seq"] for m in messages] == sorted(m["seq"] for m in messages)
    delays = np.array([1000 * (m["arrived"] - m["data"]["sent"]) for messages in received for m in messages])
    report(
        f"websocket: {CLIENTS} clients × {UPDATES} KPI updates, all {delays.size} delivered; produce → client "
        f"p50 {np.percentile(delays, 50):.0f} ms, p99 {np.percentile(delays, 99):.0f} ms"
    )


async def test_a_client_that_reconnects_resumes_without_gap_or_duplicate(
    settings: Settings, dashboard: str, viewer: dict[str, str]
) -> None:
    prefix = f"WSRESUME-{uuid.uuid4().hex[:6]}-"
    async with websockets.connect(f"{dashboard}?channels=kpi", additional_headers=viewer) as ws:
        snapshot = json.loads(await ws.recv())
        await publish(settings, prefix, range(5))
        first = await ours(ws, prefix, 5)
    last = first[2]["seq"]  # the screen lost its connection after the third update had been handled
    await publish(settings, prefix, range(5, 10))  # while it was away
    await asyncio.sleep(1.0)
    resume = f"{dashboard}?channels=kpi&epoch={snapshot['epoch']}&since={last}"
    async with websockets.connect(resume, additional_headers=viewer) as ws:
        answer = json.loads(await ws.recv())
        assert answer["type"] == "resume"
        again = await ours(ws, prefix, 7)
    handled = first[:3] + again
    assert sorted(m["data"]["value"] for m in handled) == [float(n) for n in range(10)]  # none missed, none twice
    assert [m["seq"] for m in handled] == sorted({m["seq"] for m in handled})
