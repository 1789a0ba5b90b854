"""The dashboard's websocket as screens use it, against a real dashboard process and Kafka: 200 clients at
once each get every update, a client that reconnects with its last sequence number misses nothing and
gets nothing twice, and a client that stops reading holds up no other and then gets the newest value of
each key. (No worker here: the updates are KPI messages put straight on ioc.kpi.)"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson
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
SOURCES = 20  # the slow client: few keys (kpi|source|metric), each updated REVISIONS times
REVISIONS = 300
RATE = 2000  # a second: paced, so the latency of the client beside it is delivery, not a burst's queue
# Characters of detail per update to the slow client: 6,000 updates are then some 14 MB, beyond what the dashboard's
# socket can buffer (Linux's send buffers grow to 4 MiB; in two CI runs 300-byte updates got through in thousands).
PAD = 2000


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


async def publish(
    settings: Settings, prefix: str, numbers: range, keys: int = 10**6, rate: float | None = None, pad: int = 0
) -> None:
    """KPI messages ``numbers`` of sources ``<prefix><n % keys>``, send time stamped, ``rate`` a second (default: at
    once). With the default ``keys`` each has a source of its own (none coalesces another); with a few, each is the
    next window of its source, so it replaces the one before. ``pad``: characters of ``detail`` each carries."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        base = datetime(2031, 1, 1, tzinfo=UTC)
        began = time.monotonic()
        for i, n in enumerate(numbers):
            if rate is not None and (ahead := i / rate - (time.monotonic() - began)) > 0:
                await asyncio.sleep(ahead)
            key, value = kpi_message(prefix, n, keys, base)
            if pad:
                value = orjson.dumps({**orjson.loads(value), "detail": {"pad": "x" * pad}})
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


async def newest(ws: Any, prefix: str, last: dict[str, float]) -> list[dict[str, Any]]:
    """Messages about sources of ``prefix`` (and snapshots) until each source's value is the one in ``last``
    (within 30 s)."""
    got: list[dict[str, Any]] = []
    seen: dict[str, float] = {}
    async with asyncio.timeout(30):
        while seen != last:
            message = json.loads(await ws.recv())
            if message["type"] == "snapshot":  # a resync after the outbox overflowed: it holds the newest values
                got.append(message)
                seen.update({d["source"]: d["value"] for d in message["kpi"] if d["source"] in last})
            elif str((message.get("data") or {}).get("source", "")).startswith(prefix):
                got.append(message)
                seen[message["data"]["source"]] = message["data"]["value"]
    return got


async def small_socket(url: str) -> socket.socket:
    """A socket to the dashboard that lets little unread data pile up: a 4 KiB receive buffer, and 536-byte segments,
    since Linux sizes the dashboard's send buffer by the segment size (loopback's 64 KiB ones give it megabytes)."""
    address = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (address.hostname, address.port))
    return sock


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


async def test_a_slow_client_holds_up_nobody_and_then_gets_the_newest_values(
    settings: Settings, dashboard: str, viewer: dict[str, str], report: Callable[[str], None]
) -> None:
    """A screen that stops reading while a few keys are updated many times: the dashboard's sends to it back up, so its
    outbox coalesces, while a client beside it gets every update; read again, it gets the newest value of each key."""
    prefix = f"WSSLOW-{uuid.uuid4().hex[:6]}-"
    published = SOURCES * REVISIONS
    last = {f"{prefix}{n % SOURCES}": float(n) for n in range(published)}
    url = f"{dashboard}?channels=kpi"
    # No compression for the slow one: deflated, these alike messages take some 40 bytes each and would fill no buffer.
    # max_queue=1: the client stops reading its socket after a frame or two.
    stuck = websockets.connect(
        url, additional_headers=viewer, sock=await small_socket(dashboard), compression=None, max_queue=1
    )
    async with stuck as slow, websockets.connect(url, additional_headers=viewer) as fast:
        assert json.loads(await slow.recv())["type"] == "snapshot"  # and then nothing until all is published
        assert json.loads(await fast.recv())["type"] == "snapshot"
        reading = asyncio.create_task(ours(fast, prefix, published))
        await publish(settings, prefix, range(published), SOURCES, RATE, PAD)
        received = await reading  # every update, all while the slow client reads nothing
        late = await newest(slow, prefix, last)
    assert sorted(m["data"]["value"] for m in received) == [float(n) for n in range(published)]
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in received)
    seqs = [m["seq"] for m in late]
    assert seqs == sorted(set(seqs))  # in the hub's order, none twice
    resyncs = sum(m["type"] == "snapshot" for m in late)
    for source in last:  # coalescing drops older values, never puts one after a newer one
        values = [m["data"]["value"] for m in late if m["type"] == "kpi" and m["data"]["source"] == source]
        assert values == sorted(set(values))
    assert len(late) < published / 2, f"the slow client got {len(late)} of {published}: its sends never backed up"
    delays = np.array([1000 * (m["arrived"] - m["data"]["sent"]) for m in received])
    report(
        f"websocket slow client: {published} KPI updates of {SOURCES} sources at {RATE}/s; the client beside it got "
        f"all {len(received)}, produce → client p50 {np.percentile(delays, 50):.0f} ms, p99 "
        f"{np.percentile(delays, 99):.0f} ms; the stuck one, reading again, got {len(late)} messages"
        f"{f' ({resyncs} resync snapshot)' if resyncs else ''} ending with the newest value of each source"
    )
