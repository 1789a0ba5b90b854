from datetime import UTC, datetime, timedelta
from typing import Any

from ioc.indicators.aqi import compute
from streams.hourly_aqi import HourlyAqi

H0 = datetime(2026, 11, 24, 0, tzinfo=UTC)


def mean(metric: str, hour: int, value: float, source: str = "S1", kpi: str = "mean_3600s") -> dict[str, Any]:
    start = H0 + timedelta(hours=hour)
    return {"kpi": kpi, "feed": "air_quality", "source": source, "metric": metric, "unit_code": "U1",
            "window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat(),
            "value": value, "count": 12, "min": value, "max": value, "revision": 0}  # fmt: skip


def engine() -> HourlyAqi:
    return HourlyAqi({}, "mean_3600s", {"air_quality"})


def test_other_kpis_feeds_and_metrics_are_ignored() -> None:
    aqi = engine()
    assert aqi.add(mean("pm25", 0, 30, kpi="mean_60s")) == []
    assert aqi.add({**mean("pm25", 0, 30), "feed": "traffic"}) == []
    assert aqi.add(mean("temperature", 0, 30)) == []
    assert aqi.add({**mean("pm25", 0, 30), "kpi": "vn_aqi_1h"}) == []


def test_each_new_hourly_mean_gives_the_hour_its_aqi_with_a_new_revision() -> None:
    aqi = engine()
    assert aqi.add(mean("pm25", 0, 30)) == []  # NowCast needs 2 of the 3 newest hours
    [first] = aqi.add(mean("pm25", 1, 40))
    # w = 30/40 = 0.75: (40 + 0.75*30) / 1.75 = 35.71 -> 2*(35.71-25)+50 = 71.4
    assert (first["value"], first["revision"], first["window_start"]) == (71.0, 0, "2026-11-24T01:00:00+00:00")
    assert first["detail"]["dominant"] == "pm25" and first["detail"]["category"] == "Trung bình"
    [second] = aqi.add(mean("o3", 1, 350))  # 300..400 -> 150..200: 0.5*50+150 = 175
    assert (second["value"], second["revision"], second["count"]) == (175.0, 1, 2)
    assert second["detail"]["dominant"] == "o3" and second["metric"] == "aqi"


def test_a_revised_old_hour_recomputes_the_hours_whose_nowcast_reads_it() -> None:
    aqi = engine()
    for hour in range(4):
        aqi.add(mean("pm25", hour, 20))
    revised = aqi.add(mean("pm25", 1, 80))
    assert [r["window_start"][11:13] for r in revised] == ["01", "02", "03"]
    expected = compute({"pm25": [20, 20, 80, 20]})  # hour 3: newest first
    assert revised[-1]["value"] == expected.aqi


def test_state_keeps_two_days() -> None:
    stations: dict[str, dict[str, Any]] = {}
    aqi = HourlyAqi(stations, "mean_3600s", {"air_quality"})
    for hour in range(60):
        aqi.add(mean("pm25", hour, 20))
    assert min(int(h) for h in stations["S1"]["hours"]["pm25"]) == int((H0 + timedelta(hours=11)).timestamp())


def test_the_daily_aqi_of_the_local_day_once_18_hours_of_pm_are_known() -> None:
    """24 Nov in Huế runs from 23 Nov 17:00 UTC (hour -7 here) to 24 Nov 17:00 UTC. PM2.5 at 30 µg/m³ every
    hour: the 24-hour mean 30 gives 50 + (30 - 25) * 50 / 25 = 60 (Decision 1459 breakpoints 25 and 50)."""
    aqi = engine()
    for hour in range(-7, 10):  # 17 hours: not enough for a daily PM value
        assert all(r["kpi"] == "vn_aqi_1h" for r in aqi.add(mean("pm25", hour, 30)))
    daily = [r for r in aqi.add(mean("pm25", 10, 30)) if r["kpi"] == "vn_aqi_1d"]
    assert [(r["value"], r["count"], r["revision"]) for r in daily] == [(60.0, 18, 0)]
    assert (daily[0]["window_start"], daily[0]["window_end"]) == (
        "2026-11-23T17:00:00+00:00",
        "2026-11-24T17:00:00+00:00",
    )
    # O3 350 µg/m³ for one hour: 1-hour sub-index 150 + (350 - 300) * 50 / 100 = 175 dominates the day
    [o3_day] = [r for r in aqi.add(mean("o3", 11, 350)) if r["kpi"] == "vn_aqi_1d"]
    assert (o3_day["value"], o3_day["revision"], o3_day["detail"]["dominant"]) == (175.0, 1, "o3")
    next_day = [r for r in aqi.add(mean("pm25", 17, 30)) if r["kpi"] == "vn_aqi_1d"]
    assert next_day == []  # 00:00 on the 25th: one hour of the new day


def test_an_older_revision_of_a_mean_arriving_late_is_ignored() -> None:
    aqi = engine()
    aqi.add(mean("pm25", 0, 20))
    [newer] = aqi.add({**mean("pm25", 1, 80), "revision": 2})
    assert aqi.add({**mean("pm25", 1, 40), "revision": 1}) == []
    [again] = aqi.add(mean("pm25", 2, 80))
    assert again["value"] == compute({"pm25": [80, 80, 20]}).aqi and newer["revision"] == 0
