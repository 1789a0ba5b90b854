"""The two ceilings our pipeline is measured against, on the same messages and the same table."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import orjson
import psycopg
from aiokafka import AIOKafkaConsumer

from bench.harness import Offsets


async def _read_all(bootstrap: list[str], start: Offsets, count: int) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, max_partition_fetch_bytes=4 * 2**20
    )
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        decoded = 0
        first = time.perf_counter()  # the first fetch is part of the reading
        while decoded < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for records in batch.values():
                for record in records:
                    orjson.loads(record.value)
                    decoded += 1
        seconds = time.perf_counter() - first
    finally:
        await consumer.stop()
    return {"records_per_s": round(decoded / seconds, 1), "seconds": round(seconds, 2)}


def client_ceiling(bootstrap: list[str], start: Offsets, count: int) -> dict[str, Any]:
    """A plain aiokafka consumer that only reads and decodes the workload: the most a Python consumer does here."""
    return asyncio.run(_read_all(bootstrap, start, count))


def db_ceiling(dsn: str, messages: list[tuple[bytes, bytes]], prefix: str) -> dict[str, Any]:
    """psycopg 3 COPY of the workload's observation rows straight into the observation hypertable (no staging,
    no conflict check, one transaction): the most our sink could write. ``prefix`` renames the sources."""
    rows: list[tuple[object, ...]] = []
    for _, value in messages:
        body = orjson.loads(value)
        ts = datetime.fromisoformat(body["ts"])
        source = prefix + body["source"]
        rows.extend(
            (ts, body["id"], body["feed"], source, metric, number, body.get("unit_code"))
            for metric, number in body["values"].items()
        )
    with psycopg.connect(dsn) as conn:
        began = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY observation (time, record_id, feed, source, metric, value, unit_code) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - began
    return {
        "records_per_s": round(len(messages) / seconds, 1),
        "rows_per_s": round(len(rows) / seconds, 1),
        "seconds": round(seconds, 2),
    }
