"""Notifier: ioc.alerts → e-mail and webhook notifications to the receivers the routing tree picks.

A worker task with its own consumer group (``<app id>-notify``) and manual commits, like the sinks: a
batch of transitions is notified, every attempt logged in ``alert_delivery``, then committed. A crash
before the commit notifies the batch again, with the same idempotency key per (transition, receiver),
and what the log already shows as sent is skipped; a receiver that dedups by the key sees each
transition once. A receiver that stays down is retried with backoff, then its delivery is ``failed``
in the log and the stream goes on (one dead webhook must not hold every other official's alerts).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from alerts.channels import SmtpConfig, deliver, send_email, send_webhook
from alerts.model import Transition, notifiable
from alerts.routing import Receiver, Routing, load_routing
from alerts.silences import Silence
from alerts.templates import render
from ioc import topics
from ioc.sources import sources
from streams.app import app, decode, settings
from streams.committing import Batch, run_committing

log = logging.getLogger(__name__)
GROUP = topics.notify_group(settings.app_id)
EXIT_UNNOTIFIED = 76
SILENCES_EVERY = 5.0  # seconds between reads of the silences: a new one takes effect within this
SILENCES = (
    "SELECT id, matchers, starts_at, ends_at, comment, created_by FROM silence"
    " WHERE ends_at > now() - interval '31 days'"  # a late backlog is judged by the silences of its time
)


class Notifier:
    def __init__(self, routing: Routing | None, dsn: str) -> None:
        self.routing = routing
        self.dsn = dsn
        self.smtp = (
            SmtpConfig(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_sender,
                settings.smtp_username,
                settings.smtp_password,
                settings.smtp_starttls,
            )  # fmt: skip
            if settings.smtp_host
            else None
        )
        self.base_url = (settings.dashboard_public_url or settings.dashboard_url).rstrip("/")
        self.retrying = False  # waiting to retry a receiver: slow on purpose, not stalled
        self._silences: list[Silence] = []
        self._silences_read = float("-inf")

    async def silences(self) -> list[Silence]:
        if time.monotonic() - self._silences_read >= SILENCES_EVERY:
            async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                cur = await conn.execute(SILENCES)
                self._silences = [Silence(*row) for row in await cur.fetchall()]
            self._silences_read = time.monotonic()
        return self._silences

    async def _log(self, key: str, t: Transition, receiver: str, channel: str, attempt: int, status: str,
                   error: str | None) -> None:  # fmt: skip
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            await conn.execute(
                "INSERT INTO alert_delivery (key, transition_id, receiver, channel, attempt, status, error)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (key, t.id, receiver, channel, attempt, status, error),
            )

    async def _sent(self, key: str, channel: str) -> bool:
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            cur = await conn.execute(
                "SELECT 1 FROM alert_delivery WHERE key = %s AND channel = %s AND status = 'sent' LIMIT 1",
                (key, channel),
            )
            return await cur.fetchone() is not None

    def _channels(self, t: Transition, receiver: Receiver, key: str) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        source = sources().get(t.source)
        place = f"{source.name} ({t.source})" if source else t.source
        message = render(t, receiver.language, place, f"{self.base_url}/#/alerts/{t.fingerprint}")
        out: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        if receiver.email and self.smtp is not None:
            smtp, to = self.smtp, receiver.email
            out.append(("email", lambda: send_email(smtp, to, message, key)))
        if receiver.webhook is not None:
            hook = receiver.webhook
            secret = os.environ.get(hook.secret_env) if hook.secret_env else None
            payload = {"transition": t.to_dict(), "subject": message.subject, "text": message.text,
                       "receiver": receiver.id, "language": receiver.language}  # fmt: skip
            out.append(("webhook", lambda: send_webhook(hook.url, secret, payload, key)))
        return out

    async def notify(self, t: Transition) -> None:
        """Every receiver of ``t`` on each of its channels, skipping what the log shows as already sent."""
        if self.routing is None or not notifiable(t):
            return
        muting = next((silence for silence in await self.silences() if silence.mutes(t)), None)
        for receiver in self.routing.receivers_for(t):
            key = f"{t.id}:{receiver.id}"
            if muting is not None:  # logged, so the delivery log says why nobody heard of it
                await self._log(key, t, receiver.id, "all", 0, "silenced", f"silence {muting.id}: {muting.comment}")
                continue
            for channel, send in self._channels(t, receiver, key):
                if not await self._sent(key, channel):
                    await self._deliver(t, receiver.id, key, channel, send)

    async def _deliver(self, t: Transition, receiver: str, key: str, channel: str,
                       send: Callable[[], Awaitable[None]]) -> None:  # fmt: skip
        async def on_attempt(attempt: int, status: str, error: str | None) -> None:
            self.retrying = status == "retry"
            await self._log(key, t, receiver, channel, attempt, status, error)
            if status == "sent":
                log.info("notified %s via %s (attempt %d)", key, channel, attempt)
            else:
                log.warning("notify %s via %s: %s (%s)", key, channel, status, error)

        try:
            await deliver(
                send,
                attempts=settings.notify_attempts,
                base_delay=settings.notify_backoff_seconds,
                max_delay=60.0,
                on_attempt=on_attempt,
            )
        finally:
            self.retrying = False


def load() -> Notifier:
    routing = None
    if settings.receivers_file is not None:
        routing = load_routing(settings.receivers_file)  # a broken file stops the worker with its message
    else:
        log.info("notifier: no IOC_RECEIVERS_FILE; alerts are stored and shown, nobody is notified")
    return Notifier(routing, settings.dsn)


notifier = load()


async def notify_batch(batch: Batch) -> None:
    for records in batch.values():
        for record in records:
            body: dict[str, Any] | None = decode(record)
            if body is not None:
                await notifier.notify(Transition.from_dict(body))


@app.task
async def run_notifier() -> None:
    """Runs also without receivers, committing as it goes: receivers configured later hear of new
    transitions, not of everything the topic ever held."""
    await run_committing(
        "notifier",
        [topics.ALERTS],
        notify_batch,
        exit_code=EXIT_UNNOTIFIED,
        timeout_ms=1000,
        max_records=100,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=GROUP,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        max_poll_interval_ms=900000,  # a batch may wait on retries to a receiver that is down
    )
