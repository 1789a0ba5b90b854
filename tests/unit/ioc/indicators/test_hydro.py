"""Water indicators against values worked out by hand, with the alarm levels DOMAIN.md gives for the Hương
River at Kim Long (1.0 / 2.0 / 3.5 m) and its rainfall intensity bands (24 h: 16-50, 51-100, > 100 mm;
12 h: 8-25, 26-50, > 50 mm)."""

from __future__ import annotations

import pytest

from ioc.indicators.hydro import (
    Reading,
    alarm_level,
    hours_to_next_level,
    rain_class,
    rain_over,
    rate_cm_per_hour,
    status,
)

KIM_LONG = [1.0, 2.0, 3.5]
MIN = 60.0


@pytest.mark.parametrize(("level", "reached"), [(0.99, 0), (1.0, 1), (1.99, 1), (2.0, 2), (3.49, 2), (3.5, 3), (6, 3)])
def test_the_alarm_level_reached_counts_the_level_itself(level: float, reached: int) -> None:
    assert alarm_level(level, KIM_LONG) == reached


def test_the_rate_of_rise_runs_from_the_reading_an_hour_before() -> None:
    # 1.20 m at 0, 1.35 at 30 min, 1.50 at 60 min: (1.50 - 1.20) m over 1 h = 30 cm/h
    readings = [Reading(0, 1.20, None), Reading(30 * MIN, 1.35, None), Reading(60 * MIN, 1.50, None)]
    assert rate_cm_per_hour(readings) == pytest.approx(30.0)
    # at 90 min the reading at 0 is more than an hour old: from 1.35 at 30 min to 1.50 at 90 min, 15 cm/h
    later = [*readings, Reading(90 * MIN, 1.50, None)]
    assert rate_cm_per_hour(later) == pytest.approx((1.50 - 1.35) * 100 / 1.0)
    falling = [Reading(0, 2.0, None), Reading(45 * MIN, 1.7, None)]  # -30 cm over 0.75 h = -40 cm/h
    assert rate_cm_per_hour(falling) == pytest.approx(-40.0)


def test_less_than_half_an_hour_of_history_tells_no_rate() -> None:
    assert rate_cm_per_hour([Reading(0, 1.2, None), Reading(20 * MIN, 1.4, None)]) is None
    assert rate_cm_per_hour([Reading(0, None, 3.0)]) is None


def test_the_time_to_the_next_level_at_the_current_rate() -> None:
    # 1.50 m rising 30 cm/h: level II (2.0 m) is 50 cm away, 50 / 30 = 1.67 h
    assert hours_to_next_level(1.50, 30.0, KIM_LONG) == pytest.approx(50 / 30)
    assert hours_to_next_level(2.0, 50.0, KIM_LONG) == pytest.approx(1.5 * 100 / 50)  # at II: III is next
    assert hours_to_next_level(1.50, -5.0, KIM_LONG) is None  # falling
    assert hours_to_next_level(1.50, None, KIM_LONG) is None
    assert hours_to_next_level(3.6, 20.0, KIM_LONG) is None  # above III: no next level
    assert hours_to_next_level(1.50, 10.0, []) is None  # no alarm levels


def test_rain_accumulates_over_the_hours_ending_at_now() -> None:
    hour = 60 * MIN
    readings = [Reading(-25 * hour, None, 99.0), Reading(-23 * hour, None, 10.0), Reading(-2 * hour, None, 5.0),
                Reading(-30 * MIN, None, 2.5), Reading(0, None, 1.5)]  # fmt: skip
    assert rain_over(readings, 0, 1) == pytest.approx(4.0)  # the readings at -30 min and now
    assert rain_over(readings, 0, 3) == pytest.approx(9.0)
    assert rain_over(readings, 0, 24) == pytest.approx(19.0)  # 25 h ago is outside


@pytest.mark.parametrize(
    ("mm", "hours", "expected"),
    [(15.9, 24, "light"), (16, 24, "moderate"), (50, 24, "moderate"), (50.4, 24, "heavy"), (51, 24, "heavy"),
     (100, 24, "heavy"), (100.5, 24, "very_heavy"), (7.9, 12, "light"), (8, 12, "moderate"), (25, 12, "moderate"),
     (25.1, 12, "heavy"), (26, 12, "heavy"), (50, 12, "heavy"), (51, 12, "very_heavy")],
)  # fmt: skip
def test_rainfall_intensity_classes(mm: float, hours: int, expected: str) -> None:
    assert rain_class(mm, hours) == expected


def test_the_status_at_the_newest_reading() -> None:
    readings = [Reading(0, 1.20, 20.0), Reading(30 * MIN, 1.35, 12.0), Reading(60 * MIN, 1.50, 20.0)]
    assert status(readings, KIM_LONG) == {
        "level": 1.50, "alarm": 1, "rate_cm_h": 30.0, "hours_to_next": 1.67,
        "rain_mm": {"1h": 32.0, "3h": 52.0, "12h": 52.0, "24h": 52.0},
        "rain_class_12h": "very_heavy", "rain_class_24h": "heavy",
    }  # fmt: skip
    assert status([Reading(0, None, 4.0)], KIM_LONG) is None
