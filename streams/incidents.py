"""Grouping of alerts into incidents, done by the alert sink in the transaction that stores a batch.

A ``fired`` transition joins the incident of its domain and area (province) that is still open, was
open at the firing's time, or had a firing within the grouping window before it; otherwise it opens
one, as its next ``position`` (the notifier's storm mode reads it). Its severity is the highest its
alerts reached (escalations count). An incident resolves once every alert in it is resolved. A
transaction-level advisory lock serialises the grouping when several workers' sinks store at once, and a
transition already grouped is skipped, so a redelivered batch changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import psycopg

LOCK = "SELECT pg_advisory_xact_lock(hashtext('ioc-incidents'))"
# A batch may hold a transition twice (sent again after a restart): each is grouped once.
FIRED = """
SELECT * FROM (
  SELECT DISTINCT ON (s.id) s.id, s.fingerprint, s.domain, split_part(coalesce(s.unit_code, ''), '.', 1),
    s.severity, s.time
  FROM {stage} s WHERE s.kind = 'fired'
    AND NOT EXISTS (SELECT 1 FROM incident_alert ia WHERE ia.transition_id = s.id)
  ORDER BY s.id
) fired ORDER BY time, id
"""
# Open now, open at the firing's time (partitions are stored in any order: a resolution can be stored
# before an earlier firing of another alert), or a firing within the window before it.
CURRENT = """
SELECT id FROM incident
WHERE domain = %(domain)s AND area = %(area)s
  AND (resolved_at IS NULL OR (opened_at <= %(at)s AND resolved_at >= %(at)s) OR last_at >= %(at)s - %(window)s)
ORDER BY last_at DESC LIMIT 1
"""
OPEN = """
INSERT INTO incident (id, domain, area, opened_at, last_at, severity)
VALUES (%(id)s, %(domain)s, %(area)s, %(at)s, %(at)s, %(severity)s)
"""
SEVERITY_RANK = "CASE {0} WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END"
JOIN = f"""
WITH joined AS (
  INSERT INTO incident_alert (incident_id, transition_id, fingerprint, fired_at, position)
  VALUES (%(incident)s, %(id)s, %(fingerprint)s, %(at)s, (SELECT alert_count + 1 FROM incident WHERE id = %(incident)s))
)
UPDATE incident SET alert_count = alert_count + 1, last_at = greatest(last_at, %(at)s), resolved_at = NULL,
  severity = CASE WHEN {SEVERITY_RANK.format("%(severity)s")} > {SEVERITY_RANK.format("severity")}
                  THEN %(severity)s ELSE severity END
WHERE id = %(incident)s
"""
# An alert that escalates raises its open incident's severity (critical first, so warning only lifts info).
ESCALATE = """
UPDATE incident i SET severity = %(severity)s
WHERE i.resolved_at IS NULL AND i.severity = ANY(%(below)s) AND EXISTS (
  SELECT 1 FROM {stage} s JOIN incident_alert ia USING (fingerprint)
  WHERE ia.incident_id = i.id AND s.kind = 'escalated' AND s.severity = %(severity)s
)
"""
RESOLVE = """
UPDATE incident i SET resolved_at = (
  SELECT max(a.updated_at) FROM incident_alert ia JOIN alert a USING (fingerprint) WHERE ia.incident_id = i.id
)
WHERE i.resolved_at IS NULL AND NOT EXISTS (
  SELECT 1 FROM incident_alert ia JOIN alert a USING (fingerprint) WHERE ia.incident_id = i.id AND a.state <> 'resolved'
)
"""


def incident_id(transition_id: str) -> str:
    """A short id, stable across redeliveries, safe in a URL: from the transition that opened it."""
    return "INC-" + hashlib.sha256(transition_id.encode()).hexdigest()[:12].upper()


async def group(cur: psycopg.AsyncCursor, stage: str, window: timedelta) -> None:
    """Group the batch's new firings (in ``stage``) into incidents, then resolve finished incidents."""
    await cur.execute(LOCK)
    await cur.execute(FIRED.format(stage=stage))
    for transition_id, fingerprint, domain, area, severity, at in await cur.fetchall():
        params = {"id": transition_id, "fingerprint": fingerprint, "domain": domain, "area": area,
                  "severity": severity, "at": at, "window": window}  # fmt: skip
        await cur.execute(CURRENT, params)
        found = await cur.fetchone()
        if found is None:
            incident = incident_id(transition_id)
            await cur.execute(OPEN, {**params, "id": incident})
        else:
            incident = found[0]
        await cur.execute(JOIN, {**params, "incident": incident})
    for severity, below in (("critical", ["info", "warning"]), ("warning", ["info"])):
        await cur.execute(ESCALATE.format(stage=stage), {"severity": severity, "below": below})
    await cur.execute(RESOLVE)
