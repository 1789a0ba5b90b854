"""Logging in and out, who am I, and the public settings the web app needs before anyone logs in."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from dashboard.auth import CHALLENGE, COOKIE, Authenticator, Caller, LoginThrottle, caller_of
from ioc import users
from ioc.apikeys import ROLES
from ioc.settings import Settings


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def access_router(settings: Settings, auth: Authenticator) -> APIRouter:
    router = APIRouter(tags=["access"])
    throttle = LoginThrottle()
    lasts = timedelta(hours=settings.session_hours)
    anyone = Depends(auth.require(*ROLES))

    @router.post("/api/auth/login", responses={401: {}, 429: {}})
    async def login(body: Credentials, request: Request, response: Response) -> dict[str, Any]:
        """Start a session: an HttpOnly cookie, and the CSRF token the page sends back in X-CSRF-Token."""
        who = (body.username.lower(), request.client.host if request.client else "-")
        now = time.monotonic()
        if wait := throttle.retry_after(who, now):
            seconds = str(int(wait) + 1)
            raise HTTPException(429, f"too many failed logins; try again in {seconds} s", {"Retry-After": seconds})
        throttle.failed(who, now)  # counted before any wait, so parallel guesses cannot all pass the check
        async with auth.pool.connection(timeout=5) as conn:
            session = await users.login(conn, who[0], body.password, datetime.now(UTC), lasts)
        if session is None:
            raise HTTPException(401, "wrong user name or password, or the user is disabled", CHALLENGE)
        throttle.succeeded(who)
        response.set_cookie(
            COOKIE,
            session.token,
            max_age=int(lasts.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=settings.cookie_secure,
            path="/",
        )
        return _me(caller_of(session))

    @router.get("/api/auth/me")
    async def me(caller: Caller = anyone) -> dict[str, Any]:
        """Who the session or key belongs to, with the CSRF token of a session (a reloaded page needs it)."""
        return _me(caller)

    @router.post("/api/auth/logout", status_code=204)
    async def logout(request: Request, response: Response, caller: Caller = anyone) -> None:
        """End the session of this cookie."""
        token = request.cookies.get(COOKIE)
        if token:
            async with auth.pool.connection(timeout=5) as conn:
                await users.logout(conn, token)
        response.delete_cookie(COOKIE, path="/")

    @router.get("/api/config")
    async def config() -> dict[str, Any]:
        """Public: what the web app needs before login (no data of the province)."""
        return {"tile_url": settings.tile_url, "languages": ["vi", "en"], "timezone": "Asia/Ho_Chi_Minh"}

    return router


def _me(caller: Caller) -> dict[str, Any]:
    return {
        "username": caller.name,
        "display_name": caller.display_name or caller.name,
        "role": caller.role,
        "csrf_token": caller.csrf_token,
        "expires_at": caller.expires_at.isoformat() if caller.expires_at else None,
        "auth": "key" if caller.key is not None else "session",
        "receiver": caller.receiver,
    }
