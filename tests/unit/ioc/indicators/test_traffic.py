"""Level of service A-F against the thresholds of HCM 2010 exhibit 16-4 (urban street travel speed as a share
of the base free-flow speed: A > 85 %, B > 67-85 %, C > 50-67 %, D > 40-50 %, E > 30-40 %, F <= 30 %)."""

from __future__ import annotations

import pytest

from ioc.indicators.traffic import free_flow_of, level_of_service, speed_ratio
from ioc.sources import Source


@pytest.mark.parametrize(
    ("speed", "los"),
    [(40, "A"), (34.4, "A"), (34, "B"), (26.9, "B"), (26.8, "C"), (20.1, "C"), (20, "D"), (16.1, "D"), (16, "E"),
     (12.1, "E"), (12, "F"), (0, "F")],
)  # fmt: skip
def test_level_of_service_on_a_40_km_h_street(speed: float, los: str) -> None:
    # 34 km/h is exactly 85 % of 40: not above it, so B; 12 km/h is exactly 30 %: F
    ratio = speed_ratio(speed, 40.0)
    assert ratio is not None and level_of_service(ratio) == los


def test_a_segment_without_a_free_flow_speed_has_no_ratio() -> None:
    assert speed_ratio(30.0, None) is None
    street = Source("R1", ("traffic",), "Lê Lợi", "HUE.PHUHOI", 16.4, 107.5, {"free_flow_speed": 40})
    assert free_flow_of(street) == 40.0
    assert free_flow_of(Source("R2", ("traffic",), "x", "HUE", 0, 0)) is None and free_flow_of(None) is None
