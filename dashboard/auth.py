"""Who is calling, and may they: a dashboard login (session cookie) or an API key, and its role.

Every endpoint that reads private data or changes anything depends on ``Authenticator.require``. People
log in (``/api/auth/login``) and carry an HttpOnly, SameSite=Strict session cookie; a change made with
that cookie must also echo the session's CSRF token in ``X-CSRF-Token`` (the double submit a page of
another origin cannot forge). Programs present an API key (``X-API-Key`` or ``Authorization: Bearer``),
which no browser sends on its own, so it needs no CSRF token. The caller's name is recorded with what it
does (e.g. who acknowledged an alert).
"""

from __future__ import annotations

import hmac
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Cookie, Header, HTTPException
from psycopg_pool import AsyncConnectionPool
from starlette.requests import HTTPConnection

from ioc import apikeys, users

CHALLENGE = {"WWW-Authenticate": "Bearer"}
COOKIE = "ioc_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: ``key`` when an API key was presented, ``csrf_token`` for a login session."""

    name: str
    role: str
    key: apikeys.ApiKey | None = None
    csrf_token: str | None = None
    display_name: str | None = None
    expires_at: datetime | None = None
    feeds: tuple[str, ...] | None = None  # what an integrator may see (None: every feed)
    receiver: str | None = None  # an official's alert receiver: the notifications they see are theirs


def caller_of(session: users.Session, feeds: tuple[str, ...] | None = None) -> Caller:
    user = session.user
    return Caller(
        user.username, user.role, None, session.csrf_token, user.display_name, session.expires_at, feeds, user.receiver
    )


def owned_feeds(keys: list[apikeys.ApiKey]) -> tuple[str, ...] | None:
    """An integrator person sees the feeds of the active keys issued to them (None: one of them has every feed)."""
    active = [key for key in keys if key.revoked_at is None]
    if any(key.feeds is None for key in active):
        return None
    return tuple(sorted({feed for key in active for feed in key.feeds or ()}))


def presents_key(connection: HTTPConnection) -> bool:
    """An API key header (a Basic or other scheme from a proxy is not ours, so not a key)."""
    authorization = connection.headers.get("authorization", "")
    return bool(connection.headers.get("x-api-key")) or authorization.lower().startswith("bearer ")


class Authenticator:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def authenticate(self, authorization: str | None, x_api_key: str | None) -> apikeys.ApiKey:
        """The active API key presented, or 401 saying what is wrong."""
        presented = x_api_key or (authorization or "").removeprefix("Bearer ").strip()
        if not presented:
            raise HTTPException(401, "an API key is required (header X-API-Key or Authorization: Bearer)", CHALLENGE)
        async with self.pool.connection(timeout=5) as conn:
            key = await apikeys.lookup(conn, presented)
        if key is None:
            raise HTTPException(401, "unknown API key", CHALLENGE)
        if key.revoked_at is not None:
            raise HTTPException(401, f"API key {key.key_id} was revoked", CHALLENGE)
        return key

    async def identify(self, connection: HTTPConnection) -> Caller:
        """The caller of a request or websocket: an API key if one is presented, else the session cookie."""
        headers = connection.headers
        if presents_key(connection):
            key = await self.authenticate(headers.get("authorization"), headers.get("x-api-key"))
            return Caller(key.name, key.role, key=key, feeds=key.feeds)
        token = connection.cookies.get(COOKIE)
        if not token:
            raise HTTPException(401, "log in first (POST /api/auth/login), or present an API key", CHALLENGE)
        async with self.pool.connection(timeout=5) as conn:
            session = await users.session(conn, token, datetime.now(UTC))
            if session is None:
                raise HTTPException(401, "the session has expired or ended; log in again", CHALLENGE)
            if session.user.role != "integrator":
                return caller_of(session)
            return caller_of(session, owned_feeds(await apikeys.keys_of(conn, session.user.username)))

    def require(self, *roles: str) -> Callable[..., Awaitable[Caller]]:
        """A FastAPI dependency: the caller, if its role is one of ``roles`` (else 403). The header and cookie
        parameters are declared so the OpenAPI document shows how to authenticate."""

        async def caller(
            connection: HTTPConnection,
            authorization: Annotated[str | None, Header()] = None,
            x_api_key: Annotated[str | None, Header()] = None,
            x_csrf_token: Annotated[str | None, Header()] = None,
            ioc_session: Annotated[str | None, Cookie()] = None,
        ) -> Caller:
            who = await self.identify(connection)
            if who.role not in roles:
                raise HTTPException(403, f"{who.name} has role {who.role}; this needs {' or '.join(roles)}")
            if who.csrf_token is not None and connection.scope.get("method") in UNSAFE:
                if not x_csrf_token or not hmac.compare_digest(x_csrf_token.encode(), who.csrf_token.encode()):
                    raise HTTPException(403, "missing or wrong X-CSRF-Token header (the token login returned)")
            return who

        return caller


class LoginThrottle:
    """At most ``attempts`` failed logins per name and client address within ``seconds``; pure logic."""

    def __init__(self, attempts: int = 5, seconds: float = 900.0) -> None:
        self.attempts = attempts
        self.seconds = seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, who: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(who, deque())
        while failures and failures[0] <= now - self.seconds:
            failures.popleft()
        return failures

    def retry_after(self, who: tuple[str, str], now: float) -> float:
        """Seconds until ``who`` may try again (0: now)."""
        failures = self._recent(who, now)
        if len(failures) < self.attempts:
            return 0.0
        return failures[0] + self.seconds - now

    def failed(self, who: tuple[str, str], now: float) -> None:
        self._recent(who, now).append(now)
        if len(self._failures) > 100_000:  # a flood of names: forget the oldest rather than grow without end
            self._failures.pop(next(iter(self._failures)))

    def succeeded(self, who: tuple[str, str]) -> None:
        self._failures.pop(who, None)
