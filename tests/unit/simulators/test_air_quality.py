from datetime import UTC, datetime, timedelta

from ioc.envelope import parse_envelope
from ioc.feeds import registry
from simulators.air_quality import STATIONS, diurnal, readings_between

START = datetime(2026, 11, 24, 0, 0, 2, tzinfo=UTC)
END = START + timedelta(minutes=2)


def test_same_seed_same_records_whenever_it_runs() -> None:
    first = readings_between(42, START, END, 5)
    again = readings_between(42, START + timedelta(seconds=60), END, 5)
    assert [e.to_bytes() for e in first[-len(again) :]] == [e.to_bytes() for e in again]
    assert readings_between(43, START, END, 5)[0].values != first[0].values


def test_readings_are_aligned_and_cover_every_station() -> None:
    readings = readings_between(42, START, END, 5)
    assert len(readings) == len(STATIONS) * 24
    assert all(e.ts.timestamp() % 5 == 0 and START <= e.ts < END for e in readings)
    assert {e.source for e in readings} == {s.id for s in STATIONS}


def test_every_reading_passes_validation() -> None:
    kind = registry()["air_quality"]
    for env in readings_between(42, START, START + timedelta(hours=24), 600):
        parsed = parse_envelope(env.to_bytes(), kind, END + timedelta(days=1), timedelta(0))
        assert parsed == env
        assert env.values["pm10"] >= env.values["pm25"]


def test_rush_hours_are_dirtier_than_the_afternoon() -> None:
    local = datetime(2026, 11, 24, tzinfo=UTC)
    assert diurnal(local.replace(hour=8)) > diurnal(local.replace(hour=14)) < diurnal(local.replace(hour=18))
