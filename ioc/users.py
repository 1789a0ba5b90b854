"""Dashboard users and their login sessions.

Passwords are Argon2id hashes (argon2-cffi, its default parameters, which follow RFC 9106's advice). A
session is a random token handed to the browser in an HttpOnly cookie; the database keeps only its
SHA-256 (the token is 32 random bytes, so a fast hash is enough), its expiry and the CSRF token the page
must echo in a header on every change.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ioc.apikeys import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
HASHER = PasswordHasher()
# Verified when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


SESSIONS_KEPT = timedelta(days=30)  # how long an ended or expired session stays on record


class UserError(ValueError):
    """A user that cannot be created or changed as asked; the message names the field."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    created_at: datetime
    disabled_at: datetime | None
    receiver: str | None = None  # an official's id among the alert receivers: what was sent to them


@dataclass(frozen=True)
class Session:
    """A login: ``token`` goes to the cookie (never stored), ``csrf_token`` to the page."""

    user: User
    token: str
    csrf_token: str
    expires_at: datetime


def check_new(username: str, role: str, password: str) -> None:
    if not USERNAME.match(username):
        raise UserError(
            f"username: {username!r} must be 2-64 characters of a-z, 0-9, '.', '_' or '-', beginning with a-z or 0-9"
        )
    if role not in ROLES:
        raise UserError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    check_password(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: needs at least {MIN_PASSWORD} characters")
    if password.strip() != password:
        raise UserError("password: must not start or end with spaces")


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


COLUMNS = "username, display_name, role, created_at, disabled_at, receiver"
WIDTH = len(COLUMNS.split(", "))


def _user(row: tuple[object, ...]) -> User:
    return User(*row)  # type: ignore[arg-type]


def check_receiver(role: str, receiver: str | None) -> None:
    if receiver is not None and role != "official":
        raise UserError(f"receiver: only an official is linked to an alert receiver, not a user with role {role!r}")


def add(dsn: str, username: str, display_name: str, role: str, password: str, receiver: str | None = None) -> User:
    check_new(username, role, password)
    check_receiver(role, receiver)
    with psycopg.connect(dsn) as conn:
        try:
            row = conn.execute(
                "INSERT INTO app_user (username, display_name, role, password_hash, receiver)"
                f" VALUES (%s, %s, %s, %s, %s) RETURNING {COLUMNS}",
                (username, display_name.strip() or username, role, HASHER.hash(password), receiver),
            ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise UserError(f"username: {username!r} exists already") from exc
    assert row is not None
    return _user(row)


def list_users(dsn: str) -> list[User]:
    with psycopg.connect(dsn) as conn:
        return [_user(row) for row in conn.execute(f"SELECT {COLUMNS} FROM app_user ORDER BY username")]


def count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM app_user").fetchone()
    return int(row[0]) if row else 0


def set_password(dsn: str, username: str, password: str) -> bool:
    """New password; ends the user's sessions. False when there is no such user."""
    check_password(password)
    with psycopg.connect(dsn) as conn:
        cur = conn.execute(
            "UPDATE app_user SET password_hash = %s WHERE username = %s", (HASHER.hash(password), username)
        )
        conn.execute("UPDATE user_session SET ended_at = now() WHERE username = %s AND ended_at IS NULL", (username,))
        return cur.rowcount == 1


def set_receiver(dsn: str, username: str, receiver: str | None) -> bool:
    """Link an official to an alert receiver (None: unlink); False when there is no such user."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT role FROM app_user WHERE username = %s", (username,)).fetchone()
        if row is None:
            return False
        check_receiver(str(row[0]), receiver)
        conn.execute("UPDATE app_user SET receiver = %s WHERE username = %s", (receiver, username))
        return True


def disable(dsn: str, username: str) -> bool:
    """Disable a user and end their sessions; False when no enabled user has that name."""
    with psycopg.connect(dsn) as conn:
        cur = conn.execute(
            "UPDATE app_user SET disabled_at = now() WHERE username = %s AND disabled_at IS NULL", (username,)
        )
        conn.execute("UPDATE user_session SET ended_at = now() WHERE username = %s AND ended_at IS NULL", (username,))
        return cur.rowcount == 1


async def login(
    conn: psycopg.AsyncConnection, username: str, password: str, now: datetime, lasts: timedelta
) -> Session | None:
    """A new session when the name and password match an enabled user, else None (same cost either way). The
    hash is checked in a thread: Argon2 takes tens of milliseconds the dashboard's event loop must not lose."""
    row = None
    if USERNAME.match(username):
        cur = await conn.execute(f"SELECT {COLUMNS}, password_hash FROM app_user WHERE username = %s", (username,))
        row = await cur.fetchone()
    try:
        await asyncio.to_thread(HASHER.verify, str(row[WIDTH]) if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row[4] is not None:
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await conn.execute(  # a login is when old sessions are pruned: the table stays small without a job of its own
        "DELETE FROM user_session WHERE least(ended_at, expires_at) < %s", (now - SESSIONS_KEPT,)
    )
    await conn.execute(
        "INSERT INTO user_session (token_sha, username, csrf_token, created_at, expires_at)"
        " VALUES (%s, %s, %s, %s, %s)",
        (token_digest(token), username, csrf, now, now + lasts),
    )
    return Session(_user(row[:WIDTH]), token, csrf, now + lasts)


async def session(conn: psycopg.AsyncConnection, token: str, now: datetime) -> Session | None:
    """The live session of ``token`` (not ended, not expired, user enabled), without its token."""
    cur = await conn.execute(
        f"SELECT {', '.join('u.' + c for c in COLUMNS.split(', '))}, s.csrf_token, s.expires_at"
        " FROM user_session s JOIN app_user u USING (username)"
        " WHERE s.token_sha = %s AND s.ended_at IS NULL AND s.expires_at > %s AND u.disabled_at IS NULL",
        (token_digest(token), now),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return Session(_user(row[:WIDTH]), "", str(row[WIDTH]), row[WIDTH + 1])


async def logout(conn: psycopg.AsyncConnection, token: str) -> None:
    await conn.execute(
        "UPDATE user_session SET ended_at = now() WHERE token_sha = %s AND ended_at IS NULL", (token_digest(token),)
    )
