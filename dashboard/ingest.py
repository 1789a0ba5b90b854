"""HTTP ingest adapter: ``POST /ingest/{feed}`` → ``ioc.ingest.<feed>``, for integrators with an API key.

Every record of an accepted request is forwarded, valid or not, and acknowledged by Kafka (acks=all)
before the answer; the answer lists which records the validate agent will dead-letter and why. A retry
after a timeout or a 503 is safe: records are idempotent by their id downstream.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from dashboard.auth import Authenticator
from ioc import apikeys, topics
from ioc.feeds import registry
from ioc.ingest_batch import BodyError, check, report, split
from ioc.settings import Settings

log = logging.getLogger(__name__)


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
        try:
            await forwarder.send(topics.ingest_topic(feed), [(c.key, c.raw) for c in checked])
        except (KafkaError, OSError) as exc:
            log.warning("ingest: Kafka unavailable for %d records of %s (%s)", len(checked), key.name, exc)
            detail = f"Kafka unavailable; retry the request, records are idempotent by id ({exc})"
            raise HTTPException(503, detail) from exc
        result: dict[str, Any] = {"feed": feed, **report(checked)}
        log.info("ingest %s from %s: %d accepted, %d rejected", feed, key.name, result["accepted"], result["rejected"])
        return JSONResponse(result, status_code=200 if result["accepted"] else 422)

    return router


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
