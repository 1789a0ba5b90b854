"""Database schema: numbered SQL migrations applied once each, in order, by ``ioc init``."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)

# Columns of kpi_window that the KPI sink writes and the API reads (stored_at is the database's own).
KPI_WINDOW_COLUMNS = ("window_start", "window_end", "kpi", "feed", "source", "metric", "value", "count", "min", "max",
                      "revision", "unit_code", "detail")  # fmt: skip


def pending(applied: set[str], folder: Path = MIGRATIONS) -> list[Path]:
    """Migration files not yet applied, in name order."""
    return [path for path in sorted(folder.glob("*.sql")) if path.stem not in applied]


def migrate(dsn: str) -> list[str]:
    """Apply the pending migrations, each in its own transaction; returns the names applied.

    An advisory lock makes concurrent callers (two `ioc run` at once) wait instead of racing.
    """
    done: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('ioc-migrate'))")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migration"
                " (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            applied = {row[0] for row in conn.execute("SELECT name FROM schema_migration")}
            for path in pending(applied):
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8").encode())
                    conn.execute("INSERT INTO schema_migration (name) VALUES (%s)", (path.stem,))
                log.info("applied migration %s", path.stem)
                done.append(path.stem)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('ioc-migrate'))")
    return done
