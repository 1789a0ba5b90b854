"""The websocket hub: reads ioc.kpi and ioc.obs with its own aiokafka consumer and fans out to clients.

The consumer has no group and starts at the latest offsets, so any number of dashboard processes can
run side by side; the newest value per key is kept for the snapshot a client gets on connect.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

from dashboard.outbox import Outbox
from ioc import topics

log = logging.getLogger(__name__)

CHANNELS = {topics.KPI: "kpi", topics.OBS: "obs", topics.ALERTS: "alerts"}


def message_key(channel: str, data: dict[str, Any]) -> str:
    """What a newer message replaces: a KPI per (kpi, source, metric), an alert per fingerprint, a feed
    health row per (feed, source), an observation per source."""
    if channel == "kpi":
        return f"{data['kpi']}|{data['source']}|{data['metric']}"
    if channel == "alerts":
        return str(data["fingerprint"])
    if channel == "health":
        return f"{data['feed']}|{data['source']}"
    return str(data["source"])


def supersedes(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """Whether a KPI message replaces the one kept for its key: a later window, or a higher revision of the
    same one. A late revision of an older window, or revisions arriving out of order, never replace it."""
    if old is None:
        return True
    new_start, old_start = datetime.fromisoformat(new["window_start"]), datetime.fromisoformat(old["window_start"])
    return new_start > old_start or (new_start == old_start and new.get("revision", 0) >= old.get("revision", 0))


class Hub:
    def __init__(self, bootstrap: list[str]) -> None:
        self.bootstrap = bootstrap
        self.latest: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in [*CHANNELS.values(), "health"]}
        self.clients: dict[Outbox, frozenset[str]] = {}
        self.connected = False
        self._task: asyncio.Task[None] | None = None

    def seed(self, channel: str, rows: Iterable[dict[str, Any]]) -> None:
        """Fill the snapshot from storage at start, so a client never waits for the next window."""
        for row in rows:
            self.latest[channel].setdefault(message_key(channel, row), row)

    def publish(self, channel: str, data: dict[str, Any]) -> None:
        if channel == "obs":
            data.pop("attributes", None)  # screens get readings; event attributes stay behind the API
            if not data.get("values"):
                return
        key = message_key(channel, data)
        kept = self.latest[channel].get(key)
        if channel == "kpi" and not supersedes(data, kept):
            return
        if channel == "health" and data == kept:
            return  # counted again, nothing changed
        if channel == "alerts" and kept is not None and int(data["seq"]) <= int(kept["seq"]):
            return  # a transition sent again, or an older one arriving late
        if channel == "alerts" and data["state"] == "resolved":
            self.latest[channel].pop(key, None)  # the snapshot holds open alerts only
        else:
            self.latest[channel][key] = data
        slot = data["id"] if channel == "alerts" else key  # every alert transition is delivered, never coalesced
        for box, channels in self.clients.items():
            if channel in channels:
                box.put((channel, slot), {"type": channel, "data": data})

    def snapshot(self, channels: frozenset[str]) -> dict[str, Any]:
        return {"type": "snapshot", **{c: list(self.latest[c].values()) for c in sorted(channels)}}

    def subscribe(self, channels: frozenset[str]) -> Outbox:
        box = Outbox()
        self.clients[box] = channels
        return box

    def unsubscribe(self, box: Outbox) -> None:
        self.clients.pop(box, None)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hub-consumer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        """Consume forever; a broker that is down is retried, the hub never dies of it."""
        delay = 1.0
        while True:
            consumer = AIOKafkaConsumer(
                *CHANNELS,
                bootstrap_servers=self.bootstrap,
                group_id=None,
                auto_offset_reset="latest",
                enable_auto_commit=False,
            )
            try:
                await consumer.start()
                self.connected, delay = True, 1.0
                async for message in consumer:
                    try:
                        data = json.loads(message.value)
                    except (TypeError, ValueError):
                        log.warning("hub: undecodable message on %s", message.topic)
                        continue
                    self.publish(CHANNELS[message.topic], data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("hub: Kafka consumer failed (%s); retrying in %.0fs", exc, delay)
            finally:
                self.connected = False
                await consumer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)
