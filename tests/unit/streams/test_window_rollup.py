"""5-minute and local-day means combined from shorter windows: exact count-weighted means, revisions, the
Asia/Ho_Chi_Minh day, and windows closed once their late parts can no longer come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from streams.window_rollup import WindowRollup, combinations

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 in Huế


def part(kpi: str, start: datetime, size: timedelta, mean: float, count: int, lo: float, hi: float,
         revision: int = 0) -> dict[str, Any]:  # fmt: skip
    return {"kpi": kpi, "feed": "air_quality", "source": "S1", "metric": "pm25", "unit_code": "HUE.PHUHOI",
            "window_start": start.isoformat(), "window_end": (start + size).isoformat(), "value": mean,
            "count": count, "min": lo, "max": hi, "revision": revision}  # fmt: skip


def minute(m: int, mean: float, count: int, lo: float, hi: float, revision: int = 0) -> dict[str, Any]:
    return part("mean_60s", T0 + timedelta(minutes=m), timedelta(minutes=1), mean, count, lo, hi, revision)


def rollup() -> tuple[WindowRollup, dict[str, Any]]:
    state: dict[str, Any] = {}
    return WindowRollup(state, combinations(60, 120)), state


def test_five_minutes_is_the_count_weighted_mean_of_its_minutes() -> None:
    windows, _ = rollup()
    windows.add(minute(0, 10.0, 2, 8.0, 12.0))
    [combined] = windows.add(minute(1, 40.0, 1, 40.0, 40.0))
    # (10 * 2 + 40 * 1) / 3 = 20
    assert (combined["kpi"], combined["value"], combined["count"], combined["min"], combined["max"]) == (
        "mean_300s", 20.0, 3, 8.0, 40.0,
    )  # fmt: skip
    assert (
        combined["window_start"] == "2026-11-24T01:00:00+00:00"
        and combined["window_end"] == "2026-11-24T01:05:00+00:00"
    )
    assert combined["revision"] == 1
    [next_window] = windows.add(minute(5, 7.0, 1, 7.0, 7.0))
    assert next_window["window_start"] == "2026-11-24T01:05:00+00:00" and next_window["revision"] == 0


def test_a_revised_minute_replaces_its_part_and_a_repeat_changes_nothing() -> None:
    windows, _ = rollup()
    windows.add(minute(0, 10.0, 2, 8.0, 12.0))
    assert windows.add(minute(0, 10.0, 2, 8.0, 12.0)) == []  # the same revision again
    [revised] = windows.add(minute(0, 13.0, 3, 8.0, 19.0, revision=1))
    assert (revised["value"], revised["count"], revised["max"], revised["revision"]) == (13.0, 3, 19.0, 1)
    assert windows.add(minute(0, 10.0, 2, 8.0, 12.0, revision=0)) == []  # an older revision


def test_the_day_runs_from_midnight_to_midnight_in_vietnam() -> None:
    windows, _ = rollup()
    hour = timedelta(hours=1)
    late_evening = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 23:00 on the 24th in Huế
    [day] = windows.add(part("mean_3600s", late_evening, hour, 30.0, 60, 20.0, 40.0))
    assert (day["kpi"], day["window_start"], day["window_end"]) == (
        "mean_1d", "2026-11-23T17:00:00+00:00", "2026-11-24T17:00:00+00:00",
    )  # fmt: skip
    [next_day] = windows.add(part("mean_3600s", late_evening + hour, hour, 50.0, 60, 45.0, 55.0))  # 00:00 on the 25th
    assert next_day["window_start"] == "2026-11-24T17:00:00+00:00" and next_day["value"] == 50.0


def test_a_window_closes_once_its_parts_can_no_longer_come() -> None:
    windows, state = rollup()
    windows.add(minute(0, 10.0, 1, 10.0, 10.0))
    windows.add(minute(30, 10.0, 1, 10.0, 10.0))  # 25 minutes on: more than the lateness + 10 min
    assert windows.add(minute(1, 99.0, 1, 99.0, 99.0)) == []
    assert list(state["mean_300s|S1|pm25"]["windows"]) == [str((T0 + timedelta(minutes=30)).timestamp())]


def test_other_kpis_and_a_window_size_that_does_not_divide_five_minutes() -> None:
    windows, state = rollup()
    assert windows.add({"kpi": "vn_aqi_1h", "source": "S1", "metric": "aqi"}) == [] and state == {}
    assert [c.kpi for c in combinations(120, 120)] == ["mean_1d"]  # 2 minutes do not divide 5
    assert [c.kpi for c in combinations(60, 120)] == ["mean_300s", "mean_1d"]


def test_a_day_stays_open_to_a_late_revision_of_its_last_hour_after_the_next_day_began() -> None:
    """With two hours of lateness an hourly window can be revised after the next hour closed."""
    windows = WindowRollup({}, combinations(60, 7200))
    hour = timedelta(hours=1)
    last_hour = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 23:00-24:00 on the 24th in Huế
    windows.add(part("mean_3600s", last_hour, hour, 30.0, 60, 20.0, 40.0))
    windows.add(part("mean_3600s", last_hour + hour, hour, 50.0, 60, 45.0, 55.0))  # the 25th begins
    [revised] = windows.add(part("mean_3600s", last_hour, hour, 31.0, 61, 20.0, 41.0, revision=1))
    assert revised["window_start"] == "2026-11-23T17:00:00+00:00" and revised["value"] == 31.0
