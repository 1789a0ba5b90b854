"""The daily summary's parts, against figures worked out by hand."""

from __future__ import annotations

from datetime import date

from ioc import daily_summary
from ioc.sources import Source

GAUGE = Source("G1", ("hydro",), "Trạm Kim Long", "HUE.KIMLONG", 16.4, 107.5, {"alarm_levels": [1.0, 2.0, 3.5]})
STATION = Source("S1", ("air_quality",), "Trạm Lê Lợi", "HUE.PHUHOI", 16.4, 107.5)
KNOWN = {"G1": GAUGE, "S1": STATION}


def test_the_day_is_the_local_day() -> None:
    start, end = daily_summary.day_bounds(date(2026, 12, 3))
    assert start.isoformat() == "2026-12-03T00:00:00+07:00" and end.isoformat() == "2026-12-04T00:00:00+07:00"


def test_air_names_each_station_by_its_worst_hour_and_category() -> None:
    rows = [
        {"source": "S1", "aqi": 151.4, "at": "2026-12-03T01:00:00+00:00"},  # 151: Xấu / Bad
        {"source": "S2", "aqi": 42.0, "at": "2026-12-03T02:00:00+00:00"},
    ]
    result = daily_summary.air(rows, KNOWN)
    assert result["stations"] == 2
    assert result["reached"] == [{"vi": "Xấu", "en": "Bad", "stations": 1}, {"vi": "Tốt", "en": "Good", "stations": 1}]
    worst = result["worst"][0]
    assert (worst["source"], worst["name"], worst["aqi"], worst["category"]["vi"]) == ("S1", "Trạm Lê Lợi", 151, "Xấu")
    assert worst["at"] == "2026-12-03T08:00:00+07:00"  # shown in Asia/Ho_Chi_Minh
    assert result["worst"][1]["name"] is None  # a source without metadata keeps its id


def test_water_puts_the_highest_alarm_first_with_the_day_s_rain() -> None:
    levels = [
        {"source": "G1", "level": 2.345, "at": "2026-12-03T05:00:00+00:00"},
        {"source": "G2", "level": 4.0, "at": None},
    ]
    rain = [{"source": "G1", "mm": 87.25}, {"source": "G2", "mm": 3}]
    result = daily_summary.water(levels, rain, KNOWN)
    assert [(g["source"], g["alarm"], g["level"], g["rain_mm"]) for g in result["worst"]] == [
        ("G1", 2, 2.35, 87.2),  # level II; G2 has no alarm levels, so no alarm however high
        ("G2", 0, 4.0, 3.0),
    ]
    assert result["reached"] == {"2": 1} and result["rain_max_mm"] == 87.2


def test_traffic_lists_only_segments_that_were_congested() -> None:
    rows = [{"source": "R1", "minutes": 0}, {"source": "R2", "minutes": 95.0}, {"source": "R3", "minutes": 12}]
    result = daily_summary.traffic(rows, KNOWN)
    assert result["segments"] == 3 and result["congested"] == 2
    assert [(s["source"], s["congested_minutes"]) for s in result["worst"]] == [("R2", 95), ("R3", 12)]


def test_services_counts_default_to_zero() -> None:
    assert daily_summary.services([{"what": "done", "n": 4}]) == {
        "accepted": 0, "refused": 0, "done": 4, "feedback": 0, "payments": 0,
    }  # fmt: skip


def test_alerts_by_domain_and_the_median_time_to_acknowledge() -> None:
    raised = [{"domain": "air", "severity": "warning", "n": 3}, {"domain": "air", "severity": "critical", "n": 1},
              {"domain": "water", "severity": "info", "n": 2}]  # fmt: skip
    result = daily_summary.alerts(raised, 4, [{"domain": "water", "n": 1}], [4.0, 10.0, 30.5])
    assert result["raised"] == {"air": {"warning": 3, "critical": 1}, "water": {"info": 2}}
    assert (result["raised_total"], result["resolved"], result["open_at_end"]) == (6, 4, {"water": 1})
    assert (result["acknowledged"], result["ack_median_minutes"]) == (3, 10.0)
    assert daily_summary.alerts([], 0, [], [])["ack_median_minutes"] is None
