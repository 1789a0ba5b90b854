"""Retention: our own job that drops the chunks of each hypertable older than that table's retention.

TimescaleDB's retention policies are not in its Apache edition; ``drop_chunks`` is (INFRA.md). The worker
runs the job every hour (its leader only) and ``ioc retention`` runs it on demand. A chunk is dropped whole
once all of it is older than the cut-off, so a table keeps at most one chunk interval more than asked.

Defaults, in days, from what each table serves:

- ``observation`` 180: raw readings, for charts and re-computation; KPIs keep the long view;
- ``source_activity`` 30: per-minute counts behind feed health (15-minute windows);
- ``dead_letter`` 90: time for an integrator to fix a sender and replay;
- ``event`` 800: dossier, feedback and payment events; the Decision 766 index reads a period of up to a
  year, and a year is compared with the one before;
- ``kpi_window`` 1100, ``alert_event`` 1100: three years of indicators and of the alert audit trail;
- ``alert_delivery`` 400: a year of the notification log.
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)
DEFAULTS: dict[str, int | None] = {
    "observation": 180,
    "source_activity": 30,
    "dead_letter": 90,
    "event": 800,
    "kpi_window": 1100,
    "alert_event": 1100,
    "alert_delivery": 400,
}
FOREVER = "forever"


class RetentionError(ValueError):
    """A retention setting that cannot be used; the message names the table or the value."""


def parse(spec: str) -> dict[str, int | None]:
    """``"observation=90,dead_letter=forever"`` over the defaults: days per table, None to keep it forever."""
    policy = dict(DEFAULTS)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        table, _, days = (x.strip() for x in part.partition("="))
        if table not in DEFAULTS:
            raise RetentionError(f"IOC_RETENTION: {table!r} is not one of {', '.join(DEFAULTS)}")
        if days == FOREVER:
            policy[table] = None
            continue
        if not days.isdigit() or int(days) < 1:
            raise RetentionError(f"IOC_RETENTION: {table}={days!r} must be a number of days (1 or more) or {FOREVER!r}")
        policy[table] = int(days)
    return policy


def run(dsn: str, policy: dict[str, int | None], dry_run: bool = False) -> dict[str, list[str]]:
    """Per table, the chunks older than its retention: dropped, or only listed with ``dry_run``."""
    verb = "show_chunks" if dry_run else "drop_chunks"
    done: dict[str, list[str]] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, days in policy.items():
            if days is None:
                continue
            rows = conn.execute(
                f"SELECT {verb}(%s::regclass, older_than => now() - make_interval(days => %s))::text", (table, days)
            ).fetchall()
            done[table] = [str(row[0]) for row in rows]
            if done[table] and not dry_run:
                log.info("retention: dropped %d chunk(s) of %s older than %d days", len(done[table]), table, days)
    return done
