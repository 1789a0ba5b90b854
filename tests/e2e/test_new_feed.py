"""docs/integrators.md, followed literally: a new feed kind (noise, dBA) from one declaration file in
IOC_FEEDS_DIR, its stations in IOC_SOURCES_DIR, and the HTTP adapter, with no change to the code; its
records are stored and windowed, and a station nobody registered is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ioc.settings import Settings
from tests.e2e.conftest import Pipeline, running_pipeline
from tests.e2e.test_http_ingest import post
from tests.infra import query, wait_for

pytestmark = pytest.mark.e2e
TAG = uuid.uuid4().hex[:6]

DECLARATION = """\
# Noise monitoring stations (a feed kind of the integrator's own).
name: noise
description: Trạm quan trắc tiếng ồn / noise monitoring stations
entity: station
interval_seconds: 60
sources: registered
metrics:
  laeq: {unit: "dBA", min: 0, max: 140}
kpis: [laeq]
"""
SOURCES = f"""\
feed: noise
sources:
  - {{id: NOISE-{TAG}, name: "Trạm ồn Đông Ba", unit_code: HUE.DONGBA, lat: 16.4740, lon: 107.5830}}
"""


def ioc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ioc", *args], capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def pipeline(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """Step 1-2 of the guide: the declaration in a folder named by IOC_FEEDS_DIR, its stations in one named by
    IOC_SOURCES_DIR, then `ioc init` and a (re)start of the worker and the dashboard."""
    folder: Path = tmp_path_factory.mktemp("feeds")
    (folder / "noise.yaml").write_text(DECLARATION, encoding="utf-8")
    stations: Path = tmp_path_factory.mktemp("sources")
    (stations / "noise.yaml").write_text(SOURCES, encoding="utf-8")
    os.environ["IOC_FEEDS_DIR"], os.environ["IOC_SOURCES_DIR"] = str(folder), str(stations)
    try:
        assert "ioc.ingest.noise" in ioc("init").stdout
        yield from running_pipeline(settings)
    finally:
        del os.environ["IOC_FEEDS_DIR"], os.environ["IOC_SOURCES_DIR"]


def test_a_declared_feed_is_ingested_stored_and_windowed(pipeline: Pipeline) -> None:
    key = ioc("keys", "add", "Đội đo tiếng ồn (test)", "--feed", "noise").stdout.strip()
    tag = TAG
    now = datetime.now(UTC)
    records = [
        {"source": f"NOISE-{tag}", "ts": now.isoformat(), "values": {"laeq": 61.5}},
        {"source": f"NOISE-{tag}", "ts": (now + timedelta(seconds=1)).isoformat(), "values": {"laeq": 70.5}},
        {"source": f"NOISE-{tag}", "ts": (now + timedelta(seconds=2)).isoformat(), "values": {"laeq": 190}},
        {"source": f"NOISE-{tag}", "ts": (now + timedelta(seconds=2)).isoformat(), "values": {"pm25": 3}},
        {"source": f"NOISE-{tag}-X", "ts": now.isoformat(), "values": {"laeq": 55}},  # not registered
    ]
    status, answer = post(f"{pipeline.url}/ingest/noise", key, json.dumps(records).encode())
    assert status == 200, answer
    assert [(e["index"], e["field"], e["rule"]) for e in answer["errors"]] == [
        (2, "values.laeq", "range"),
        (3, "values.pm25", "unknown_metric"),
        (4, "source", "unknown_source"),
    ]
    rows = wait_for(
        lambda: (
            query(
                pipeline.settings,
                "SELECT feed, value FROM observation WHERE source = %s ORDER BY value",
                (f"NOISE-{tag}",),
            )
            or None
        ),  # fmt: skip
        60,
        what="the noise observations",
    )
    assert rows == [("noise", 61.5), ("noise", 70.5)]
    letters = wait_for(
        lambda: (
            query(pipeline.settings, "SELECT count(*) FROM dead_letter WHERE source = %s", (f"NOISE-{tag}",))[0][0] == 2
        ),
        60,
        what="the two dead letters",
    )
    assert letters
    closing = {"source": f"NOISE-{tag}", "ts": (now + timedelta(seconds=121)).isoformat(), "values": {"laeq": 50}}
    assert post(f"{pipeline.url}/ingest/noise", key, json.dumps([closing]).encode())[0] == 200
    counted = "SELECT sum(count) FROM kpi_window WHERE kpi = 'mean_60s' AND source = %s AND window_start < %s"
    wait_for(
        lambda: query(pipeline.settings, counted, (f"NOISE-{tag}", now + timedelta(seconds=60)))[0][0] == 2,
        60,
        what="the 1-minute windows of laeq to count the two valid records",
    )
