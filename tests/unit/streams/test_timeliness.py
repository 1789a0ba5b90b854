"""Each agency's Decision 766 timeliness as a KPI record: the ratio the index scores, only with enough dossiers."""

from __future__ import annotations

from datetime import datetime

from ioc.indicators.public_services import LOCAL, AgencyFigures
from streams.timeliness import KPI, MIN_RECEIVED, timeliness_kpis

SINCE = datetime(2026, 11, 1, tzinfo=LOCAL)
AT = datetime(2026, 11, 24, 17, 0, tzinfo=LOCAL)


def agency(name: str, received: int, good: int) -> AgencyFigures:
    counts = {"received": received, "early": 0, "on_time": good, "late": received - good, "in_time": 0, "overdue": 0}
    return AgencyFigures(name, counts, {"timeliness": good / received if received else None}, [])


def test_the_ratio_of_agencies_with_enough_dossiers() -> None:
    figures = {"A": agency("A", 20, 17), "B": agency("B", MIN_RECEIVED - 1, 0), "C": agency("C", 0, 0)}
    [record] = timeliness_kpis(figures, SINCE, AT, {"A": "HUE.PHUHOI"})
    assert (record["kpi"], record["source"], record["metric"], record["value"], record["count"]) == (
        KPI, "A", "timeliness", 0.85, 20,
    )  # fmt: skip
    assert record["unit_code"] == "HUE.PHUHOI" and record["detail"]["late"] == 3
    assert record["window_start"] == "2026-11-01T00:00:00+07:00" and record["revision"] == int(AT.timestamp())
