"""A local Mosquitto MQTT broker (Debian's package) for local runs and tests of the MQTT bridge.

It listens on loopback only and keeps QoS 1 messages on disk (``IOC_HOME/mosquitto``): a message published
while the bridge is down waits in the bridge's persistent session, also across a broker restart.
"""

from __future__ import annotations

import logging
import os
import pwd
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ioc.infra.kafka import InfraError
from ioc.infra.process import log_tail, read_pid, start_detached, stop_pid

BINARY = Path("/usr/sbin/mosquitto")
CLIENTS = Path("/usr/bin/mosquitto_pub")  # mosquitto_pub/sub, for the integrators' guide and the tests
PACKAGES = ["mosquitto", "mosquitto-clients"]
SERVICE_USER = "mosquitto"  # created by the Debian package; the broker drops root for it
# Mosquitto's defaults (20 in flight, 1,000 queued per client) would throttle the bridge, which acks a message
# only once Kafka has it, and would drop messages queued while the bridge is down.
MAX_INFLIGHT = 1000
MAX_QUEUED = 1_000_000
log = logging.getLogger(__name__)


@dataclass
class LocalMosquitto:
    home: Path
    port: int

    @property
    def data(self) -> Path:
        return (self.home / "mosquitto").resolve()

    @property
    def pidfile(self) -> Path:
        return self.home / "run" / "mosquitto.pid"

    @property
    def log_path(self) -> Path:
        return (self.home / "logs" / "mosquitto.log").resolve()

    def installed(self) -> bool:
        return BINARY.exists() and CLIENTS.exists()

    def install(self) -> None:
        """Debian's mosquitto packages (a few seconds, once per machine)."""
        if self.installed():
            return
        if os.geteuid() != 0:
            packages = " ".join(PACKAGES)
            raise InfraError(
                f"Mosquitto is not installed: run `apt-get install {packages}` as root, or set IOC_MQTT_URL"
            )
        log.info("installing Mosquitto from Debian's packages (one time)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:  # the package lists may be missing on a new machine
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
            result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0 or not self.installed():
            raise InfraError(f"installing Mosquitto failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

    def running(self) -> bool:
        return read_pid(self.pidfile) is not None

    def _write_config(self) -> Path:
        self.data.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        if os.geteuid() == 0:  # as root the broker runs as its service user, which must own its files
            user = pwd.getpwnam(SERVICE_USER)
            for path in (self.data, self.log_path):
                os.chown(path, user.pw_uid, user.pw_gid)
        config = self.data / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"  # loopback only; a shared broker needs accounts (docs/integrators.md)
            "persistence true\n"
            f"persistence_location {self.data}/\n"
            "autosave_interval 10\n"
            f"max_inflight_messages {MAX_INFLIGHT}\n"
            f"max_queued_messages {MAX_QUEUED}\n"
            f"log_dest file {self.log_path}\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
        )
        return config

    def start(self, timeout: float = 20.0) -> None:
        """Start the broker unless it runs; returns once it accepts connections."""
        if not self.running():
            self.install()
            config = self._write_config()
            self.pidfile.parent.mkdir(parents=True, exist_ok=True)
            start_detached([str(BINARY), "-c", str(config)], self.home / "logs" / "mosquitto.out", self.pidfile)
            log.info("started Mosquitto on 127.0.0.1:%d (log %s)", self.port, self.log_path)
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError as exc:
                if time.monotonic() > deadline or not self.running():
                    raise InfraError(
                        f"Mosquitto did not accept connections on 127.0.0.1:{self.port} ({exc})\n"
                        f"--- last lines of {self.log_path} ---\n{log_tail(self.log_path)}"
                    ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        pid = read_pid(self.pidfile)
        if pid is not None:
            stop_pid(pid, timeout=20)  # SIGTERM: the broker saves its queues to disk first
        self.pidfile.unlink(missing_ok=True)
