"""The peer: validate → 1-minute event-time window → TimescaleDB, written with Quix Streams.

It does what our worker's validate and KPI agents and sinks do for one feed, in Quix Streams' own idiom,
on the same messages and into the same tables, so the two can be compared in one run. Validation is our
own (ioc.envelope, imported from the repository) so both pipelines check exactly the same rules. Runs in
.venv-peer (bench/peers/requirements.txt); configured by environment variables (see ``main``).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from quixstreams import Application, message_context
from quixstreams.sinks import BatchingSink, SinkBackpressureError, SinkBatch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: our validation rules

from ioc.deadletter import dead_letter  # noqa: E402
from ioc.envelope import RecordError, parse_envelope  # noqa: E402
from ioc.feeds import registry  # noqa: E402

WINDOW = timedelta(minutes=1)
GRACE = timedelta(minutes=2)  # our allowed lateness
MAX_FUTURE = timedelta(minutes=10)


class StagedUpsert(BatchingSink):
    """COPY a checkpoint's batch into a temp table, then one idempotent INSERT, as our sinks do."""

    def __init__(self, dsn: str, table: str, columns: tuple[str, ...], conflict: str) -> None:
        super().__init__()
        self.dsn, self.table, self.columns, self.conflict = dsn, table, columns, conflict
        self.conn: psycopg.Connection[Any] | None = None

    def setup(self) -> None:
        self.conn = psycopg.connect(self.dsn)
        self.conn.execute(f"CREATE TEMP TABLE stage (LIKE {self.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        self.conn.commit()

    def rows(self, value: Any) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def write(self, batch: SinkBatch) -> None:
        assert self.conn is not None
        cols = ", ".join(self.columns)
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                with cur.copy(f"COPY stage ({cols}) FROM STDIN") as copy:
                    for item in batch:
                        for row in self.rows(item.value):
                            copy.write_row(row)
                cur.execute(f"INSERT INTO {self.table} ({cols}) SELECT {cols} FROM stage {self.conflict}")
        except psycopg.OperationalError as exc:
            raise SinkBackpressureError(retry_after=5.0) from exc


class ObservationRows(StagedUpsert):
    def __init__(self, dsn: str) -> None:
        super().__init__(
            dsn,
            "observation",
            ("time", "record_id", "feed", "source", "metric", "value", "unit_code"),
            "ON CONFLICT DO NOTHING",
        )

    def rows(self, value: Any) -> list[tuple[Any, ...]]:
        ts = datetime.fromisoformat(value["ts"])
        unit = value.get("unit_code")
        return [(ts, value["id"], value["feed"], value["source"], m, v, unit) for m, v in value["values"].items()]


class KpiRows(StagedUpsert):
    def __init__(self, dsn: str) -> None:
        super().__init__(
            dsn,
            "kpi_window",
            (
                "window_start",
                "window_end",
                "kpi",
                "feed",
                "source",
                "metric",
                "value",
                "count",
                "min",
                "max",
                "revision",
                "unit_code",
            ),
            "ON CONFLICT (kpi, source, metric, window_start) DO UPDATE SET value = EXCLUDED.value,"
            " count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, stored_at = now()",
        )

    def rows(self, value: Any) -> list[tuple[Any, ...]]:
        start = datetime.fromtimestamp(value["start"] / 1000, UTC)
        end = datetime.fromtimestamp(value["end"] / 1000, UTC)
        agg = value["value"]
        return [
            (start, end, "mean_60s", agg["feed"], agg["source"], metric, s / n, n, lo, hi, 0, agg["unit_code"])
            for metric, (s, n, lo, hi) in agg["metrics"].items()
        ]


def main() -> None:
    """Environment: IOC_BENCH_BOOTSTRAP, IOC_BENCH_DSN, IOC_BENCH_GROUP, IOC_BENCH_STATE_DIR, IOC_BENCH_FEED,
    IOC_BENCH_COMMIT_INTERVAL (seconds between checkpoints, when its sinks write: the bench gives our sinks'
    longest wait, so both hold rows back as long; Quix Streams' default is 5)."""
    feed = os.environ.get("IOC_BENCH_FEED", "air_quality")
    kind = registry()[feed]
    kpis = set(kind.kpis)
    dsn = os.environ["IOC_BENCH_DSN"]
    app = Application(
        broker_address=os.environ["IOC_BENCH_BOOTSTRAP"],
        consumer_group=os.environ["IOC_BENCH_GROUP"],
        auto_offset_reset="earliest",
        state_dir=os.environ["IOC_BENCH_STATE_DIR"],
        commit_interval=float(os.environ.get("IOC_BENCH_COMMIT_INTERVAL", "5")),
        loglevel="WARNING",
    )
    ingest = app.topic(f"ioc.ingest.{feed}", key_deserializer="bytes", value_deserializer="bytes")
    deadletters = app.topic("ioc.deadletter", key_serializer="bytes", value_serializer="json")

    def validate(raw: bytes, key: Any, timestamp: int, headers: Any) -> dict[str, Any]:
        try:
            return parse_envelope(raw, kind, datetime.now(UTC), MAX_FUTURE).to_dict()
        except RecordError as error:
            ctx = message_context()
            return {"error": dead_letter(error, raw, feed, ctx.topic, ctx.partition, ctx.offset, timestamp / 1000)}

    sdf = app.dataframe(ingest).apply(validate, metadata=True)
    sdf.filter(lambda r: "error" in r).apply(lambda r: r["error"]).to_topic(deadletters)
    good = sdf.filter(lambda r: "error" not in r)
    good.sink(ObservationRows(dsn))

    def first(record: dict[str, Any]) -> dict[str, Any]:
        metrics = {m: [v, 1, v, v] for m, v in record["values"].items() if m in kpis}
        return {
            "feed": record["feed"],
            "source": record["source"],
            "unit_code": record.get("unit_code"),
            "metrics": metrics,
        }

    def more(agg: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
        for metric, value in record["values"].items():
            if metric not in kpis:
                continue
            s, n, lo, hi = agg["metrics"].get(metric, (0.0, 0, value, value))
            agg["metrics"][metric] = [s + value, n + 1, min(lo, value), max(hi, value)]
        return agg

    (
        good.set_timestamp(lambda r, k, t, h: int(datetime.fromisoformat(r["ts"]).timestamp() * 1000))
        .tumbling_window(duration_ms=WINDOW, grace_ms=GRACE)
        .reduce(reducer=more, initializer=first)
        .final()
        .sink(KpiRows(dsn))
    )
    app.run()


if __name__ == "__main__":
    main()
