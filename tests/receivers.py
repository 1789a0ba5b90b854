"""Real notification receivers for tests: an SMTP server (aiosmtpd) and an HTTP webhook endpoint."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MailReceiver:
    """Every message the SMTP server accepted, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def start(self) -> Controller:
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        return controller

    def keys(self) -> list[str]:
        # A long header is folded on the wire; unfolded, it keeps the folding space (RFC 5322 3.2.2).
        return [str(m["X-IOC-Idempotency-Key"]).strip() for m in self.messages]


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class HookReceiver:
    """An HTTP endpoint that records each POST; ``delay`` slows every answer (a busy receiver) and
    ``statuses`` are answered first, in order, before 200s (a receiver that fails, then recovers)."""

    def __init__(self, delay: float = 0.0, statuses: tuple[int, ...] = ()) -> None:
        self.hooks: list[Hook] = []
        self.delay = delay
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                receiver.hooks.append(Hook(dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> list[str]:
        return [hook.headers["Idempotency-Key"] for hook in self.hooks]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def notify_these(env: pytest.MonkeyPatch, receivers_file: Path, mail: MailReceiver, secret: str) -> None:
    """The worker's environment to notify the receivers of ``receivers_file`` through ``mail`` and webhooks
    signed with ``secret`` (in IOC_TEST_HOOK_SECRET), retrying quickly."""
    env.setenv("IOC_RECEIVERS_FILE", str(receivers_file))
    env.setenv("IOC_SMTP_HOST", "127.0.0.1")
    env.setenv("IOC_SMTP_PORT", str(mail.port))
    env.setenv("IOC_TEST_HOOK_SECRET", secret)
    env.setenv("IOC_NOTIFY_BACKOFF_SECONDS", "0.2")


@contextmanager
def running_receivers(hook_delay: float) -> Iterator[tuple[MailReceiver, HookReceiver]]:
    """An SMTP server and a webhook endpoint answering after ``hook_delay`` s, stopped on leaving."""
    mail = MailReceiver()
    controller = mail.start()
    hook = HookReceiver(delay=hook_delay)
    try:
        yield mail, hook
    finally:
        controller.stop()
        hook.close()
