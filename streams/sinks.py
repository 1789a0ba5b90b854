"""TimescaleDB sinks in the batching shape: a batch → COPY into a temp staging table → idempotent upsert.

One transaction per batch. A database that is down or restarting is retried with backoff (the agent
waits, Kafka keeps the records); any other database error is a bug and raises SinkError.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

import psycopg
from psycopg.types.json import Jsonb

from alerts.model import Transition
from ioc.db import KPI_WINDOW_COLUMNS
from streams import incidents
from streams.activity import counted

log = logging.getLogger(__name__)

Row = tuple[Any, ...]


class SinkError(RuntimeError):
    """A batch cannot be stored and retrying will not help."""


class TimescaleSink(ABC):
    """Base: subclasses name the table, the staged columns, the upsert and how a message becomes rows."""

    table: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    upsert: ClassVar[str]

    def __init__(self, dsn: str, max_backoff: float = 30.0) -> None:
        self.dsn = dsn
        self.max_backoff = max_backoff
        self._conn: psycopg.AsyncConnection | None = None
        self._types: list[int] = []  # the staged columns' type OIDs, read when connecting
        self.rows_written = 0
        self.retrying = False  # True while the database is unavailable: the worker waits, it is not stalled

    @property
    def staging(self) -> str:
        return f"stage_{self.table}"

    @abstractmethod
    def rows(self, message: dict[str, Any]) -> list[Row]:
        """The table rows of one Kafka message."""

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.dsn, connect_timeout=5)
            await self._conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.staging}"
                f" (LIKE {self.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            cur = await self._conn.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                (self.staging,),
            )
            types: dict[str, int] = dict(await cur.fetchall())
            self._types = [types[column] for column in self.columns]
            await self._conn.commit()
        return self._conn

    async def _write_once(self, rows: Sequence[Row]) -> None:
        conn = await self._connection()
        cols = ", ".join(self.columns)
        async with conn.transaction():
            async with conn.cursor() as cur:
                # Binary, with the staging table's own column types: psycopg then formats a row in C without
                # looking up each value's type (the text form was a tenth of the worker's CPU in the benchmark).
                async with cur.copy(f"COPY {self.staging} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(self._types)
                    for row in rows:
                        await copy.write_row(row)
                await cur.execute(self.upsert.format(cols=cols, stage=self.staging))
                await self.after(cur)

    async def after(self, cur: psycopg.AsyncCursor[Any]) -> None:  # noqa: B027 - optional hook, a no-op by default
        """More work in the batch's transaction, after the upsert (staged rows still readable)."""

    async def write(self, messages: Sequence[dict[str, Any]]) -> None:
        """Store a batch; returns only once it is committed."""
        rows = [row for message in messages for row in self.rows(message)]
        if not rows:
            return
        delay = 0.5
        while True:
            try:
                await self._write_once(rows)
                self.rows_written += len(rows)
                self.retrying = False
                return
            except psycopg.OperationalError as exc:
                self.retrying = True
                log.warning("%s: database unavailable (%s); retrying in %.1fs", self.table, exc, delay)
                await self.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
            except psycopg.Error as exc:
                raise SinkError(f"{self.table}: cannot store a batch of {len(rows)} rows: {exc}") from exc

    async def close(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close()
            finally:
                self._conn = None


class ObservationSink(TimescaleSink):
    table = "observation"
    columns = ("time", "record_id", "feed", "source", "metric", "value", "unit_code")
    upsert = counted(
        "INSERT INTO observation ({cols}) SELECT {cols} FROM {stage} ON CONFLICT DO NOTHING"
        " RETURNING feed, source, record_id, time",
        "records",
    )

    def rows(self, message: dict[str, Any]) -> list[Row]:
        ts = datetime.fromisoformat(message["ts"])
        return [
            (ts, message["id"], message["feed"], message["source"], metric, value, message.get("unit_code"))
            for metric, value in message["values"].items()
        ]


class EventSink(TimescaleSink):
    """The attributes of event-feed records (a dossier's status and times); other records give no row."""

    table = "event"
    columns = ("time", "record_id", "feed", "source", "unit_code", "attributes")
    # A record with values too (a payment's amount) was counted by the observation sink of the same batch.
    upsert = counted(
        "INSERT INTO event ({cols}) SELECT {cols} FROM {stage} ON CONFLICT DO NOTHING"
        " RETURNING feed, source, record_id, time",
        "records",
        "NOT EXISTS (SELECT 1 FROM observation o WHERE o.record_id = ins.record_id AND o.time = ins.time)",
    )

    def rows(self, message: dict[str, Any]) -> list[Row]:
        attributes = message.get("attributes")
        if not attributes:
            return []
        ts = datetime.fromisoformat(message["ts"])
        return [(ts, message["id"], message["feed"], message["source"], message.get("unit_code"), Jsonb(attributes))]


class KpiSink(TimescaleSink):
    table = "kpi_window"
    columns = KPI_WINDOW_COLUMNS
    # The highest revision wins, whatever order redeliveries come in.
    upsert = (
        "INSERT INTO kpi_window AS k ({cols}) SELECT DISTINCT ON (kpi, source, metric, window_start) {cols}"
        " FROM {stage} ORDER BY kpi, source, metric, window_start, revision DESC"
        " ON CONFLICT (kpi, source, metric, window_start) DO UPDATE SET"
        " window_end = EXCLUDED.window_end, value = EXCLUDED.value, count = EXCLUDED.count,"
        " min = EXCLUDED.min, max = EXCLUDED.max, revision = EXCLUDED.revision, detail = EXCLUDED.detail,"
        " stored_at = now()"
        " WHERE EXCLUDED.revision >= k.revision"
    )

    def rows(self, message: dict[str, Any]) -> list[Row]:
        return [tuple(self._cell(column, message.get(column)) for column in self.columns)]

    @staticmethod
    def _cell(column: str, value: Any) -> Any:
        if column in ("window_start", "window_end"):
            return datetime.fromisoformat(value)
        if column == "detail" and value is not None:
            return Jsonb(value)
        return value


class DeadLetterSink(TimescaleSink):
    table = "dead_letter"
    columns = ("received_at", "dl_id", "topic", "feed", "source", "field", "rule", "reason", "raw")
    upsert = counted(
        "INSERT INTO dead_letter ({cols}) SELECT {cols} FROM {stage} ON CONFLICT DO NOTHING"
        " RETURNING feed, source, dl_id AS record_id, received_at AS time",
        "rejected",
    )

    def rows(self, message: dict[str, Any]) -> list[Row]:
        return [
            (
                datetime.fromisoformat(message["received_at"]),
                message["dl_id"],
                message["topic"],
                message["feed"],
                message["source"],
                message["field"],
                message["rule"],
                message["reason"],
                base64.b64decode(message["raw"]),
            )
        ]


class AlertSink(TimescaleSink):
    """Transitions into the audit trail (alert_event) and the current state (alert, the highest seq wins);
    then new firings are grouped into incidents (streams.incidents)."""

    def __init__(self, dsn: str, incident_window: timedelta, max_backoff: float = 30.0) -> None:
        super().__init__(dsn, max_backoff)
        self.incident_window = incident_window

    async def after(self, cur: psycopg.AsyncCursor[Any]) -> None:
        await incidents.group(cur, self.staging, self.incident_window)

    table = "alert_event"
    columns = ("time", "id", "fingerprint", "seq", "kind", "state", "severity", "rule", "rule_type", "pack",
               "domain", "source", "feed", "unit_code", "metric", "value", "threshold", "summary", "by_user",
               "assignee", "comment", "command", "flapping", "silenced_until", "opened_at", "inhibited")  # fmt: skip
    current = ("fingerprint", "seq", "kind", "state", "severity", "rule", "rule_type", "pack", "domain", "source",
               "feed", "unit_code", "metric", "value", "threshold", "summary", "assignee", "flapping",
               "silenced_until", "opened_at")  # fmt: skip
    upsert = (
        "WITH audit AS (INSERT INTO alert_event ({cols}) SELECT {cols} FROM {stage} ON CONFLICT DO NOTHING)"
        f" INSERT INTO alert AS a ({', '.join(current)}, updated_at)"
        f" SELECT DISTINCT ON (fingerprint) {', '.join(current)}, time FROM {{stage}} ORDER BY fingerprint, seq DESC"
        " ON CONFLICT (fingerprint) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*current[1:], "updated_at"))
        + " WHERE EXCLUDED.seq > a.seq"
    )

    def rows(self, message: dict[str, Any]) -> list[Row]:
        t = Transition.from_dict(message)
        return [
            (t.at, t.id, t.fingerprint, t.seq, t.kind.value, t.state.value, t.severity.value, t.rule, t.rule_type,
             t.pack, t.domain, t.source, t.feed, t.unit_code, t.metric, t.value, t.threshold, Jsonb(t.summary), t.by,
             t.assignee, t.comment, t.command, t.flapping, t.silenced_until, t.opened_at, t.inhibited)
        ]  # fmt: skip
