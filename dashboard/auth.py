"""Who is calling: an API key (header ``X-API-Key`` or ``Authorization: Bearer``) and its role.

Every endpoint that reads private data or changes anything depends on ``Authenticator.require``; the
key's name is the user recorded with what it does (e.g. who acknowledged an alert).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Header, HTTPException
from psycopg_pool import AsyncConnectionPool

from ioc import apikeys

CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Authenticator:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def authenticate(self, authorization: str | None, x_api_key: str | None) -> apikeys.ApiKey:
        """The active key presented, or 401 saying what is wrong."""
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

    def require(self, *roles: str) -> Callable[..., Awaitable[apikeys.ApiKey]]:
        """A FastAPI dependency: the caller's key, if its role is one of ``roles`` (else 403)."""

        async def caller(
            authorization: Annotated[str | None, Header()] = None,
            x_api_key: Annotated[str | None, Header()] = None,
        ) -> apikeys.ApiKey:
            key = await self.authenticate(authorization, x_api_key)
            if key.role not in roles:
                raise HTTPException(403, f"API key {key.key_id} has role {key.role}; this needs {' or '.join(roles)}")
            return key

        return caller
