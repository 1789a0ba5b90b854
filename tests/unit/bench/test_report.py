from __future__ import annotations

import json
from pathlib import Path

from bench.report import Results, percentiles, ratio


def test_percentiles_of_known_samples() -> None:
    figures = percentiles([float(n) for n in range(1, 101)])
    assert figures == {"p50": 50.5, "p95": 95.0, "p99": 99.0, "samples": 100}
    assert percentiles([])["p99"] is None


def test_ratios_need_both_figures() -> None:
    assert ratio(50.0, 200.0) == 0.25
    assert ratio(None, 200.0) is None and ratio(50.0, 0.0) is None


def test_results_json_has_the_ratios_and_latency_the_issue_names(tmp_path: Path) -> None:
    results = Results({"records": 10})
    results.stages = {
        "client_ceiling": {"records_per_s": 1000.0},
        "db_ceiling": {"records_per_s": 500.0},
        "drain": {"records_per_s": 250.0},
        "drain_two_workers": {"records_per_s": 400.0},
        "peer_quix": {"records_per_s": 125.0},
        "steady": {"records_per_s": 125.0, "produce_to_ws_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "samples": 9}},
        "simulator": {"records_per_s": 1990.0, "target_rate": 2000.0},
    }
    body = json.loads(results.write(tmp_path).read_text())
    assert body["ratios"] == {
        "drain_vs_client_ceiling": 0.25,
        "drain_vs_db_ceiling": 0.5,
        "drain_vs_quix": 2.0,
        "two_workers_vs_one": 1.6,
        "simulator_vs_target": 0.995,
    }
    assert body["latency_ms"] == {"p50": 1.0, "p95": 2.0, "p99": 3.0, "samples": 9}
    assert body["machine"]["cpus"] >= 1
    table = results.table()
    assert "drain_vs_quix" in table and "2.000" in table and "p99=3.0" in table
