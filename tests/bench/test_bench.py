"""The benchmark's every stage in miniature, on the test session's Kafka and TimescaleDB, so the harness never
rots. No timing is asserted: the figures are printed with the run's other measurements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import STAGES
from bench.run import Plan, run
from ioc.settings import Settings
from tests.conftest import FIGURES
from tests.infra import query

pytestmark = pytest.mark.e2e

TINY = Plan(
    records=400, steady_seconds=3, steady_rate=40, clients=20, fanout_rate=10, fanout_seconds=2,
    simulator_rate=100, simulator_seconds=4, timeout=180,
)  # fmt: skip


def test_every_stage_runs_and_the_json_has_the_ratios(settings: Settings, tmp_path: Path) -> None:
    lines: list[str] = []
    results = run(settings, TINY, say=lines.append)
    assert list(results.stages) == list(STAGES)
    for name in ("client_ceiling", "db_ceiling", "drain", "drain_two_workers", "peer_quix", "steady"):
        assert results.stages[name]["records_per_s"] > 0, name
    for name in ("drain", "drain_two_workers", "peer_quix"):
        assert results.stages[name]["cpu_s"] > 0 and results.stages[name]["peak_rss_mib"] > 0
    steady = results.stages["steady"]
    assert steady["rows_stored"] == steady["records"] * 8
    assert steady["produce_to_row_ms"]["samples"] == steady["records"]
    assert steady["produce_to_ws_ms"]["samples"] > 0
    fanout = results.stages["fanout"]
    assert fanout["alone"]["delivered"] == fanout["alone"]["expected"] > 0
    assert fanout["beside_a_stuck_client"]["delivered"] == fanout["beside_a_stuck_client"]["expected"]
    simulator = results.stages["simulator"]
    assert simulator["records"] > 0 and simulator["records_per_s"] <= simulator["target_rate"] * 1.05
    assert simulator["seconds_to_catch_up"] is not None  # the worker read all the simulators sent

    body = json.loads(results.write(tmp_path).read_text())
    assert set(body["ratios"]) == {
        "drain_vs_client_ceiling",
        "drain_vs_db_ceiling",
        "drain_vs_quix",
        "two_workers_vs_one",
        "simulator_vs_target",
    }
    assert all(value is not None and value > 0 for value in body["ratios"].values())
    assert set(body["latency_ms"]) >= {"p50", "p95", "p99"}
    # The stages removed what they stored.
    assert query(settings, "SELECT count(*) FROM observation WHERE source LIKE %s", ("bench%",)) == [(0,)]
    FIGURES.append("benchmark in miniature (400 records, no meaning as figures):\n" + results.table())
