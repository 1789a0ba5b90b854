"""`ioc run`'s supervisor: starts the worker, dashboard and simulators as child processes, restarts a
child that dies, and on Ctrl-C / SIGTERM stops them in order (producers first, then the worker)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
STABLE_SECONDS = 60.0  # a child that ran this long before dying is restarted after 1 s again


@dataclass
class Child:
    name: str
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    backoff: float = field(default=1.0)
    started_at: float = 0.0

    def start(self) -> None:
        # Own session: Ctrl-C reaches only the supervisor, which then stops children in order.
        self.proc = subprocess.Popen([sys.executable, "-m", "ioc", *self.args], start_new_session=True)
        self.started_at = time.monotonic()
        log.info("started %s (pid %d)", self.name, self.proc.pid)

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0fs; killing it", self.name, timeout)
            self.proc.kill()
            self.proc.wait()


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def supervise(children: list[Child], url: str, login: str = "") -> None:
    """Run until SIGINT/SIGTERM; children are stopped in reverse start order."""
    stopping = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for child in children:
            child.start()
        if wait_http(url, 60):
            print(f"\n  IOC dashboard: {url}\n  {login}\n  (Ctrl-C stops everything)\n", flush=True)
        else:
            log.warning("dashboard did not answer at %s within 60 s", url)
        while not stopping.wait(1.0):
            for child in children:
                _watch(child)
    finally:
        log.info("stopping %s", ", ".join(c.name for c in reversed(children)))
        for child in reversed(children):
            child.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _watch(child: Child) -> None:
    """Restart a dead child, with a backoff that grows while it keeps dying soon after each start."""
    if child.proc is None or child.proc.poll() is None:
        return
    now = time.monotonic()
    if child.next_start == 0.0:
        if now - child.started_at > STABLE_SECONDS:
            child.backoff = 1.0
        log.error("%s exited with code %s; restarting in %.0fs", child.name, child.proc.returncode, child.backoff)
        child.next_start = now + child.backoff
        child.backoff = min(child.backoff * 2, 60.0)
    elif now >= child.next_start:
        child.restarts += 1
        child.next_start = 0.0
        child.start()
