"""Session-wide real services for integration and end-to-end tests, started through `ioc infra`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from ioc import topics
from ioc.db import migrate
from ioc.feeds import registry
from ioc.infra import LocalInfra
from ioc.kafka_admin import ensure_topics
from ioc.settings import Settings


def start_fresh(settings: Settings) -> LocalInfra:
    """Local services with empty data (jars and the TimescaleDB build are kept), topics and schema."""
    infra = LocalInfra(settings)
    infra.down()
    for data in (settings.home / "kafka" / "data", settings.home / "pg" / "data", settings.home / "mosquitto"):
        shutil.rmtree(data, ignore_errors=True)
    infra.up()
    prepare(settings)
    return infra


def prepare(settings: Settings) -> None:
    ensure_topics(
        settings.bootstrap_servers,
        topics.all_topics(list(registry())),
        settings.topic_partitions,
        settings.topic_replication,
    )
    migrate(settings.dsn)


def query(settings: Settings, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(settings.dsn) as conn:
        return conn.execute(sql, params).fetchall()


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns a truthy value; fails the test with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {value!r})")
        time.sleep(interval)


def spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log, "ab")  # noqa: SIM115 - closed with the process by the caller's stop()
    return subprocess.Popen(
        [sys.executable, "-m", "ioc", *args], stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def log_tail(log: Path, lines: int = 80) -> str:
    """The end of a process log, for a failure report: on CI it is the only view into the worker."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


@contextmanager
def process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A running `ioc <args>`; when the body fails, the end of its log goes to stderr for the report."""
    proc = spawn(args, log)
    try:
        yield proc
    except BaseException:
        print(f"--- last lines of {log} ---\n{log_tail(log)}", file=sys.stderr)
        raise
    finally:
        stop(proc)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


def http_json(
    url: str, key: str | None = None, body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, Any]:
    """(status, decoded JSON answer) of a GET, or of a POST when ``body`` is given, with an API key."""
    headers = {"X-API-Key": key} if key else {}
    if body is not None:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
