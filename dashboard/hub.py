"""The websocket hub: reads ioc.kpi and ioc.obs with its own aiokafka consumer and fans out to clients.

The consumer has no group and starts at the latest offsets, so any number of dashboard processes can
run side by side; the newest value per key is kept for the snapshot a client gets on connect. Every
delta gets the next sequence number of this process (``epoch`` names the process), and the last
``KEPT`` deltas are kept, so a client that reconnects with its last sequence number gets exactly what
it missed: no gap, no duplicate. A client may ask for some channels and some areas (admin unit code
prefixes) only.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

from dashboard.outbox import Outbox
from ioc import topics
from ioc.obs_messages import unpack
from ioc.sources import sources

log = logging.getLogger(__name__)

CHANNELS = {topics.KPI: "kpi", topics.OBS: "obs", topics.ALERTS: "alerts"}
KEPT = 20_000  # deltas kept for clients that reconnect (a few minutes of a province's traffic)


@dataclass(frozen=True)
class Wanted:
    """What a client subscribed to: channels, and admin unit code prefixes (none: every area); and what its
    caller may see."""

    channels: frozenset[str]
    areas: tuple[str, ...] = ()
    feeds: tuple[str, ...] | None = None  # an integrator's feeds (None: every feed)

    def accepts(self, channel: str, data: dict[str, Any], unit_of: dict[str, str]) -> bool:
        if channel not in self.channels:
            return False
        if self.feeds is not None and data.get("feed") not in self.feeds:
            return False
        if not self.areas:
            return True
        unit = data.get("unit_code") or unit_of.get(str(data.get("source")), "")
        return any(str(unit).startswith(area) for area in self.areas)


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
        self.clients: dict[Outbox, Wanted] = {}
        self.epoch = uuid.uuid4().hex[:12]
        self.seq = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=KEPT)
        self.unit_of = {source.id: source.unit_code for source in sources().values()}
        self.connected = False
        self._task: asyncio.Task[None] | None = None
        self._texts: dict[Wanted, str] = {}  # snapshots as JSON, valid while ``seq`` is ``_texts_seq``
        self._texts_seq = -1

    def seed(self, channel: str, rows: Iterable[dict[str, Any]]) -> None:
        """Fill the snapshot from storage at start, so a client never waits for the next window."""
        for row in rows:
            self.latest[channel].setdefault(message_key(channel, row), row)
        self._texts_seq = -1

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
        self.seq += 1
        message = {"type": channel, "seq": self.seq, "data": data}
        self.recent.append(message)
        slot = data["id"] if channel == "alerts" else key  # every alert transition is delivered, never coalesced
        for box, wanted in self.clients.items():
            if wanted.accepts(channel, data, self.unit_of):
                box.put((channel, slot), message)

    def snapshot(self, wanted: Wanted) -> dict[str, Any]:
        """The newest value per key of the client's channels and areas; deltas follow from ``seq`` on."""
        return {
            "type": "snapshot",
            "epoch": self.epoch,
            "seq": self.seq,
            **{
                c: [data for data in self.latest[c].values() if wanted.accepts(c, data, self.unit_of)]
                for c in sorted(wanted.channels)
            },
        }

    def snapshot_text(self, wanted: Wanted) -> str:
        """The snapshot as JSON, made once per subscription and ``seq``: screens reconnecting together (a
        thousand after a restart) share one filtering and one serialisation instead of a thousand."""
        if self._texts_seq != self.seq:
            self._texts, self._texts_seq = {}, self.seq
        text = self._texts.get(wanted)
        if text is None:
            text = self._texts[wanted] = json.dumps(self.snapshot(wanted))
        return text

    def missed(self, wanted: Wanted, epoch: str, since: int) -> list[dict[str, Any]] | None:
        """The client's deltas after ``since``, or None when they cannot all be given (another process, or
        older than what is kept): the client then needs a snapshot."""
        oldest = self.recent[0]["seq"] if self.recent else self.seq + 1
        if epoch != self.epoch or not oldest - 1 <= since <= self.seq:
            return None
        after = itertools.islice(self.recent, since - oldest + 1, None)  # seqs in ``recent`` are consecutive
        return [m for m in after if wanted.accepts(m["type"], m["data"], self.unit_of)]

    def subscribe(self, wanted: Wanted) -> Outbox:
        box = Outbox()
        self.clients[box] = wanted
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
                    records = unpack(message.value)  # ioc.obs packs a partition's readings (ioc.obs_messages)
                    if records is None:
                        log.warning("hub: undecodable message on %s", message.topic)
                        continue
                    for data in records:
                        self.publish(CHANNELS[message.topic], data)
                    # aiokafka hands out a fetched batch without awaiting anything: without this the clients'
                    # pumps would only run after the whole batch, so every outbox, not only a slow client's,
                    # would coalesce the batch's updates of a key into its last one.
                    await asyncio.sleep(0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("hub: Kafka consumer failed (%s); retrying in %.0fs", exc, delay)
            finally:
                self.connected = False
                await consumer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)
