"""Worker timer: the summaries of storm incidents (alerts.storm), made and sent by one worker at a time.

Who sends: every worker tries, every ``ROUND_SECONDS``, to take a PostgreSQL advisory lock (session level,
tried, never waited for) and runs a round only while it holds it, so one round runs at a time across all
workers, and a killed worker's lock goes with its connection. Kafka gives no owner: an incident's alerts come
from many sources, hence many partitions and workers; and Faust's leader can be two workers for a moment
during a rebalance.

Exactly once in effect: a round makes the due summaries, each stored with what it says and numbered per
incident and receiver, in one transaction; then it sends every summary not yet done, with the idempotency
key ``incident:<id>:summary:<n>:<receiver>``, skipping the channels the delivery log shows as sent. A worker
killed between making and sending leaves the summary to the next round, on any worker, with the same text
and key.

A summary goes to the receivers its incident's grouped transitions were routed to (the notifier logs them
per receiver) and to those who had one of it before, so the routing tree decides, as for single alerts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from alerts.model import Kind, Severity, State, Transition
from alerts.silences import Silence
from alerts.storm import AlertView, IncidentView, Previous, Summary, summarise
from alerts.templates import render_summary
from ioc.sources import sources
from streams.app import app, settings
from streams.notifier import Notifier, notifier

log = logging.getLogger(__name__)
ROUND_SECONDS = 5.0  # a storm's first and last summaries go out within this
LOCK = "SELECT pg_try_advisory_lock(hashtext('ioc-storm-summaries'))"
# Storm incidents the notifier has grouped transitions of, unless their resolution was summarised already.
STORMS = """
SELECT i.id, i.domain, i.area, i.severity, i.resolved_at FROM incident i
WHERE i.alert_count >= %(storm)s
  AND EXISTS (SELECT 1 FROM alert_delivery d WHERE d.incident_id = i.id AND d.status = 'grouped')
  AND (i.resolved_at IS NULL OR NOT EXISTS (
    SELECT 1 FROM storm_summary s WHERE s.incident_id = i.id AND s.resolved_at = i.resolved_at))
"""
RECEIVERS = """
SELECT receiver FROM alert_delivery WHERE incident_id = %(id)s AND status = 'grouped'
UNION SELECT receiver FROM storm_summary WHERE incident_id = %(id)s
"""
# Each alert's latest opening in the incident; one that opened again since (elsewhere) is resolved here.
ALERTS = """
SELECT DISTINCT ON (a.fingerprint) a.fingerprint, a.seq, a.kind,
  CASE WHEN a.opened_at = ia.fired_at THEN a.state ELSE 'resolved' END, a.severity, a.rule, a.rule_type, a.pack,
  a.domain, a.source, a.feed, a.unit_code, a.updated_at, ia.fired_at, a.metric, a.value, a.threshold, a.summary,
  a.silenced_until, a.flapping
FROM incident_alert ia JOIN alert a USING (fingerprint) WHERE ia.incident_id = %(id)s
ORDER BY a.fingerprint, ia.fired_at DESC
"""
PREVIOUS = """
SELECT DISTINCT ON (receiver) receiver, n, made_at, resolved_at, content->'seen' FROM storm_summary
WHERE incident_id = %(id)s ORDER BY receiver, n DESC
"""
MAKE = """
INSERT INTO storm_summary (incident_id, receiver, n, made_at, resolved_at, content)
VALUES (%s, %s, %s, %s, %s, %s)
"""
PENDING = "SELECT incident_id, receiver, n, content FROM storm_summary WHERE NOT done ORDER BY made_at, receiver, n"
DONE = "UPDATE storm_summary SET done = true WHERE incident_id = %s AND receiver = %s AND n = %s"


def alert_view(row: tuple[Any, ...], silences: list[Silence]) -> AlertView:
    """An alert row as a summary shows it; muted if a silence covers its latest transition."""
    (fingerprint, seq, kind, state, severity, rule, rule_type, pack, domain, source, feed, unit_code, updated_at,
     opened_at, metric, value, threshold, summary, silenced_until, flapping) = row  # fmt: skip
    t = Transition(fingerprint, seq, Kind(kind), State(state), Severity(severity), rule, rule_type, pack, domain,
                   source, feed, unit_code, updated_at, opened_at, metric, value, threshold, dict(summary or {}),
                   silenced_until=silenced_until, flapping=flapping)  # fmt: skip
    known = sources().get(source)
    muted = (silenced_until is not None and updated_at < silenced_until) or any(s.mutes(t) for s in silences)
    return AlertView(fingerprint, f"{known.name} ({source})" if known else source, unit_code, t.severity,
                     t.state is not State.RESOLVED, opened_at, updated_at, rule_type, metric, value, threshold,
                     t.summary, muted)  # fmt: skip


class Summariser:
    def __init__(self, notifier: Notifier, every: timedelta, storm_alerts: int) -> None:
        self.notifier = notifier
        self.every = every
        self.storm_alerts = storm_alerts

    async def round(self) -> None:
        """Make the summaries due, then send every one not yet done; nothing if another worker holds the lock."""
        async with await psycopg.AsyncConnection.connect(self.notifier.dsn, autocommit=True) as conn:
            if not (await (await conn.execute(LOCK)).fetchone() or (False,))[0]:
                return
            cur = await conn.execute(STORMS, {"storm": self.storm_alerts})
            for row in await cur.fetchall():
                await self._make(conn, IncidentView(row[0], row[1], row[2], Severity(row[3]), row[4]))
            for incident, receiver, n, content in await (await conn.execute(PENDING)).fetchall():
                await self._send(incident, receiver, n, content)
                await conn.execute(DONE, (incident, receiver, n))
        # closing the connection releases the lock

    async def _make(self, conn: psycopg.AsyncConnection, incident: IncidentView) -> None:
        routing = self.notifier.routing
        assert routing is not None
        silences = await self.notifier.silences()
        params = {"id": incident.id}
        async with conn.transaction():
            now: datetime = (await (await conn.execute("SELECT now()")).fetchone() or (None,))[0]
            alerts = [alert_view(row, silences) for row in await (await conn.execute(ALERTS, params)).fetchall()]
            previous = {
                receiver: Previous(n, made_at, resolved_at, dict(seen))
                for receiver, n, made_at, resolved_at, seen in await (await conn.execute(PREVIOUS, params)).fetchall()
            }
            for (receiver,) in await (await conn.execute(RECEIVERS, params)).fetchall():
                summary = summarise(incident, alerts, previous.get(receiver), now, self.every)
                if summary is not None:
                    resolved_at = incident.resolved_at if summary.final else None
                    await conn.execute(MAKE, (incident.id, receiver, summary.n, now, resolved_at,
                                              Jsonb(summary.to_json())))  # fmt: skip
                    log.info("storm summary %d of %s for %s made", summary.n, incident.id, receiver)

    async def _send(self, incident: str, receiver_id: str, n: int, content: dict[str, Any]) -> None:
        subject = f"incident:{incident}:summary:{n}"
        key = f"{subject}:{receiver_id}"
        receiver = self.notifier.routing.receivers.get(receiver_id) if self.notifier.routing else None
        if receiver is None:
            await self.notifier.log(key, subject, receiver_id, "all", 0, "skipped",
                                    "receiver no longer in IOC_RECEIVERS_FILE", incident)  # fmt: skip
            return
        summary = Summary.from_json(content)
        link = f"{self.notifier.base_url}/#/incidents/{incident}"
        message = render_summary(summary, receiver.language, link, self.every.total_seconds() / 60)
        payload = {"summary": {k: v for k, v in content.items() if k != "seen"}}
        await self.notifier.send(subject, receiver, key, message, payload, incident, holds_stream=False)


summariser = Summariser(notifier, timedelta(minutes=settings.storm_summary_minutes), settings.incident_storm_alerts)


@app.timer(interval=ROUND_SECONDS)
async def send_storm_summaries() -> None:
    if notifier.routing is None:
        return
    try:
        await summariser.round()
    except psycopg.OperationalError as exc:  # the database restarting: the next round goes on where this stopped
        log.warning("storm summaries: database unavailable (%s); next round in %.0f s", exc, ROUND_SECONDS)
