"""MQTT bridge: QoS 1 messages on ``ioc/<feed>/<source>`` → ``ioc.ingest.<feed>`` on Kafka (``ioc mqtt-bridge``).

Nothing is lost: the bridge holds a persistent session (fixed client id, clean_session off), so the broker
keeps messages for it while it is down, and it acknowledges a message only once Kafka has stored its record
(acks=all). A crash between the two sends the record again on redelivery, which is harmless: records are
idempotent by id downstream.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from kafka import KafkaProducer
from kafka.errors import KafkaError

from ioc.feeds import registry
from ioc.mqtt_messages import TOPIC_FILTER, InOrderAcks, route
from ioc.settings import Settings

log = logging.getLogger(__name__)
REPORT_SECONDS = 30.0


class Bridge:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.feeds = set(registry())
        self.stopping = threading.Event()
        self.failure: Exception | None = None
        self.forwarded = 0
        self.producer = KafkaProducer(
            bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=5, retries=2**31 - 1
        )
        self.client = self._client()
        self.acks = InOrderAcks(lambda mid: self.client.ack(mid, 1))

    def _client(self) -> mqtt.Client:
        broker = self.settings.mqtt_broker
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.settings.mqtt_client_id,
            clean_session=False,
            manual_ack=True,
        )
        if broker.username:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set()
        client.reconnect_delay_set(1, 30)
        client.suppress_exceptions = True  # a failing callback is logged; it must not end the network loop
        client.enable_logger(log)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: mqtt.Client, _: Any, flags: Any, reason: Any, __: Any) -> None:
        broker = self.settings.mqtt_broker
        if reason.is_failure:
            log.error("MQTT broker %s:%d refused the bridge: %s", broker.host, broker.port, reason)
            return
        client.subscribe(TOPIC_FILTER, qos=1)
        session = "resumed its session" if flags.session_present else "new session"
        log.info(
            "MQTT bridge connected to %s:%d (%s), subscribed to %s", broker.host, broker.port, session, TOPIC_FILTER
        )

    def _on_disconnect(self, _: mqtt.Client, __: Any, ___: Any, reason: Any, ____: Any) -> None:
        self.acks.reset()  # before paho reconnects: acks of this connection must not reach the next one
        if not self.stopping.is_set():
            log.warning("MQTT bridge disconnected (%s); reconnecting", reason)

    def _on_message(self, _: mqtt.Client, __: Any, message: mqtt.MQTTMessage) -> None:
        if self.stopping.is_set():
            return  # not acknowledged: the broker delivers it again to the next bridge
        try:
            routed = route(message.topic, message.payload, self.feeds, time.time())
            future = self.producer.send(routed.topic, key=routed.key, value=routed.value)
        except Exception as exc:  # Kafka unreachable past max_block_ms, say: paho would end its loop silently
            self._failed(exc)
            return
        if message.qos > 0:
            stored = self.acks.received(message.mid)
            future.add_callback(lambda _: stored())
        future.add_errback(self._failed)
        self.forwarded += 1

    def _failed(self, exc: Exception) -> None:
        """Kafka gave up on a record: stop without acknowledging it, so the broker delivers it again."""
        log.error("MQTT bridge: Kafka did not store a record (%s); stopping, the broker keeps the message", exc)
        self.failure = exc
        self.stopping.set()

    def run(self) -> None:
        broker = self.settings.mqtt_broker
        self.client.connect_async(broker.host, broker.port, keepalive=30)
        self.client.loop_start()
        reported, last = time.monotonic(), 0
        try:
            while not self.stopping.wait(1.0):
                if time.monotonic() - reported >= REPORT_SECONDS:
                    if self.forwarded > last:  # quiet while nothing arrives
                        rate = (self.forwarded - last) / (time.monotonic() - reported)
                        log.info("MQTT bridge: %d messages forwarded (%.1f/s lately)", self.forwarded, rate)
                    reported, last = time.monotonic(), self.forwarded
        finally:
            self.stopping.set()
            try:
                self.producer.flush(timeout=30)  # what Kafka confirms now is acknowledged before leaving
            except KafkaError as exc:
                log.warning("MQTT bridge: Kafka did not confirm every record (%s); the broker keeps them", exc)
            self.client.disconnect()  # queued after the acknowledgements: the network thread writes them first
            deadline = time.monotonic() + 5
            while self.client.is_connected() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.client.loop_stop()
            self.acks.reset()
            self.producer.close(timeout=10)
            log.info("MQTT bridge stopped after forwarding %d messages", self.forwarded)
        if self.failure is not None:
            raise SystemExit(1)


def run_bridge(settings: Settings) -> None:
    """Run until SIGTERM or Ctrl-C; exits with 1 when Kafka could not store a record (the supervisor restarts it)."""
    bridge = Bridge(settings)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: bridge.stopping.set())
    bridge.run()
