"""Integrators' API keys: ``ioc_<key id>_<secret>``; the database keeps the id and a SHA-256 of the secret.

The secret is 32 random bytes, so a plain SHA-256 (not a slow password hash) is enough to make a
stolen table useless, and the id lets a request find its row without scanning.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg

PREFIX = "ioc"
ROLES = ("integrator", "operator", "official", "admin")


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    feeds: tuple[str, ...] | None  # None: every feed
    created_at: datetime
    revoked_at: datetime | None
    role: str = "integrator"
    owner: str | None = None  # the dashboard user it was issued to

    def allows(self, feed: str) -> bool:
        """May send records of ``feed`` (integrators and admins)."""
        return (
            self.revoked_at is None
            and self.role in ("integrator", "admin")
            and (self.feeds is None or feed in self.feeds)
        )


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_key() -> tuple[str, str]:
    """A fresh (key id, full key to hand to the integrator)."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return key_id, f"{PREFIX}_{key_id}_{secret}"


def split_key(key: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret:
        return None
    return key_id, secret


def matches(secret: str, stored: bytes) -> bool:
    return hmac.compare_digest(digest(secret), stored)


def _row(row: tuple[object, ...]) -> ApiKey:
    key_id, name, feeds, created_at, revoked_at, role, owner = row
    feeds = tuple(feeds) if feeds is not None else None  # type: ignore[arg-type]
    return ApiKey(str(key_id), str(name), feeds, created_at, revoked_at, str(role), owner)  # type: ignore[arg-type]


COLUMNS = "key_id, name, feeds, created_at, revoked_at, role, owner"


def add(
    dsn: str, name: str, feeds: list[str] | None, role: str = "integrator", owner: str | None = None
) -> tuple[ApiKey, str]:
    """Store a new key; returns it and the full key, which is never shown again."""
    if role not in ROLES:
        raise ValueError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    key_id, key = new_key()
    secret = key.split("_", 2)[2]
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "INSERT INTO api_key (key_id, name, secret_sha, feeds, role, owner) VALUES (%s, %s, %s, %s, %s, %s)"
            f" RETURNING {COLUMNS}",
            (key_id, name, digest(secret), feeds or None, role, owner),
        ).fetchone()
    assert row is not None
    return _row(row), key


def list_keys(dsn: str) -> list[ApiKey]:
    with psycopg.connect(dsn) as conn:
        return [_row(row) for row in conn.execute(f"SELECT {COLUMNS} FROM api_key ORDER BY created_at")]


async def keys_of(conn: psycopg.AsyncConnection, owner: str | None) -> list[ApiKey]:
    """The keys issued to ``owner`` (None: every key), newest first."""
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM api_key WHERE %(owner)s::text IS NULL OR owner = %(owner)s ORDER BY created_at DESC",
        {"owner": owner},
    )
    return [_row(row) for row in await cur.fetchall()]


def revoke(dsn: str, key_id: str) -> bool:
    """Revoke a key; False when no active key has that id."""
    with psycopg.connect(dsn) as conn:
        cur = conn.execute("UPDATE api_key SET revoked_at = now() WHERE key_id = %s AND revoked_at IS NULL", (key_id,))
        return cur.rowcount == 1


async def lookup(conn: psycopg.AsyncConnection, key: str) -> ApiKey | None:
    """The key a request presents, if it is well formed and its secret matches; revoked keys are returned
    (``allows`` is then False) so the caller can say so."""
    parts = split_key(key)
    if parts is None:
        return None
    key_id, secret = parts
    cur = await conn.execute(f"SELECT {COLUMNS}, secret_sha FROM api_key WHERE key_id = %s", (key_id,))
    row = await cur.fetchone()
    if row is None or not matches(secret, bytes(row[7])):
        return None
    return _row(row[:7])
