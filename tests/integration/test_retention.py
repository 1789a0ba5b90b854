"""The retention job against the real TimescaleDB: chunks older than a table's retention are dropped whole,
newer ones kept; `ioc retention --dry-run` lists them first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from ioc import retention
from ioc.cli import cli
from ioc.settings import Settings, get_settings
from tests.infra import query

pytestmark = pytest.mark.integration


def test_old_chunks_are_dropped_and_recent_ones_kept(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    source = f"RET-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    for n, age in enumerate((400, 399, 10)):  # days; observation chunks are one day long
        query(settings, "INSERT INTO observation (time, record_id, feed, source, metric, value)"
              " VALUES (%s, %s, 'air_quality', %s, 'pm25', 1.0) RETURNING 1",
              (now - timedelta(days=age), f"{source}-{n}", source))  # fmt: skip
    policy = {**{table: None for table in retention.DEFAULTS}, "observation": 365}

    listed = retention.run(settings.dsn, policy, dry_run=True)
    assert len(listed["observation"]) >= 2 and set(listed) == {"observation"}
    others = ",".join(f"{table}=forever" for table in retention.DEFAULTS if table != "observation")
    monkeypatch.setenv("IOC_RETENTION", f"observation=365,{others}")
    get_settings.cache_clear()
    try:
        dry = CliRunner().invoke(cli, ["retention", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert (
            "observation\tkept 365 days\twould drop" in dry.output and "event\tkept forever\twould drop 0" in dry.output
        )
        assert query(settings, "SELECT count(*) FROM observation WHERE source = %s", (source,)) == [(3,)]
        done = CliRunner().invoke(cli, ["retention"])
        assert done.exit_code == 0 and "observation\tkept 365 days\tdropped" in done.output, done.output
    finally:
        get_settings.cache_clear()
    assert query(settings, "SELECT count(*) FROM observation WHERE source = %s", (source,)) == [(1,)]
    assert retention.run(settings.dsn, policy)["observation"] == []
