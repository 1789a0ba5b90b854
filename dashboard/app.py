"""The dashboard's FastAPI application: REST (health, KPIs), the live websocket and the web page."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import psycopg
from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from dashboard.access_api import access_router
from dashboard.alerts_api import OPEN_ALERTS, alerts_router
from dashboard.auth import Authenticator, Caller, presents_key
from dashboard.health_api import health_router, publish_health
from dashboard.hub import Hub, Wanted
from dashboard.ingest import Forwarder, ingest_router
from dashboard.integrators_api import integrators_router
from dashboard.outbox import RESYNC, Outbox
from dashboard.queries import KPI_HISTORY, LATEST_KPI, MAX_BUCKETS, parse_bucket
from dashboard.services_api import services_router
from dashboard.summary_api import summary_router
from ioc import topics
from ioc.apikeys import ROLES
from ioc.feeds import registry
from ioc.kafka_admin import group_position, wait_ready
from ioc.rollup import rollup
from ioc.settings import Settings
from ioc.sources import sources

WEB = Path(__file__).parent / "web" / "dist"  # the web app, built by `make web` (Vite)
log = logging.getLogger(__name__)
MAX_AREAS = 50  # admin unit prefixes one websocket may follow
# Who may follow which websocket channel: alerts are for the people who act on them or answer for them.
CHANNEL_ROLES = {
    "kpi": ROLES,
    "obs": ROLES,
    "health": ROLES,
    "alerts": ("operator", "official", "admin"),
}


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def create_app(settings: Settings) -> FastAPI:
    pool = AsyncConnectionPool(settings.dsn, open=False, min_size=1, max_size=4, kwargs={"connect_timeout": 5})
    hub = Hub(settings.bootstrap_servers)
    forwarder = Forwarder(settings.bootstrap_servers)

    async def fetch(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        async with pool.connection(timeout=5) as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            return [jsonable(row) for row in await cur.fetchall()]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open(wait=False)
        try:
            hub.seed("kpi", await fetch(LATEST_KPI, {"source": None, "metric": None}))
            hub.seed("alerts", await fetch(OPEN_ALERTS, {}))
        except (psycopg.Error, TimeoutError) as exc:
            log.warning("dashboard: no KPI snapshot from the database yet (%s)", exc)
        hub.start()
        health = asyncio.create_task(publish_health(fetch, hub), name="feed-health")
        yield
        health.cancel()
        await hub.stop()
        await forwarder.stop()
        await pool.close()

    app = FastAPI(
        title="IOC stream processor",
        description="Trung tâm giám sát, điều hành thông minh — live KPIs of the province.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.hub = hub
    auth = Authenticator(pool)
    anyone = Depends(auth.require(*ROLES))
    origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-CSRF-Token", "X-API-Key", "Authorization"],
        )
    app.include_router(access_router(settings, auth))
    app.include_router(integrators_router(settings, auth))
    app.include_router(ingest_router(settings, auth, forwarder))
    app.include_router(alerts_router(fetch, auth, forwarder, settings.incident_storm_alerts))
    app.include_router(health_router(fetch, auth))
    app.include_router(services_router(fetch, auth, settings.index766_inputs))
    app.include_router(summary_router(fetch, auth))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        """The web app's page (it asks for a login itself); 503 with the fix when it was never built."""
        page = WEB / "index.html"
        if not page.exists():
            raise HTTPException(503, f"the web app is not built ({page} is missing): run `make web`")
        return FileResponse(page, media_type="text/html; charset=utf-8")

    if (WEB / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=WEB / "assets"), name="assets")

    @app.get("/api/health", tags=["health"])
    async def health() -> JSONResponse:
        """Kafka reachable, database reachable, and how far the worker's agents and sinks are behind (messages)."""
        checks: dict[str, Any] = {}
        try:
            await asyncio.to_thread(wait_ready, settings.bootstrap_servers, 5.0)
            checks["kafka"] = {"ok": True}
        except TimeoutError as exc:
            checks["kafka"] = {"ok": False, "error": str(exc)}
        try:
            await fetch("SELECT 1 AS one", {})
            checks["database"] = {"ok": True}
        except (psycopg.Error, TimeoutError) as exc:
            checks["database"] = {"ok": False, "error": str(exc) or type(exc).__name__}
        groups = topics.worker_groups(settings.app_id, list(registry()))
        for check, (group, watched) in zip(("worker", "sinks", "notifier", "validator"), groups.items(), strict=True):
            if not checks["kafka"]["ok"]:
                checks[check] = {"ok": False, "error": "Kafka unreachable"}
                continue
            try:
                position = await asyncio.to_thread(group_position, settings.bootstrap_servers, group, watched)
                lag = position.lag
                checks[check] = {"ok": True, "group": group, "lag": lag, "total_lag": sum(lag.values())}
            except Exception as exc:
                checks[check] = {"ok": False, "error": str(exc)}
        checks["hub"] = {"ok": hub.connected, "clients": len(hub.clients)}
        healthy = all(check["ok"] for check in checks.values())
        return JSONResponse({"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503)

    @app.get("/api/kpi", tags=["kpi"], dependencies=[anyone])
    async def kpi(
        source: Annotated[str | None, Query(max_length=64, description="Only this source (station id).")] = None,
        metric: Annotated[str | None, Query(max_length=32, description="Only this metric, e.g. pm25.")] = None,
        bucket: Annotated[
            str | None, Query(description="History mode: bucket size such as 5m, 1h, 1d (1m..31d).")
        ] = None,
        start: Annotated[datetime | None, Query(description="History start (ISO 8601), default end - 24h.")] = None,
        end: Annotated[datetime | None, Query(description="History end (ISO 8601), default now.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_BUCKETS)] = 5000,
    ) -> dict[str, Any]:
        """Without ``bucket``: the newest KPI window per source and metric. With it: history from
        TimescaleDB, windows grouped by ``time_bucket`` (count-weighted means)."""
        filters = {"source": source, "metric": metric}
        if bucket is None:
            if start is not None or end is not None:
                raise HTTPException(422, "start and end need a bucket (history mode), e.g. bucket=5m")
            return {"mode": "latest", "items": await fetch(LATEST_KPI, filters)}
        try:
            size = parse_bucket(bucket)
        except ValueError as exc:
            raise HTTPException(422, f"bucket: {exc}") from exc
        end = _aware(end or datetime.now(UTC), "end")
        start = _aware(start or end - timedelta(hours=24), "start")
        if start >= end:
            raise HTTPException(422, "start must be before end")
        if (end - start) / size > MAX_BUCKETS:
            raise HTTPException(422, f"range/bucket gives more than {MAX_BUCKETS} buckets; use a larger bucket")
        rows = await fetch(KPI_HISTORY, {**filters, "bucket": size, "start": start, "end": end, "limit": limit})
        return {"mode": "history", "bucket": bucket, "start": start.isoformat(), "end": end.isoformat(), "items": rows}

    @app.get("/api/areas", tags=["kpi"], dependencies=[anyone])
    async def areas(
        level: Annotated[
            Literal["unit", "province"], Query(description="unit: each commune or ward; province: the whole province.")
        ] = "unit",
    ) -> dict[str, Any]:
        """Air, water and traffic rolled up per admin unit or province from each source's newest status (see
        ioc/rollup.py for what counts as current)."""
        now = datetime.now(UTC)
        rows = await fetch(LATEST_KPI, {"source": None, "metric": None})
        units = {source.id: source.unit_code for source in sources().values()}
        return {"level": level, "at": now.isoformat(), "items": rollup(rows, now, level, units)}

    @app.websocket("/ws")
    async def live(
        websocket: WebSocket,
        channels: str = "kpi,obs",
        areas: str = "",
        since: int | None = None,
        epoch: str | None = None,
    ) -> None:
        """A snapshot on connect, then one message per update: {"type": "kpi"|"obs"|"alerts"|"health", "seq": n,
        "data": {...}}. ``areas``: admin unit code prefixes (comma separated) to follow only those. A client
        that reconnects with the ``epoch`` of its snapshot and the last ``seq`` it got (``since``) receives
        {"type": "resume", ...} and exactly the deltas it missed, or a new snapshot when they are no longer
        kept. The alerts channel carries every transition; its snapshot holds the open alerts. The health
        channel carries a source's feed-health row when it changes. Authenticated like the REST API (session
        cookie or API key); closed with code 4401 (not authenticated, or the session ended), 4403 (role, or a
        session used from another site's page), 1008 (bad request), 1013 (database unavailable)."""
        await websocket.accept()
        origin = websocket.headers.get("origin")
        if not presents_key(websocket) and origin and not _same_origin(origin, websocket, origins):
            # Before anything else: another site's page riding on the cookie learns nothing, not even who is logged in.
            await _close(websocket, 4403, f"origin {origin} may not use this session")
            return
        try:
            caller = await auth.identify(websocket)
        except HTTPException as exc:
            await _close(websocket, 4000 + exc.status_code, str(exc.detail))
            return
        except (psycopg.Error, TimeoutError):
            await _close(websocket, 1013, "database unavailable; try again")
            return
        wanted = Wanted(
            frozenset(c.strip() for c in channels.split(",") if c.strip()),
            tuple(a.strip() for a in areas.split(",") if a.strip())[:MAX_AREAS],
            caller.feeds,
        )
        if problem := _refusal(wanted, caller, hub):
            await _close(websocket, *problem)
            return
        box = hub.subscribe(wanted)
        try:
            missed = hub.missed(wanted, epoch, since) if epoch is not None and since is not None else None
            if missed is None:
                await websocket.send_text(hub.snapshot_text(wanted))
            else:
                resume = {"type": "resume", "epoch": hub.epoch, "since": since, "missed": len(missed)}
                await websocket.send_text(json.dumps(resume))
                for message in missed:
                    await websocket.send_text(json.dumps(message))
            tasks = {
                asyncio.create_task(_pump(websocket, box, hub, wanted)),
                asyncio.create_task(websocket.receive_text()),
            }
            if caller.key is None:
                tasks.add(asyncio.create_task(_while_logged_in(websocket, auth, caller)))
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in done:  # a client that left is the normal end; unretrieved, asyncio logs it as an error
                if (error := task.exception()) is not None and not isinstance(error, WebSocketDisconnect):
                    raise error
        except WebSocketDisconnect:
            pass
        finally:
            hub.unsubscribe(box)

    @app.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        return JSONResponse({"detail": f"database unavailable: {exc}"}, status_code=503)

    @app.exception_handler(TimeoutError)
    async def database_timeout(request: Request, exc: TimeoutError) -> JSONResponse:
        return JSONResponse({"detail": "database unavailable: no connection within 5 s"}, status_code=503)

    return app


def _refusal(wanted: Wanted, caller: Caller, hub: Hub) -> tuple[int, str] | None:
    """Why this subscription is refused (close code, reason), or None."""
    unknown = wanted.channels - set(hub.latest)
    if unknown or not wanted.channels:
        return 1008, f"unknown channels; use {', '.join(hub.latest)}"
    forbidden = sorted(c for c in wanted.channels if caller.role not in CHANNEL_ROLES[c])
    if forbidden:
        return 4403, f"role {caller.role} may not follow {', '.join(forbidden)}"
    return None


def _same_origin(origin: str, websocket: WebSocket, allowed: list[str]) -> bool:
    return urlsplit(origin).netloc == websocket.headers.get("host") or origin in allowed


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close with a reason cut to the 123 bytes a close frame has room for (whole UTF-8 characters)."""
    await websocket.close(code=code, reason=reason.encode()[:123].decode(errors="ignore"))


async def _while_logged_in(websocket: WebSocket, auth: Authenticator, caller: Caller) -> None:
    """Ends (closing with 4401) once the session expires, is logged out, or its user is disabled: checked at
    expiry and every minute."""
    while True:
        left = (caller.expires_at - datetime.now(UTC)).total_seconds() if caller.expires_at else 60.0
        await asyncio.sleep(max(0.0, min(60.0, left)))
        try:
            await auth.identify(websocket)
        except HTTPException as exc:
            await _close(websocket, 4000 + exc.status_code, str(exc.detail))
            return
        except (psycopg.Error, TimeoutError):
            continue  # the database is away: keep the screen live, check again later


async def _pump(websocket: WebSocket, box: Outbox, hub: Hub, wanted: Wanted) -> None:
    while True:
        message = await box.get()
        await websocket.send_text(hub.snapshot_text(wanted) if message is RESYNC else json.dumps(message))


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise HTTPException(422, f"{name} needs a UTC offset, e.g. 2026-11-24T08:00:00+07:00")
    return value
