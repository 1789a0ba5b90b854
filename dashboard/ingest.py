"""HTTP ingest adapters for integrators with an API key: ``POST /ingest/{feed}`` and ``POST /ingest/ngsi-ld``
(FIWARE entities) → ``ioc.ingest.<feed>``.

Every record of an accepted request is forwarded, valid or not, and acknowledged by Kafka (acks=all)
before the answer; the answer lists which records the validate agent will dead-letter and why. A retry
after a timeout or a 503 is safe: records are idempotent by their id downstream.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from dashboard.auth import Authenticator
from ioc import apikeys, ngsi_ld, topics
from ioc.deadletter import rejected
from ioc.feeds import registry
from ioc.ingest_batch import JSON, BodyError, check, report, split
from ioc.settings import Settings

log = logging.getLogger(__name__)
LD_JSON = "application/ld+json"
NGSI_LD_ORIGIN = "POST /ingest/ngsi-ld"  # a dead letter's origin when it never became a record: re-send it there


class Forwarder:
    """The adapter's Kafka producer, started lazily so the dashboard starts while Kafka is still down."""

    def __init__(self, bootstrap: list[str]) -> None:
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap, acks="all", linger_ms=5, request_timeout_ms=15000
                )
                await producer.start()
                self._producer = producer
            return self._producer

    async def send(self, topic: str, records: list[tuple[bytes, bytes]]) -> None:
        producer = await self.producer()
        futures = [await producer.send(topic, key=key, value=value) for key, value in records]
        await asyncio.gather(*futures)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


def ingest_router(settings: Settings, auth: Authenticator, forwarder: Forwarder) -> APIRouter:
    router = APIRouter(tags=["ingest"])
    max_future = timedelta(seconds=settings.max_future_seconds)

    async def authorise(feed: str, authorization: str | None, x_api_key: str | None) -> apikeys.ApiKey:
        key = await auth.authenticate(authorization, x_api_key)
        if not key.allows(feed):
            allowed = f"only to feeds {list(key.feeds or ())}" if key.role in ("integrator", "admin") else "nothing"
            raise HTTPException(403, f"API key {key.key_id} ({key.role}) may send {allowed}")
        return key

    @router.post("/ingest/ngsi-ld", responses={400: {}, 401: {}, 403: {}, 413: {}, 415: {}, 422: {}, 503: {}})
    async def ingest_ngsi_ld(
        request: Request,
        content_type: Annotated[str, Header()] = "application/json",
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """FIWARE Smart Data Models entities (AirQualityObserved, TrafficFlowObserved, WaterObserved; normalized
        or key-values; one, an array, or a broker's notification) into their feeds, answered like /ingest/{feed}.
        """
        key = await auth.authenticate(authorization, x_api_key)
        mapped_feeds = sorted({model.feed for model in ngsi_ld.MODELS.values()})
        if not any(key.allows(feed) for feed in mapped_feeds):
            raise HTTPException(403, f"API key {key.key_id} ({key.role}) may send to none of {mapped_feeds}")
        if content_type.split(";")[0].strip().lower() not in (JSON, LD_JSON):
            raise HTTPException(415, f"Content-Type must be {JSON} or {LD_JSON}")
        body = await _read_limited(request, settings.ingest_max_bytes)
        try:
            items = ngsi_ld.entities(json.loads(body))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, BodyError) as exc:
            raise HTTPException(400, f"body is not NGSI-LD JSON: {exc}") from exc
        if not items:
            raise HTTPException(422, "no entities in the body")
        if len(items) > settings.ingest_max_records:
            raise HTTPException(413, f"{len(items)} entities; at most {settings.ingest_max_records} per request")
        routed = ngsi_ld.to_records(items, registry(), datetime.now(UTC), max_future)
        denied = sorted({r.feed for r in routed if r.feed is not None and not key.allows(r.feed)})
        if denied:
            raise HTTPException(403, f"API key {key.key_id} ({key.role}) may not send to feeds {denied}")
        batches: dict[str, list[tuple[bytes, bytes]]] = defaultdict(list)
        received = time.time()
        for r in routed:
            if r.mapped and r.feed is not None:
                batches[topics.ingest_topic(r.feed)].append((r.checked.key, r.checked.raw))
            elif r.checked.error is not None:  # never a record: its dead letter, with the mapping's reason
                dl_id = f"ngsi-ld:{hashlib.sha256(r.checked.raw).hexdigest()[:20]}"
                letter = rejected(r.checked.error, r.checked.raw, r.feed or "ngsi-ld", dl_id, NGSI_LD_ORIGIN, received)
                batches[topics.DEADLETTER].append((r.checked.key, json.dumps(letter).encode()))
        await _forward(forwarder, batches, key)
        result: dict[str, Any] = {
            "feeds": sorted({r.feed for r in routed if r.feed}),
            **report([r.checked for r in routed]),
        }
        log.info("ingest NGSI-LD from %s: %d accepted, %d rejected", key.name, result["accepted"], result["rejected"])
        return JSONResponse(result, status_code=200 if result["accepted"] else 422)

    @router.post("/ingest/{feed}", responses={401: {}, 403: {}, 404: {}, 413: {}, 415: {}, 422: {}, 503: {}})
    async def ingest(
        feed: str,
        request: Request,
        content_type: Annotated[str, Header()] = "application/json",
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """Records of ``feed`` as a JSON array or NDJSON. 200 when at least one record is valid (rejected ones
        are listed under ``errors`` and land in the dead letters), 422 when none is."""
        kind = registry().get(feed)
        if kind is None:
            raise HTTPException(404, f"unknown feed {feed!r}; known feeds: {sorted(registry())}")
        key = await authorise(feed, authorization, x_api_key)
        body = await _read_limited(request, settings.ingest_max_bytes)
        try:
            records = split(body, content_type)
        except BodyError as exc:
            raise HTTPException(415 if "Content-Type" in str(exc) else 400, str(exc)) from exc
        if not records:
            raise HTTPException(422, "no records in the body")
        if len(records) > settings.ingest_max_records:
            raise HTTPException(413, f"{len(records)} records; at most {settings.ingest_max_records} per request")
        checked = check(records, kind, datetime.now(UTC), max_future)
        await _forward(forwarder, {topics.ingest_topic(feed): [(c.key, c.raw) for c in checked]}, key)
        result: dict[str, Any] = {"feed": feed, **report(checked)}
        log.info("ingest %s from %s: %d accepted, %d rejected", feed, key.name, result["accepted"], result["rejected"])
        return JSONResponse(result, status_code=200 if result["accepted"] else 422)

    return router


async def _forward(forwarder: Forwarder, batches: dict[str, list[tuple[bytes, bytes]]], key: apikeys.ApiKey) -> None:
    """Every record in Kafka (acks=all) before the answer; 503 when Kafka is unavailable."""
    try:
        await asyncio.gather(*(forwarder.send(topic, records) for topic, records in batches.items()))
    except (KafkaError, OSError) as exc:
        count = sum(map(len, batches.values()))
        log.warning("ingest: Kafka unavailable for %d records of %s (%s)", count, key.name, exc)
        detail = f"Kafka unavailable; retry the request, records are idempotent by id ({exc})"
        raise HTTPException(503, detail) from exc


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is larger than ``limit`` (also when no Content-Length)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body of {declared} bytes; at most {limit} per request")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body larger than {limit} bytes per request")
        chunks.append(chunk)
    return b"".join(chunks)
