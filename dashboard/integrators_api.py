"""What the integrators' page reads: source metadata, dead letters (with replay) and one's own API keys."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from dashboard.auth import Authenticator, Caller
from ioc import apikeys, deadletter_store
from ioc.apikeys import ROLES
from ioc.feeds import registry
from ioc.settings import Settings
from ioc.sources import sources

PREVIEW = 2048  # bytes of a dead letter's original shown in a list; GET one for all of it


def _letter(letter: deadletter_store.DeadLetter, preview: int | None) -> dict[str, Any]:
    text = letter.raw_text()
    row = {k: v for k, v in asdict(letter).items() if k != "raw"}
    row["received_at"] = letter.received_at.isoformat()
    row["replayed_at"] = letter.replayed_at.isoformat() if letter.replayed_at else None
    row["raw_bytes"] = len(letter.raw)
    row["raw"] = text if preview is None or len(text) <= preview else text[:preview] + "…"
    row["replayable"] = deadletter_store.replayable(letter)
    return row


def integrators_router(settings: Settings, auth: Authenticator) -> APIRouter:
    router = APIRouter(tags=["integrators"])
    anyone = Depends(auth.require(*ROLES))
    integrators = Depends(auth.require("integrator", "admin"))

    def visible(caller: Caller, feed: str | None) -> None:
        if feed is not None and feed not in registry():
            raise HTTPException(404, f"no feed {feed!r}; declared: {', '.join(sorted(registry()))}")
        if feed is not None and caller.feeds is not None and feed not in caller.feeds:
            raise HTTPException(403, f"{caller.name} may see only feeds {list(caller.feeds)}")

    @router.get("/api/sources", dependencies=[anyone])
    async def list_sources(
        feed: Annotated[str | None, Query(max_length=64, description="Only the sources of this feed.")] = None,
    ) -> dict[str, Any]:
        """Stations, gauges, road segments and agencies: id, Vietnamese name, admin unit, coordinates, extras."""
        items = [
            {
                "id": s.id,
                "feeds": list(s.feeds),
                "name": s.name,
                "unit_code": s.unit_code,
                "lat": s.lat,
                "lon": s.lon,
                "extras": {k: v for k, v in s.extras.items() if not k.startswith("sim_")},
            }  # fmt: skip
            for s in sources().values()
            if feed is None or feed in s.feeds
        ]
        return {"items": items}

    @router.get("/api/deadletters")
    async def list_deadletters(
        caller: Caller = integrators,
        feed: Annotated[str | None, Query(max_length=64)] = None,
        source: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """The newest rejected records with their reason (field and rule) and the start of the original bytes."""
        visible(caller, feed)
        letters = await asyncio.to_thread(
            deadletter_store.find, settings.dsn, feed, source, None, limit, False, caller.feeds
        )
        return {"items": [_letter(letter, PREVIEW) for letter in letters]}

    async def one(caller: Caller, dl_id: str) -> deadletter_store.DeadLetter:
        letter = await asyncio.to_thread(deadletter_store.get, settings.dsn, dl_id)
        if letter is None or (caller.feeds is not None and letter.feed not in caller.feeds):
            raise HTTPException(404, f"no dead letter {dl_id!r}")
        return letter

    @router.get("/api/deadletters/{dl_id}", responses={404: {}})
    async def show_deadletter(dl_id: str, caller: Caller = integrators) -> dict[str, Any]:
        """One dead letter with all of its original bytes (UTF-8 text, or hex when they are not)."""
        return _letter(await one(caller, dl_id), None)

    @router.post("/api/deadletters/{dl_id}/replay", responses={404: {}, 409: {}, 503: {}})
    async def replay_deadletter(dl_id: str, caller: Caller = integrators) -> dict[str, Any]:
        """Send the original bytes through validation again (after the declaration or the sender was fixed)."""
        letter = await one(caller, dl_id)
        if not deadletter_store.replayable(letter):
            raise HTTPException(
                409, f"{dl_id} came from {letter.topic}, not an ingest topic: its sender must resend it"
            )
        if letter.replayed_at is not None:
            raise HTTPException(409, f"{dl_id} was replayed at {letter.replayed_at.isoformat()} already")
        try:
            sent = await asyncio.to_thread(deadletter_store.replay, settings.dsn, settings.bootstrap_servers, [letter])
        except deadletter_store.ReplayError as exc:
            raise HTTPException(503, f"Kafka: {exc}") from exc
        if not sent:
            raise HTTPException(409, f"{dl_id} was replayed already (by another request at the same time)")
        return {"dl_id": dl_id, "status": "replayed"}

    @router.get("/api/keys")
    async def list_keys(caller: Caller = integrators) -> dict[str, Any]:
        """API keys issued to the caller (an admin sees all): id, name, role, feeds, dates; never a secret."""
        if caller.key is not None and caller.role != "admin":
            keys = [caller.key]  # a program sees the key it presents
        else:
            async with auth.pool.connection(timeout=5) as conn:
                keys = await apikeys.keys_of(conn, None if caller.role == "admin" else caller.name)
        return {
            "items": [
                {
                    **asdict(key),
                    "created_at": key.created_at.isoformat(),
                    "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
                }  # fmt: skip
                for key in keys
            ]
        }

    return router
