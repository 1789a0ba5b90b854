"""A private PostgreSQL 15 + TimescaleDB cluster for local runs and tests (not the system cluster)."""

from __future__ import annotations

import logging
import os
import pwd
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ioc.infra.kafka import InfraError
from ioc.infra.process import log_tail

BIN = Path("/usr/lib/postgresql/15/bin")
EXTENSION = Path("/usr/share/postgresql/15/extension/timescaledb.control")
INSTALLER = Path(__file__).parent / "install_postgres.sh"
log = logging.getLogger(__name__)


@dataclass
class LocalPostgres:
    home: Path
    port: int
    database: str

    @property
    def data(self) -> Path:
        return (self.home / "pg" / "data").resolve()

    @property
    def log_path(self) -> Path:
        return (self.home / "logs" / "postgres.log").resolve()

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def installed(self) -> bool:
        return (BIN / "postgres").exists() and EXTENSION.exists()

    def install(self) -> None:
        """Install PostgreSQL 15 and build TimescaleDB (about 30 s once; then cached on the machine)."""
        if self.installed():
            return
        log.info("installing PostgreSQL 15 and TimescaleDB (one time, ~1 min)")
        work = (self.home / "build").resolve()
        work.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["bash", str(INSTALLER), str(work)], capture_output=True, text=True)
        if result.returncode != 0 or not self.installed():
            raise InfraError(
                f"installing PostgreSQL/TimescaleDB failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )

    def _as_owner(self, cmd: list[str]) -> list[str]:
        """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
        if os.geteuid() != 0:
            return cmd
        return ["runuser", "-u", "postgres", "--", *cmd]

    def _own(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        user = pwd.getpwnam("postgres")
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)

    def _init(self) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        self.data.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        self._own(self.data)
        probe = subprocess.run(self._as_owner(["test", "-w", str(self.data)]))
        if probe.returncode != 0:
            raise InfraError(
                f"the postgres user cannot write {self.data}; put IOC_HOME on a path every user can traverse"
            )
        result = subprocess.run(
            self._as_owner(
                [
                    str(BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise InfraError(f"initdb failed:\n{result.stdout}{result.stderr}")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# ioc local cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                "unix_socket_directories = ''\n"
                "shared_preload_libraries = 'timescaledb'\n"
                "timescaledb.telemetry_level = off\n"
                "max_connections = 100\n"
                "shared_buffers = 256MB\n"
                "synchronous_commit = on\n"
            )

    def running(self) -> bool:
        result = subprocess.run(
            self._as_owner([str(BIN / "pg_ctl"), "-D", str(self.data), "status"]), capture_output=True
        )
        return result.returncode == 0

    def start(self, timeout: float = 60.0) -> None:
        """Initialise (once) and start the cluster, then create the project's database."""
        self.install()
        self._init()
        if not self.running():
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self.log_path.touch()
            self._own(self.log_path)
            port_conf = f"-c port={self.port}"
            result = subprocess.run(
                self._as_owner(
                    [
                        str(BIN / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-l",
                        str(self.log_path),
                        "-o",
                        port_conf,
                        "-w",
                        "-t",
                        str(int(timeout)),
                        "start",
                    ]
                ),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise InfraError(
                    f"PostgreSQL did not start: {result.stderr.strip()}\n--- {self.log_path} ---\n"
                    f"{log_tail(self.log_path)}"
                )
            log.info("started PostgreSQL on 127.0.0.1:%d (log %s)", self.port, self.log_path)
        self._create_database(timeout)

    def _create_database(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=3) as conn:
                    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,))
                    if exists.fetchone() is None:
                        conn.execute(f'CREATE DATABASE "{self.database}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        if (self.data / "PG_VERSION").exists() and self.running():
            subprocess.run(
                self._as_owner([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
