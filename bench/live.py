"""Live stages: a sustained rate through the running worker and dashboard, and websocket fan-out.

Latencies are measured against the record's own time: the steady stage stamps each reading with the
instant it is produced, so a stored row's ``ingested_at - time`` and a websocket message's arrival minus
its ``ts`` are produce-to-row and produce-to-screen. The fan-out stage puts KPI messages carrying their
send time straight on ``ioc.kpi`` (no worker runs), so it measures the dashboard alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from aiokafka import AIOKafkaProducer
from websockets.asyncio.client import ClientConnection, connect

from bench.report import percentiles
from bench.workload import live_reading
from ioc import topics


async def paced(producer: AIOKafkaProducer, rate: float, seconds: float, make: Any, topic: str) -> int:
    """Send ``make(n)`` → (key, value) at ``rate`` per second for ``seconds``; returns how many were sent."""
    began = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - began) < seconds:
        due = int(rate * elapsed) - sent
        for _ in range(due):
            key, value = make(sent)
            await producer.send(topic, key=key, value=value)
            sent += 1
        await asyncio.sleep(0.005)
    await producer.flush()
    return sent


@dataclass
class Listener:
    """A websocket client that keeps the arrival delay of every message about the benchmark's sources."""

    prefix: str
    delays_ms: dict[str, list[float]] = field(default_factory=lambda: {"obs": [], "kpi": []})
    received: int = 0

    async def listen(self, ws: ClientConnection) -> None:
        async for frame in ws:
            now = time.time()
            message = orjson.loads(frame)
            data = message.get("data")
            if not isinstance(data, dict) or not str(data.get("source", "")).startswith(self.prefix):
                continue
            self.received += 1
            if "sent" in data:
                self.delays_ms["kpi"].append(1000 * (now - data["sent"]))
            elif message["type"] == "obs":
                self.delays_ms["obs"].append(1000 * (now - datetime.fromisoformat(data["ts"]).timestamp()))
            elif message["type"] == "kpi" and data.get("kpi") == "mean_60s" and data.get("revision") == 0:
                self.delays_ms["kpi"].append(1000 * (now - datetime.fromisoformat(data["window_end"]).timestamp()))


def ws_connect(port: int, channels: str, key: str, **options: Any) -> connect:
    """A websocket client of the dashboard, authenticated with an API key (the websocket checks roles)."""
    url = f"ws://127.0.0.1:{port}/ws?channels={channels}"
    return connect(url, additional_headers={"X-API-Key": key}, max_size=None, **options)


async def _steady(
    bootstrap: list[str], dsn: str, port: int, key: str, rate: float, seconds: float, seed: int, prefix: str
) -> dict[str, Any]:
    listener = Listener(prefix)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    async with ws_connect(port, "obs,kpi", key) as ws:
        await ws.recv()  # the snapshot
        listening = asyncio.create_task(listener.listen(ws))
        try:
            sent = await paced(
                producer,
                rate,
                seconds,
                lambda n: live_reading(seed, prefix, n, datetime.now(UTC)),
                topics.ingest_topic("air_quality"),
            )
        finally:
            await producer.stop()
        rows = await asyncio.to_thread(_wait_rows, dsn, prefix, sent * 8, 120)
        await asyncio.sleep(1.0)  # the last websocket messages
        listening.cancel()
    to_row, kpi_rows = await asyncio.to_thread(_row_delays, dsn, prefix)
    return {
        "records_per_s": round(sent / seconds, 1),
        "records": sent,
        "rows_stored": rows,
        "produce_to_ws_ms": percentiles(listener.delays_ms["obs"]),
        "produce_to_row_ms": percentiles(to_row),
        "window_end_to_kpi_row_ms": percentiles(kpi_rows),
        "window_end_to_kpi_ws_ms": percentiles(listener.delays_ms["kpi"]),
    }


def _wait_rows(dsn: str, prefix: str, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT count(*) FROM observation WHERE source LIKE %s", (prefix + "%",)).fetchone()
            count = int(row[0]) if row else 0
            if count >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.5)


def _row_delays(dsn: str, prefix: str) -> tuple[list[float], list[float]]:
    like = prefix + "%"
    with psycopg.connect(dsn) as conn:
        to_row = conn.execute(
            "SELECT DISTINCT ON (record_id) 1000 * extract(epoch FROM ingested_at - time)::float8"
            " FROM observation WHERE source LIKE %s",
            (like,),
        ).fetchall()
        kpi = conn.execute(
            "SELECT 1000 * extract(epoch FROM stored_at - window_end)::float8 FROM kpi_window"
            " WHERE kpi = 'mean_60s' AND revision = 0 AND source LIKE %s",
            (like,),
        ).fetchall()
    return [r[0] for r in to_row], [r[0] for r in kpi]


def steady(
    bootstrap: list[str], dsn: str, port: int, key: str, rate: float, seconds: float, seed: int, prefix: str
) -> dict[str, Any]:
    """``rate`` readings/s for ``seconds`` through the running worker and dashboard."""
    return asyncio.run(_steady(bootstrap, dsn, port, key, rate, seconds, seed, prefix))


def kpi_message(prefix: str, n: int, keys: int, base: datetime) -> tuple[bytes, bytes]:
    """A synthetic 1-minute KPI of source ``n % keys``, later than the previous one of that source, stamped with
    its send time."""
    start = base + timedelta(minutes=n)
    source = f"{prefix}{n % keys}"
    body = {
        "kpi": "bench_fanout",
        "feed": "air_quality",
        "source": source,
        "metric": "pm25",
        "unit_code": None,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(minutes=1)).isoformat(),
        "value": float(n),
        "count": 1,
        "min": float(n),
        "max": float(n),
        "revision": 0,
        "sent": time.time(),
    }
    return source.encode(), orjson.dumps(body)


async def _fanout_phase(
    producer: AIOKafkaProducer, listeners: list[Listener], rate: float, seconds: float, prefix: str, keys: int
) -> dict[str, Any]:
    for listener in listeners:
        listener.received, listener.delays_ms["kpi"] = 0, []
    base = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=int(time.time()) % 10_000)
    began = time.monotonic()
    sent = await paced(producer, rate, seconds, lambda n: kpi_message(prefix, n, keys, base), topics.KPI)
    await asyncio.sleep(2.0)
    elapsed = time.monotonic() - began
    delivered = sum(listener.received for listener in listeners)
    delays = [d for listener in listeners for d in listener.delays_ms["kpi"]]
    return {
        "sent": sent,
        "delivered": delivered,
        "expected": sent * len(listeners),
        "messages_per_s": round(delivered / elapsed, 1),
        "latency_ms": percentiles(delays),
    }


async def _fanout(
    bootstrap: list[str], port: int, key: str, clients: int, rate: float, seconds: float, prefix: str
) -> dict[str, Any]:
    listeners = [Listener(prefix) for _ in range(clients)]
    connections: list[ClientConnection] = []
    tasks: list[asyncio.Task[None]] = []
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=2)
    await producer.start()
    try:
        for batch in range(0, clients, 50):
            opened = await asyncio.gather(
                *(ws_connect(port, "kpi", key, open_timeout=30) for _ in listeners[batch : batch + 50])
            )
            connections.extend(opened)
        for ws in connections:
            await ws.recv()  # snapshots
        tasks = [asyncio.create_task(lst.listen(ws)) for lst, ws in zip(listeners, connections, strict=True)]
        keys = max(1, int(rate))
        alone = await _fanout_phase(producer, listeners, rate, seconds, prefix, keys)
        # A client that stops reading: its outbox coalesces; the others must not notice.
        async with ws_connect(port, "kpi", key, max_queue=1) as stuck:
            await stuck.recv()
            beside = await _fanout_phase(producer, listeners, rate, seconds, prefix, keys)
    finally:
        await producer.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
    return {
        "clients": clients,
        "rate_per_s": rate,
        "messages_per_s": alone["messages_per_s"],
        "p99_ms": alone["latency_ms"]["p99"],
        "alone": alone,
        "beside_a_stuck_client": beside,
    }


def fanout(
    bootstrap: list[str], port: int, key: str, clients: int, rate: float, seconds: float, prefix: str
) -> dict[str, Any]:
    """``clients`` websocket clients on the KPI channel of one dashboard process; ``rate`` KPI messages/s."""
    return asyncio.run(_fanout(bootstrap, port, key, clients, rate, seconds, prefix))


def keep_up(
    lag: Callable[[], int], producer_done: Callable[[], bool], check: Callable[[], None], timeout: float
) -> dict[str, Any]:
    """Samples a consumer's lag every second while a producer runs and then until the lag is 0: whether the
    consumer kept up (the peak and the lag the producer left) and how long it took to catch up after it."""
    peak, samples = 0, 0
    while not producer_done():
        check()
        peak = max(peak, lag())
        samples += 1
        time.sleep(1.0)
    stopped = time.monotonic()
    left = lag()
    remaining = left
    while remaining > 0 and time.monotonic() - stopped < timeout:
        check()
        time.sleep(1.0)
        remaining = lag()
    return {
        "peak_lag": max(peak, left),
        "lag_when_producer_stopped": left,
        "seconds_to_catch_up": round(time.monotonic() - stopped, 1) if remaining == 0 else None,
        "lag_samples": samples,
    }
