"""Roll-ups per admin unit and province from each source's newest status, worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ioc.rollup import rollup

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def row(kpi: str, source: str, unit: str, value: float, minutes_ago: int, **detail: Any) -> dict[str, Any]:
    return {"kpi": kpi, "source": source, "unit_code": unit, "value": value, "detail": detail or None,
            "window_end": (NOW - timedelta(minutes=minutes_ago)).isoformat()}  # fmt: skip


ROWS = [
    row("vn_aqi_1h", "S1", "HUE.PHUHOI", 162.4, 30),
    row("vn_aqi_1h", "S2", "HUE.PHUHOI", 48.0, 30),
    row("vn_aqi_1h", "S3", "HUE.KIMLONG", 90.0, 200),  # over 2 hours old: not current
    row("water_status", "G1", "HUE.KIMLONG", 2.2, 5, alarm=2, rate_cm_h=12.0),
    row("water_status", "G2", "HUE.KIMLONG", 0.8, 5, alarm=0, rate_cm_h=30.0),
    row("traffic_status", "R1", "HUE.PHUHOI", 0.2, 10, los="F", congested=1.0),
    row("traffic_status", "R2", "HUE.PHUHOI", 0.9, 10, los="A", congested=0.0),
    row("traffic_status", "R3", "HUE.PHUHOI", 0.8, 40, los="B", congested=0.0),  # over 30 min old
    row("mean_60s", "S1", "HUE.PHUHOI", 55.0, 1),  # means are not statuses
]


def test_per_unit() -> None:
    kim_long, phu_hoi = rollup(ROWS, NOW, "unit")
    assert kim_long == {
        "area": "HUE.KIMLONG", "air": None, "traffic": None,
        "water": {"gauges": 2, "alarm": 2, "source": "G1", "rate_cm_h": 30.0},
    }  # fmt: skip
    assert phu_hoi["air"] == {"stations": 2, "aqi": 162, "category": {"vi": "Xấu", "en": "Bad"}, "source": "S1"}
    assert phu_hoi["traffic"] == {"segments": 2, "los": {"A": 1, "F": 1}, "congested": 1}


def test_per_province_every_unit_counts_once() -> None:
    [hue] = rollup(ROWS, NOW, "province")
    assert hue["area"] == "HUE" and hue["air"]["stations"] == 2 and hue["water"]["gauges"] == 2
    assert hue["traffic"]["segments"] == 2


def test_a_row_without_a_unit_takes_its_source_s_and_one_without_either_is_left_out() -> None:
    assert rollup([row("vn_aqi_1h", "S9", "", 40.0, 1)], NOW, "unit") == []
    [area] = rollup([row("vn_aqi_1h", "S9", "", 40.0, 1)], NOW, "unit", {"S9": "HUE.ANCUU"})
    assert area["area"] == "HUE.ANCUU" and area["air"]["aqi"] == 40
