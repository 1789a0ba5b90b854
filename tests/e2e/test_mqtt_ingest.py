"""The MQTT adapter on a real Mosquitto: devices publish on ioc/<feed>/<source> (QoS 1), as
docs/integrators.md shows; records are stored or dead-lettered, and none is lost while the bridge or the
broker is down or when the bridge is killed mid-stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest

from ioc.infra.mosquitto import LocalMosquitto
from tests.e2e.conftest import Pipeline
from tests.infra import query, spawn, stop, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def bridge(pipeline: Pipeline) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The running bridge (a list, so a test can replace it), stopped after the test."""
    procs = [start_bridge(pipeline)]
    yield procs
    stop(procs[-1])


def start_bridge(pipeline: Pipeline) -> subprocess.Popen[bytes]:
    log = pipeline.logs / "mqtt-bridge.log"

    def subscriptions() -> int:
        return log.read_text(errors="replace").count("subscribed to ioc/+/+") if log.exists() else 0

    before = subscriptions()
    proc = spawn(["mqtt-bridge"], log)
    wait_for(lambda: subscriptions() > before, 30, what="the bridge to subscribe")
    return proc


def publisher(pipeline: Pipeline) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", pipeline.settings.mqtt_port)
    client.loop_start()
    return client


def publish_all(client: mqtt.Client, messages: list[tuple[str, bytes]]) -> None:
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()


def readings(source: str, count: int) -> list[tuple[str, bytes]]:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=count)
    return [
        (f"ioc/air_quality/{source}", json.dumps({"ts": (start + timedelta(seconds=i)).isoformat(),
                                                 "values": {"pm25": float(i % 500)}}).encode())
        for i in range(count)
    ]  # fmt: skip


def stored(pipeline: Pipeline, source: str) -> tuple[int, int]:
    """(observation rows, distinct times) of ``source``."""
    sql = "SELECT count(*), count(DISTINCT time) FROM observation WHERE source = %s"
    rows = query(pipeline.settings, sql, (source,))
    return rows[0]  # type: ignore[return-value]


def test_published_readings_are_stored_and_bad_ones_are_dead_letters(pipeline: Pipeline, bridge: list) -> None:
    tag = uuid.uuid4().hex[:6]
    port = str(pipeline.settings.mqtt_port)
    now = datetime.now(UTC).isoformat()
    good = json.dumps({"ts": now, "values": {"pm25": 35.5, "pm10": 50}})
    subprocess.run(["mosquitto_pub", "-p", port, "-q", "1", "-t", f"ioc/air_quality/MQ-{tag}-A", "-m", good],
                   check=True, timeout=30)  # fmt: skip
    client = publisher(pipeline)
    publish_all(client, [
        (f"ioc/air_quality/MQ-{tag}-B", json.dumps({"ts": now, "values": {"pm25": 2000}}).encode()),
        (f"ioc/air_quality/MQ-{tag}-C", b"\xff not json"),
        (f"ioc/noise/MQ-{tag}-D", json.dumps({"ts": now, "values": {"laeq": 55}}).encode()),
        (f"ioc/air_quality/MQ-{tag}-E", json.dumps({"source": "ELSEWHERE", "ts": now, "values": {}}).encode()),
    ])  # fmt: skip
    wait_for(lambda: stored(pipeline, f"MQ-{tag}-A") == (2, 1), 60, what="the reading published with mosquitto_pub")

    def letters() -> list[tuple[object, ...]]:
        return query(
            pipeline.settings,
            "SELECT source, field, rule FROM dead_letter WHERE source LIKE %s OR dl_id LIKE %s OR raw = %s",
            (f"MQ-{tag}-%", f"mqtt:ioc/air_quality/MQ-{tag}-%", b"\xff not json"),
        )

    got = wait_for(lambda: len(rows := letters()) >= 4 and rows, 60, what="four dead letters")
    assert sorted(got, key=str) == sorted([
        (f"MQ-{tag}-B", "values.pm25", "range"),
        (f"MQ-{tag}-D", "feed", "unknown_feed"),
        ("ELSEWHERE", "source", "topic"),
        (None, "$", "json"),
    ], key=str)  # fmt: skip


def test_nothing_is_lost_while_the_bridge_and_the_broker_are_down(pipeline: Pipeline, bridge: list) -> None:
    source = f"MQ-DOWN-{uuid.uuid4().hex[:6]}"
    stop(bridge.pop())  # SIGTERM: it acknowledges what Kafka has and leaves its session on the broker
    publish_all(publisher(pipeline), readings(source, 300))
    broker = LocalMosquitto(pipeline.settings.home, pipeline.settings.mqtt_port)
    broker.stop()  # the queued messages are on disk
    broker.start()
    bridge.append(start_bridge(pipeline))
    wait_for(lambda: stored(pipeline, source) == (300, 300), 90, what="all 300 readings queued while down")


def test_a_bridge_killed_mid_stream_loses_nothing_and_stores_nothing_twice(pipeline: Pipeline, bridge: list) -> None:
    source = f"MQ-KILL-{uuid.uuid4().hex[:6]}"
    client = publisher(pipeline)
    messages = readings(source, 3000)
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages[:1500]]
    wait_for(lambda: stored(pipeline, source)[0] > 0, 60, what="the first readings through the bridge")
    os.kill(bridge[-1].pid, signal.SIGKILL)
    bridge[-1].wait()
    infos += [client.publish(topic, payload, qos=1) for topic, payload in messages[1500:]]
    for info in infos:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()
    bridge[-1] = start_bridge(pipeline)
    wait_for(lambda: stored(pipeline, source) == (3000, 3000), 120, what="all 3000 readings, each once")
