"""Alert agent: ioc.obs + ioc.kpi + ioc.alert-commands → rule evaluation and alert lifecycle → ioc.alerts.

The single writer of alert state (see alerts.engine). A leader timer puts a tick on every partition of
ioc.alert-commands, so time-driven checks (silent sources, escalation) run inside stream iteration on
the partition that owns the state, like everything else. Rule packs are reloaded when their files
change; a broken pack is refused with a log naming the file and field, and the rules in force stay.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import faust

from alerts.engine import AlertEngine
from alerts.lifecycle import Command, Policy
from alerts.model import Transition
from alerts.packs import SHIPPED, PackError, PackWatcher
from ioc import topics
from ioc.feeds import registry
from ioc.sources import metadata
from streams.app import app, decode, decode_records, encode, raw_topic, settings
from streams.batched_table import BATCH, BATCH_WAIT, BatchedTable

log = logging.getLogger(__name__)

inputs = app.topic(topics.OBS, topics.KPI, topics.ALERT_COMMANDS, key_type=bytes, value_type=bytes,
                   key_serializer="raw", value_serializer="raw")  # fmt: skip
commands = raw_topic(topics.ALERT_COMMANDS)
alerts_out = raw_topic(topics.ALERTS)
memory = BatchedTable(app.Table("alert-memory", partitions=settings.topic_partitions, key_type=str))
state = BatchedTable(app.Table("alert-state", partitions=settings.topic_partitions, key_type=str))
watcher = PackWatcher([SHIPPED, *([settings.rules_dir] if settings.rules_dir else [])], registry())


engine = AlertEngine(
    memory,
    state,
    watcher.book,
    Policy(escalate_after=timedelta(minutes=settings.alert_escalate_minutes)),
    metadata,
)


async def publish(transitions: list[Transition]) -> None:
    for t in transitions:
        body = encode(t.to_dict())
        await alerts_out.send(key=t.fingerprint.encode(), value=body)
        log.info("alert %s %s (%s, %s)", t.id, t.kind.value, t.severity.value, t.state.value)


@app.agent(inputs)
async def evaluate(stream: faust.StreamT) -> None:
    """Batches of events, as the KPI agent (streams.batched_table): the alert state a batch changed reaches
    the tables once per key, then the batch's transitions are sent; the events are acknowledged after."""
    async for events in stream.take_events(BATCH, within=BATCH_WAIT):  # type: ignore[attr-defined]  # not in StreamT
        out: list[Transition] = []
        for event in events:
            memory.partition = state.partition = event.message.partition
            out.extend(_handle(event.message))
        memory.commit()
        state.commit()
        await publish(out)


def _handle(message: Any) -> list[Transition]:
    if message.topic == topics.OBS:
        now = datetime.now(UTC)
        return [t for body in decode_records(message) for t in engine.observe(body, "obs", message.partition, now)]
    body = decode(message)
    if body is None:
        return []
    if message.topic == topics.KPI:
        return engine.observe(body, "kpi", message.partition, datetime.now(UTC))
    if body.get("type") == "tick":
        return engine.tick(message.partition, datetime.fromisoformat(body["at"]))
    if body.get("type") == "command":
        try:
            command = Command.from_dict(body)
        except (KeyError, TypeError, ValueError) as exc:
            log.error("skipping a malformed alert command at offset %s: %s", message.offset, exc)
            return []
        return engine.command(command, message.partition)
    return []


@app.timer(interval=settings.alert_tick_seconds, on_leader=True)
async def tick() -> None:
    """One tick per partition: the clock reaches every partition's state through its own stream."""
    body = encode({"type": "tick", "at": datetime.now(UTC).isoformat()})
    for partition in range(settings.topic_partitions):
        await commands.send(value=body, partition=partition)


@app.timer(interval=5.0)
async def reload_packs() -> None:
    try:
        book = watcher.poll()
    except PackError as exc:
        log.error("alert rule packs not reloaded, the rules in force stay: %s", exc)
        return
    if book is not None:
        engine.book = book
        log.info("alert rule packs reloaded: %s", ", ".join(f"{p.name} v{p.version}" for p in book.packs.values()))
