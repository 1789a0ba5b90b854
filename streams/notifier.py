"""Notifier: ioc.alerts → e-mail and webhook notifications to the receivers the routing tree picks.

A worker task with its own consumer group (``<app id>-notify``) and manual commits, like the sinks: a
batch of transitions is notified, every attempt logged in ``alert_delivery``, then committed. A crash
before the commit notifies the batch again, with the same idempotency key per (transition, receiver),
and what the log already shows as sent is skipped; a receiver that dedups by the key sees each
transition once. A receiver that stays down is retried with backoff, then its delivery is ``failed``
in the log and the stream goes on (one dead webhook must not hold every other official's alerts).

Storm mode (alerts.storm): a transition of an incident that is a storm is not sent alone but logged
``grouped`` with its incident, and streams.storm_summaries sends the incident's summaries. The incident is
the alert sink's (it groups in PostgreSQL, in its own consumer group): before deciding, the notifier waits
until the sink has stored the transition, so a firing is never judged before it was grouped.
"""

from __future__ import annotations

import asyncio
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
from alerts.storm import GROUPED_KINDS, grouped
from alerts.templates import Message, render
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
STORED = "SELECT 1 FROM alert_event WHERE id = %s AND time = %s"
HANDLED = "SELECT 1 FROM alert_handled WHERE transition_id = %s"
MARK_HANDLED = "INSERT INTO alert_handled (transition_id) VALUES (%s) ON CONFLICT DO NOTHING"
# The incident of the alert's opening (its firing joined it at the opening's time).
INCIDENT = """
SELECT ia.incident_id, ia.position, i.alert_count FROM incident_alert ia JOIN incident i ON i.id = ia.incident_id
WHERE ia.fingerprint = %s AND ia.fired_at = %s
"""
STORED_POLL = 0.2  # seconds between looks for the alert sink to have stored a transition
ALONE = {"sent", "retry", "failed"}  # a delivery once tried alone stays alone on a redelivery
Send = Callable[[], Awaitable[None]]


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

    async def log(self, key: str, subject: str, receiver: str, channel: str, attempt: int, status: str,
                  error: str | None, incident: str | None = None) -> None:  # fmt: skip
        """One row of the delivery log; ``subject``: the transition id, or a summary's ``incident:<id>:summary:<n>``."""
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            await conn.execute(
                "INSERT INTO alert_delivery"
                " (key, transition_id, receiver, channel, attempt, status, error, incident_id)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (key, subject, receiver, channel, attempt, status, error, incident),
            )

    async def _statuses(self, key: str, channel: str | None = None) -> set[str]:
        """What the log holds for ``key`` (on ``channel``, or any)."""
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            cur = await conn.execute(
                "SELECT DISTINCT status FROM alert_delivery WHERE key = %s AND (%s::text IS NULL OR channel = %s)",
                (key, channel, channel),
            )
            return {row[0] for row in await cur.fetchall()}

    def channels(
        self, receiver: Receiver, message: Message, payload: dict[str, Any], key: str
    ) -> list[tuple[str, Send]]:
        """The receiver's channels, each with the send of ``message`` (e-mail) or ``payload`` (webhook)."""
        out: list[tuple[str, Send]] = []
        if receiver.email and self.smtp is not None:
            smtp, to = self.smtp, receiver.email
            out.append(("email", lambda: send_email(smtp, to, message, key)))
        if receiver.webhook is not None:
            hook = receiver.webhook
            secret = os.environ.get(hook.secret_env) if hook.secret_env else None
            body = {**payload, "subject": message.subject, "text": message.text, "receiver": receiver.id,
                    "language": receiver.language}  # fmt: skip
            out.append(("webhook", lambda: send_webhook(hook.url, secret, body, key)))
        return out

    async def send(self, subject: str, receiver: Receiver, key: str, message: Message, payload: dict[str, Any],
                   incident: str | None = None, *, holds_stream: bool = True) -> None:  # fmt: skip
        """``message`` to ``receiver`` on each channel the log does not show as sent; ``holds_stream``: the
        notifier's stream waits meanwhile (the watchdog excuses its retries)."""
        for channel, send in self.channels(receiver, message, payload, key):
            if "sent" not in await self._statuses(key, channel):
                await self._deliver(subject, receiver.id, key, channel, send, incident, holds_stream)

    async def _stored(self, t: Transition) -> None:
        """Wait until the alert sink (its own consumer group on the same topic) has stored ``t``: its batch's
        transaction also grouped it. The watchdog excuses the wait; it watches the sink's group itself."""
        said = time.monotonic()
        try:
            async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                while await (await conn.execute(STORED, (t.id, t.at))).fetchone() is None:
                    self.retrying = True
                    if time.monotonic() - said >= 30:
                        log.info("notifier: waiting for the alert sink to store %s", t.id)
                        said = time.monotonic()
                    await asyncio.sleep(STORED_POLL)
        finally:
            self.retrying = False

    async def storm(self, t: Transition) -> str | None:
        """The storm incident ``t`` is left to (its summaries tell of it), or None: ``t`` goes out alone."""
        if t.kind not in GROUPED_KINDS:
            return None
        await self._stored(t)
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            row = await (await conn.execute(INCIDENT, (t.fingerprint, t.opened_at))).fetchone()
        if row is None or not grouped(t.kind, row[1], row[2], settings.incident_storm_alerts):
            return None
        return str(row[0])

    async def handle(self, t: Transition) -> None:
        """Notify ``t`` once: a transition already decided on is skipped. The alert agent sends its alerts'
        recent transitions again after a restart, and the routing may have changed since the first time; the
        receivers of then were notified then (or are, by the idempotency keys, if the decision was cut short)."""
        if not notifiable(t):
            return
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            if await (await conn.execute(HANDLED, (t.id,))).fetchone() is not None:
                log.debug("notifier: %s was decided on before; not again", t.id)
                return
        await self.notify(t)
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            await conn.execute(MARK_HANDLED, (t.id,))

    async def notify(self, t: Transition) -> None:
        """Every receiver of ``t`` on each of its channels, skipping what the log shows as already sent; or,
        in a storm, a ``grouped`` row per receiver. A decision, once in the log, holds on a redelivery."""
        if self.routing is None or not notifiable(t):
            return
        receivers = self.routing.receivers_for(t)
        muting = next((silence for silence in await self.silences() if silence.mutes(t)), None)
        storm = await self.storm(t) if receivers and muting is None else None
        for receiver in receivers:
            key = f"{t.id}:{receiver.id}"
            if muting is not None:  # logged, so the delivery log says why nobody heard of it
                await self.log(key, t.id, receiver.id, "all", 0, "silenced", f"silence {muting.id}: {muting.comment}")
                continue
            done = await self._statuses(key) if storm is not None else set()
            if "grouped" in done:
                continue
            if storm is not None and not done & ALONE:
                await self.log(key, t.id, receiver.id, "all", 0, "grouped", f"storm incident {storm}: in its summaries",
                               storm)  # fmt: skip
                continue
            source = sources().get(t.source)
            place = f"{source.name} ({t.source})" if source else t.source
            message = render(t, receiver.language, place, f"{self.base_url}/#/alerts/{t.fingerprint}")
            await self.send(t.id, receiver, key, message, {"transition": t.to_dict()})

    async def _deliver(self, subject: str, receiver: str, key: str, channel: str, send: Send, incident: str | None,
                       holds_stream: bool) -> None:  # fmt: skip
        async def on_attempt(attempt: int, status: str, error: str | None) -> None:
            if holds_stream:  # a summary's retries hold no stream: they excuse nothing
                self.retrying = status == "retry"
            await self.log(key, subject, receiver, channel, attempt, status, error, incident)
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
            if holds_stream:
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
                await notifier.handle(Transition.from_dict(body))


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
