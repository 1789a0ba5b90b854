"""`ioc replay` into the real Kafka: every record of the file reaches its ingest topic, the bad ones too
(they are named first, and the validate agent makes dead letters of them)."""

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.settings import Settings
from tests.integration.test_http_ingest import on_topic

pytestmark = pytest.mark.integration


def test_replay_sends_every_record_and_names_the_bad_ones(settings: Settings, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    sources = {f"REPLAY-{tag}-{n}" for n in range(3)}
    lines = [
        {"source": f"REPLAY-{tag}-0", "ts": "2026-11-24T08:00:00+07:00", "values": {"pm25": 12.5}},
        {"source": f"REPLAY-{tag}-1", "ts": "2026-11-24T08:00:01+07:00", "values": {"pm25": -3}},
        {"feed": "air_quality", "source": f"REPLAY-{tag}-2", "ts": "2026-11-24T08:00:02+07:00", "values": {"pm10": 40}},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["replay", str(path), "--feed", "air_quality", "--speed", "2"])
    assert result.exit_code == 0, result.output
    assert "3 records of air_quality; 1 will be rejected" in result.output
    assert "line 2: values.pm25: " in result.output
    assert "sent 3 records to ioc.ingest.air_quality" in result.output
    assert {body["source"] for body in on_topic(settings, sources)} == sources


def test_a_dry_run_sends_nothing(settings: Settings, tmp_path: Path) -> None:
    source = f"REPLAY-DRY-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"source": source, "ts": "2026-11-24T08:00:00+07:00", "values": {"pm25": 1}}))
    result = CliRunner().invoke(cli, ["replay", str(path), "--feed", "air_quality", "--dry-run"])
    assert result.exit_code == 0 and "1 records of air_quality; 0 will be rejected" in result.output
    assert on_topic(settings, {source}) == []
