"""Figures of one benchmark run: percentiles, ratios, the printed table and the JSON file (pure but for the write)."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np


def percentiles(samples_ms: list[float]) -> dict[str, float | int | None]:
    """p50/p95/p99 (ms, 1 decimal) and the sample count; None when there is no sample."""
    if not samples_ms:
        return {"p50": None, "p95": None, "p99": None, "samples": 0}
    p50, p95, p99 = np.percentile(np.asarray(samples_ms), [50, 95, 99])
    return {
        "p50": round(float(p50), 1),
        "p95": round(float(p95), 1),
        "p99": round(float(p99), 1),
        "samples": len(samples_ms),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


@dataclass
class Results:
    """Everything one run measured; ``stages`` holds the raw figures of each stage by name."""

    workload: dict[str, Any]
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rate(self, stage: str) -> float | None:
        value = self.stages.get(stage, {}).get("records_per_s")
        return float(value) if value else None

    def ratios(self) -> dict[str, float | None]:
        drain = self.rate("drain")
        return {
            "drain_vs_client_ceiling": ratio(drain, self.rate("client_ceiling")),
            "drain_vs_db_ceiling": ratio(drain, self.rate("db_ceiling")),
            "drain_vs_quix": ratio(drain, self.rate("peer_quix")),
            "two_workers_vs_one": ratio(self.rate("drain_two_workers"), drain),
            "simulator_vs_target": ratio(self.rate("simulator"), self.stages.get("simulator", {}).get("target_rate")),
        }

    def latency(self) -> dict[str, Any]:
        """Produce → websocket delivery of the steady stage (the figure the targets name)."""
        return dict(self.stages.get("steady", {}).get("produce_to_ws_ms") or percentiles([]))

    def to_json(self) -> dict[str, Any]:
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "workload": self.workload,
            "ratios": self.ratios(),
            "latency_ms": self.latency(),
            "stages": self.stages,
        }

    def table(self) -> str:
        """The printed summary: one line per stage, then the ratios."""
        lines = [f"{'stage':<22} {'records/s':>11}  details"]
        for name, figures in self.stages.items():
            rate = figures.get("records_per_s")
            shown = f"{rate:>11,.0f}" if rate else f"{'-':>11}"
            details = ", ".join(f"{k}={_short(v)}" for k, v in figures.items() if k != "records_per_s")
            lines.append(f"{name:<22} {shown}  {details}")
        lines.append("")
        for name, value in self.ratios().items():
            lines.append(f"{name:<26} {'-' if value is None else f'{value:.3f}'}")
        latency = self.latency()
        lines.append(f"{'produce→screen ms':<26} p50={latency['p50']} p95={latency['p95']} p99={latency['p99']}")
        return "\n".join(lines)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")
        return path


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + " ".join(f"{k}:{_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    import os

    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_1m_at_end": round(load[0], 2),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }
