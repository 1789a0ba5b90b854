"""Reading replay files (JSONL, CSV) into records, and pacing them."""

from datetime import UTC, datetime, timedelta

import pytest

from ioc.feeds import registry
from ioc.replay import ReplayError, checked, read_csv, read_jsonl, schedule

KINDS = registry()
NOW = datetime(2026, 11, 24, 8, tzinfo=UTC)


def test_jsonl_lines_take_their_own_feed_or_the_default() -> None:
    text = '{"feed": "hydro", "source": "G"}\n\n{"source": "A"}\nnot json\n'
    rows = read_jsonl(text, "air_quality", KINDS)
    assert [(line, feed) for line, feed, _ in rows] == [(1, "hydro"), (3, "air_quality"), (4, "air_quality")]
    with pytest.raises(ReplayError, match="line 1: no feed"):
        read_jsonl('{"source": "A"}', None, KINDS)
    with pytest.raises(ReplayError, match="line 2: feed 'noise' is not declared"):
        read_jsonl('{"feed": "hydro"}\n{"feed": "noise"}', None, KINDS)


def test_csv_columns_become_values_attributes_and_geo() -> None:
    text = (
        "source,ts,id,payment_id,status,method,amount,lat,lon\n"
        "HUE-AG-STP,2026-11-24T08:00:00+07:00,P-1,P-1,1,qr,150000,16.46,107.59\n"
        "HUE-AG-STP,2026-11-24T08:01:00+07:00,P-2,P-2,9,qr,lots,,\n"
    )
    rows = read_csv(text, KINDS["payment"])
    records = checked(rows, KINDS, NOW, timedelta(minutes=10))
    assert [r.line for r in records] == [2, 3]
    assert records[0].checked.error is None and records[0].ts == datetime(2026, 11, 24, 1, tzinfo=UTC)
    assert b'"attributes":{"payment_id":"P-1","status":1,"method":"qr"}' in records[0].checked.raw
    assert b'"geo":{"lat":16.46,"lon":107.59}' in records[0].checked.raw
    assert records[1].checked.error is not None and records[1].checked.error.field == "values.amount"


def test_csv_header_problems_name_the_columns() -> None:
    with pytest.raises(ReplayError, match="needs the columns ts"):
        read_csv("source,pm25\nA,1\n", KINDS["air_quality"])
    with pytest.raises(ReplayError, match="noise, speed not in feed 'air_quality'"):
        read_csv("source,ts,noise,speed\n", KINDS["air_quality"])


def test_schedule_keeps_the_event_spacing_sped_up_and_caps_the_rate() -> None:
    times = [NOW, NOW + timedelta(seconds=60), None, NOW + timedelta(seconds=120)]
    assert schedule(times, None, None) == [0, 0, 0, 0]
    assert schedule(times, 60, None) == [0, 1, 1, 2]  # a minute of event time per second
    assert schedule(times, None, 2) == [0, 0.5, 1, 1.5]
    assert schedule(times, 60, 1) == [0, 1, 2, 3]  # the slower of the two
    assert schedule([NOW + timedelta(seconds=10), NOW], 1, None) == [0, 0]  # never back in time
