"""Local infrastructure manager behind `ioc infra up|down|status`: only what the settings leave local.

With ``IOC_KAFKA_BOOTSTRAP`` set no broker is started; with ``IOC_DATABASE_URL`` set no cluster is; with
``IOC_MQTT_URL`` set (or the MQTT bridge off) no Mosquitto is.
Everything (jars, data, logs, pid files) lives under ``IOC_HOME``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ioc.infra.kafka import InfraError, LocalKafka
from ioc.infra.mosquitto import LocalMosquitto
from ioc.infra.postgres import LocalPostgres
from ioc.settings import Settings

__all__ = ["InfraError", "LocalInfra"]


@dataclass
class LocalInfra:
    settings: Settings

    @property
    def kafka(self) -> LocalKafka | None:
        s = self.settings
        return LocalKafka(s.home, s.kafka_port, s.kafka_controller_port) if s.local_kafka else None

    @property
    def postgres(self) -> LocalPostgres | None:
        s = self.settings
        return LocalPostgres(s.home, s.pg_port, s.pg_database) if s.local_database else None

    @property
    def mosquitto(self) -> LocalMosquitto | None:
        s = self.settings
        return LocalMosquitto(s.home, s.mqtt_port) if s.local_mqtt else None

    def up(self) -> list[str]:
        """Install what is missing and start what is not running; returns what it started."""
        started = []
        if (pg := self.postgres) is not None:
            if not pg.running():
                started.append("postgres")
            pg.start()
        if (kafka := self.kafka) is not None:
            if not kafka.running():
                started.append("kafka")
            kafka.start()
        if (mqtt := self.mosquitto) is not None:
            if not mqtt.running():
                started.append("mosquitto")
            mqtt.start()
        return started

    def down(self, only: list[str] | None = None) -> None:
        if (mqtt := self.mosquitto) is not None and (only is None or "mosquitto" in only):
            mqtt.stop()
        if (kafka := self.kafka) is not None and (only is None or "kafka" in only):
            kafka.stop()
        if (pg := self.postgres) is not None and (only is None or "postgres" in only):
            pg.stop()

    def status(self) -> dict[str, str]:
        s = self.settings
        kafka, pg, mqtt = self.kafka, self.postgres, self.mosquitto
        return {
            "kafka": (
                f"external {s.kafka_bootstrap}"
                if kafka is None
                else f"{'running' if kafka.running() else 'stopped'} on 127.0.0.1:{s.kafka_port}"
            ),
            "postgres": (
                "external (IOC_DATABASE_URL)"
                if pg is None
                else f"{'running' if pg.running() else 'stopped'} on 127.0.0.1:{s.pg_port}"
            ),
            "mosquitto": (
                ("external (IOC_MQTT_URL)" if s.mqtt_bridge else "off (IOC_MQTT_BRIDGE=false)")
                if mqtt is None
                else f"{'running' if mqtt.running() else 'stopped'} on 127.0.0.1:{s.mqtt_port}"
            ),
            "home": str(s.home.resolve()),
        }
