"""A single-node KRaft Kafka broker for local runs and tests, from Maven Central jars (no Docker here)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ioc.infra.process import log_tail, read_pid, start_detached, stop_pid
from ioc.kafka_admin import wait_ready

FILES = Path(__file__).parent / "kafka"
log = logging.getLogger(__name__)


class InfraError(RuntimeError):
    """Local infrastructure could not be installed or started; the message says what to do."""


@dataclass
class LocalKafka:
    home: Path
    port: int
    controller_port: int

    @property
    def libs(self) -> Path:
        return (self.home / "kafka" / "libs").resolve()

    @property
    def pidfile(self) -> Path:
        return self.home / "run" / "kafka.pid"

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / "kafka.log"

    @property
    def bootstrap(self) -> list[str]:
        return [f"127.0.0.1:{self.port}"]

    def installed(self) -> bool:
        return any(self.libs.glob("kafka_2.13-*.jar"))

    def install(self) -> None:
        """Fetch the broker's runtime jars with Maven (cached in ~/.m2, so a second call is quick)."""
        if self.installed():
            return
        if not shutil.which("mvn") or not shutil.which("java"):
            raise InfraError("Kafka needs `java` (17+) and `mvn` on PATH to fetch the broker from Maven Central")
        log.info("fetching Kafka jars with Maven into %s", self.libs)
        self.libs.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-f",
                str(FILES / "pom.xml"),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={self.libs}",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not self.installed():
            raise InfraError(f"mvn could not fetch Kafka:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

    def _java(self, *args: str) -> list[str]:
        return [
            "java",
            "-Xms256m",
            "-Xmx768m",
            "-cp",
            f"{self.libs}/*",
            f"-Dlog4j.configuration=file:{FILES / 'log4j.properties'}",
            *args,
        ]

    def _write_config(self) -> Path:
        data = self.home / "kafka" / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.home / "kafka" / "server.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    f"log.dirs={data.resolve()}",
                    "num.partitions=4",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=8",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "log.retention.hours=168",
                    "",
                ]
            )
        )
        if not (data / "meta.properties").exists():
            cluster_id = self._storage_tool("random-uuid").strip().splitlines()[-1]
            self._storage_tool("format", "-t", cluster_id, "-c", str(config), "--ignore-formatted")
        return config

    def _storage_tool(self, *args: str) -> str:
        result = subprocess.run(self._java("kafka.tools.StorageTool", *args), capture_output=True, text=True)
        if result.returncode != 0:
            raise InfraError(f"Kafka StorageTool {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def running(self) -> bool:
        return read_pid(self.pidfile) is not None

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker unless it runs; returns once it answers a metadata request."""
        if not self.running():
            self.install()
            config = self._write_config()
            self.pidfile.parent.mkdir(parents=True, exist_ok=True)
            start_detached(self._java("kafka.Kafka", str(config)), self.log_path, self.pidfile)
            log.info("started Kafka on 127.0.0.1:%d (log %s)", self.port, self.log_path)
        try:
            wait_ready(self.bootstrap, timeout)
        except TimeoutError as exc:
            raise InfraError(f"{exc}\n--- last lines of {self.log_path} ---\n{log_tail(self.log_path)}") from exc

    def stop(self) -> None:
        pid = read_pid(self.pidfile)
        if pid is not None:
            stop_pid(pid, timeout=60)
        self.pidfile.unlink(missing_ok=True)
