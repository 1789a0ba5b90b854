"""Validate agent: raw ioc.ingest.<feed> messages → ioc.obs, or ioc.deadletter with the reason."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import faust

from ioc import topics
from ioc.deadletter import dead_letter
from ioc.envelope import RecordError, parse_envelope
from ioc.feeds import registry
from streams.app import app, deadletter, ingest, obs, settings

log = logging.getLogger(__name__)
MAX_FUTURE = timedelta(seconds=settings.max_future_seconds)


@app.agent(ingest)
async def validate(stream: faust.StreamT) -> None:
    """Each message is forwarded exactly once to one of the two topics; acked after the send is queued.

    Faust flushes the producer before it commits offsets, so a crash replays rather than loses.
    """
    feeds = registry()
    async for event in stream.events():
        message = event.message
        feed = message.topic.removeprefix(topics.INGEST_PREFIX)
        raw = message.value if isinstance(message.value, bytes) else bytes(message.value or b"")
        try:
            env = parse_envelope(raw, feeds[feed], datetime.now(UTC), MAX_FUTURE)
        except RecordError as error:
            letter = dead_letter(error, raw, feed, message.topic, message.partition, message.offset, message.timestamp)
            log.info("dead letter %s: %s", letter["dl_id"], letter["reason"])
            await deadletter.send(key=feed.encode(), value=json.dumps(letter).encode())
            continue
        await obs.send(key=env.source.encode(), value=env.to_bytes())
