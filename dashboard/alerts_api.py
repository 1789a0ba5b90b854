"""Alerts REST API: list and filter, one alert with its history and deliveries, operators' actions, and
silences (maintenance windows, area silences) that mute notifications.

Actions are not applied here: they are checked against the stored state (404/409/422 with a message),
then sent as commands on ioc.alert-commands to the alert agent, the single writer; the answer waits a
few seconds for the transition the agent makes of it (200) or says it is queued (202).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from alerts.lifecycle import ACTIONS, Command, CommandError, check_command
from alerts.model import Severity, State
from alerts.silences import SilenceError, parse_silence
from dashboard.auth import Authenticator, Caller
from dashboard.ingest import Forwarder
from ioc import topics

Fetch = Callable[[str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
ALERT_COLUMNS = (
    "fingerprint, seq, kind, state, severity, rule, rule_type, pack, domain, source, feed, unit_code, metric,"
    " value, threshold, summary, assignee, flapping, silenced_until, opened_at, updated_at"
)
LIST_ALERTS = f"""
SELECT {ALERT_COLUMNS} FROM alert
WHERE (%(open)s::boolean IS NULL OR (state <> 'resolved') = %(open)s::boolean)
  AND (%(state)s::text IS NULL OR state = %(state)s)
  AND (%(domain)s::text IS NULL OR domain = %(domain)s)
  AND (%(severity)s::text IS NULL OR severity = %(severity)s)
  AND (%(source)s::text IS NULL OR source = %(source)s)
  AND (%(unit)s::text IS NULL OR unit_code LIKE %(unit)s || '%%')
ORDER BY (state = 'resolved'), CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, updated_at DESC
LIMIT %(limit)s
"""
OPEN_ALERTS = f"SELECT {ALERT_COLUMNS}, updated_at AS at FROM alert WHERE state <> 'resolved'"
ONE_ALERT = f"SELECT {ALERT_COLUMNS} FROM alert WHERE fingerprint = %(fingerprint)s"
HISTORY = """
SELECT id, seq, time AS at, kind, state, severity, value, threshold, by_user AS by, assignee, comment, command,
       silenced_until, flapping, inhibited, summary
FROM alert_event WHERE fingerprint = %(fingerprint)s ORDER BY seq
"""
DELIVERIES = """
SELECT time, key, transition_id, receiver, channel, attempt, status, error FROM alert_delivery
WHERE (%(fingerprint)s::text IS NULL OR transition_id LIKE %(fingerprint)s || '#%%')
  AND (%(receiver)s::text IS NULL OR receiver = %(receiver)s)
ORDER BY time DESC LIMIT %(limit)s
"""
INCIDENT_COLUMNS = (
    "id, domain, area, opened_at, last_at, alert_count, severity, resolved_at, alert_count >= %(storm)s AS storm"
)
LIST_INCIDENTS = f"""
SELECT {INCIDENT_COLUMNS} FROM incident
WHERE (%(open)s::boolean IS NULL OR (resolved_at IS NULL) = %(open)s::boolean)
  AND (%(domain)s::text IS NULL OR domain = %(domain)s)
ORDER BY (resolved_at IS NOT NULL), last_at DESC LIMIT %(limit)s
"""
ONE_INCIDENT = f"SELECT {INCIDENT_COLUMNS} FROM incident WHERE id = %(id)s"
INCIDENT_ALERTS = f"""
SELECT {", ".join("a." + c.strip() for c in ALERT_COLUMNS.split(","))}, ia.fired_at
FROM incident_alert ia JOIN alert a USING (fingerprint) WHERE ia.incident_id = %(id)s ORDER BY ia.fired_at
"""
BY_COMMAND = "SELECT id, seq, kind, state FROM alert_event WHERE command = %(command)s"
SILENCE_COLUMNS = "id, matchers, starts_at, ends_at, comment, created_by, created_at, ended_by"
LIST_SILENCES = f"""
SELECT {SILENCE_COLUMNS}, starts_at <= now() AND now() < ends_at AS active FROM silence
WHERE %(all)s OR ends_at > now() ORDER BY starts_at DESC LIMIT %(limit)s
"""
CREATE_SILENCE = f"""
INSERT INTO silence (id, matchers, starts_at, ends_at, comment, created_by)
VALUES (%(id)s, %(matchers)s, %(starts_at)s, %(ends_at)s, %(comment)s, %(created_by)s) RETURNING {SILENCE_COLUMNS}
"""
# Ended now; one that had not begun becomes an empty window in the past.
END_SILENCE = f"""
UPDATE silence SET ends_at = now(), starts_at = least(starts_at, now() - interval '1 second'), ended_by = %(by)s
WHERE id = %(id)s AND ends_at > now() RETURNING {SILENCE_COLUMNS}
"""


class Action(BaseModel):
    """What an operator sends with an action; which fields count depends on the action."""

    comment: str | None = Field(None, max_length=2000)
    assignee: str | None = Field(None, max_length=200)
    minutes: int | None = Field(None, ge=1, le=60 * 24 * 30, description="silence: how long, in minutes")


def alerts_router(
    fetch: Fetch, auth: Authenticator, forwarder: Forwarder, storm_alerts: int = 5, wait_seconds: float = 5.0
) -> APIRouter:
    router = APIRouter(tags=["alerts"])
    readers = Depends(auth.require("operator", "official", "admin"))
    actors = Depends(auth.require("operator", "admin"))  # a default value: the annotation is a string here

    @router.get("/api/alerts", dependencies=[readers])
    async def list_alerts(
        status: Annotated[
            Literal["open", "resolved", "all"], Query(description="open (default), resolved or all")
        ] = "open",
        state: Annotated[State | None, Query(description="firing, acknowledged or resolved")] = None,
        domain: Annotated[str | None, Query(max_length=32, description="air, water, traffic, service, feed")] = None,
        severity: Severity | None = None,
        source: Annotated[str | None, Query(max_length=64)] = None,
        unit: Annotated[
            str | None, Query(max_length=64, description="Admin unit code or its prefix, e.g. HUE.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        """Alerts newest first within open-before-resolved and critical-before-warning."""
        params = {
            "open": {"open": True, "resolved": False, "all": None}[status],
            "state": state.value if state else None,
            "domain": domain,
            "severity": severity.value if severity else None,
            "source": source,
            "unit": unit,
            "limit": limit,
        }
        return {"items": await fetch(LIST_ALERTS, params)}

    @router.get("/api/incidents", dependencies=[readers])
    async def list_incidents(
        status: Annotated[Literal["open", "resolved", "all"], Query(description="open, resolved or all")] = "open",
        domain: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Alerts grouped by domain and area while they keep firing; ``storm`` once an incident is large."""
        params = {"open": {"open": True, "resolved": False, "all": None}[status], "domain": domain,
                  "limit": limit, "storm": storm_alerts}  # fmt: skip
        return {"items": await fetch(LIST_INCIDENTS, params)}

    @router.get("/api/incidents/{incident_id}", dependencies=[readers])
    async def one_incident(incident_id: str) -> dict[str, Any]:
        """One incident with its alerts (their current state)."""
        rows = await fetch(ONE_INCIDENT, {"id": incident_id, "storm": storm_alerts})
        if not rows:
            raise HTTPException(404, f"no incident {incident_id!r}")
        return {**rows[0], "alerts": await fetch(INCIDENT_ALERTS, {"id": incident_id})}

    @router.get("/api/alerts/deliveries", dependencies=[readers])
    async def deliveries(limit: Annotated[int, Query(ge=1, le=1000)] = 100, caller: Caller = readers) -> dict[str, Any]:
        """The notification delivery log: every attempt (sent, retry, failed), newest first. An official
        linked to a receiver (`ioc users receiver`) sees what was sent to them."""
        receiver = caller.receiver if caller.role == "official" else None
        items = await fetch(DELIVERIES, {"fingerprint": None, "receiver": receiver, "limit": limit})
        return {"receiver": receiver, "items": items}

    @router.get("/api/alerts/{fingerprint:path}", dependencies=[readers])
    async def one_alert(fingerprint: str) -> dict[str, Any]:
        """One alert with every transition (the audit trail) and the notifications sent for it."""
        rows = await fetch(ONE_ALERT, {"fingerprint": fingerprint})
        if not rows:
            raise HTTPException(404, f"no alert {fingerprint!r}")
        history = await fetch(HISTORY, {"fingerprint": fingerprint})
        sent = await fetch(DELIVERIES, {"fingerprint": fingerprint, "receiver": None, "limit": 1000})
        return {**rows[0], "history": history, "deliveries": sent}

    @router.get("/api/silences", dependencies=[readers])
    async def list_silences(
        status: Annotated[Literal["current", "all"], Query(description="current (active or to come), all")] = "current",
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        """Maintenance windows and area silences, newest first; ``active`` while one mutes notifications."""
        return {"items": await fetch(LIST_SILENCES, {"all": status == "all", "limit": limit})}

    @router.post("/api/silences", status_code=201, responses={422: {}})
    async def create_silence(body: dict[str, Any], caller: Caller = actors) -> dict[str, Any]:
        """Mute the notifications of every alert matching ``matchers`` (pack, rule, domain, feed, source,
        unit_code as a prefix, severity) from ``starts_at`` (default now) to ``ends_at`` or for ``minutes``;
        the alerts still fire and resolve. ``comment`` says why."""
        try:
            silence = parse_silence(body, datetime.now(UTC), uuid.uuid4().hex[:12], caller.name)
        except SilenceError as exc:
            raise HTTPException(422, str(exc)) from exc
        params = {**vars(silence), "matchers": Jsonb(silence.matchers)}
        return (await fetch(CREATE_SILENCE, params))[0]

    @router.delete("/api/silences/{silence_id}", responses={404: {}})
    async def end_silence(silence_id: str, caller: Caller = actors) -> dict[str, Any]:
        """End a silence now (or cancel one that has not begun); notifications go out again at once."""
        rows = await fetch(END_SILENCE, {"id": silence_id, "by": caller.name})
        if not rows:
            raise HTTPException(404, f"no current silence {silence_id!r}")
        return rows[0]

    @router.post("/api/alerts/{fingerprint:path}/actions/{action}", responses={404: {}, 409: {}, 422: {}})
    async def act(fingerprint: str, action: str, body: Action, caller: Caller = actors) -> JSONResponse:
        """acknowledge, assign (assignee), comment (comment), resolve, silence (minutes)."""
        if action not in ACTIONS:
            raise HTTPException(404, f"no action {action!r}; actions: {', '.join(ACTIONS)}")
        rows = await fetch(ONE_ALERT, {"fingerprint": fingerprint})
        if not rows:
            raise HTTPException(404, f"no alert {fingerprint!r}")
        now = datetime.now(UTC)
        command = Command(
            id=uuid.uuid4().hex,
            fingerprint=fingerprint,
            action=action,
            by=caller.name,
            at=now,
            assignee=body.assignee,
            comment=body.comment,
            until=now + timedelta(minutes=body.minutes) if body.minutes else None,
        )
        try:
            check_command(State(rows[0]["state"]), command)
        except CommandError as exc:
            status = 409 if str(exc).startswith("action:") else 422
            raise HTTPException(status, str(exc)) from exc
        payload = json.dumps({"type": "command", **command.to_dict()}, ensure_ascii=False).encode()
        await forwarder.send(topics.ALERT_COMMANDS, [(str(rows[0]["source"]).encode(), payload)])
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while asyncio.get_running_loop().time() < deadline:
            done = await fetch(BY_COMMAND, {"command": command.id})
            if done:
                return JSONResponse({"command": command.id, "status": "applied", "transition": done[0]})
            await asyncio.sleep(0.1)
        return JSONResponse({"command": command.id, "status": "queued"}, status_code=202)

    return router
