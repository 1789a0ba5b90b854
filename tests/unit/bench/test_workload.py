from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bench.workload import CLOSER_DELAY, generate, live_reading
from ioc.envelope import parse_envelope
from ioc.feeds import registry

END = datetime(2026, 11, 24, 3, 0, 0, tzinfo=UTC)


def test_every_message_is_a_valid_record_of_the_prefixed_stations() -> None:
    workload = generate(200, 7, "bx-", END)
    kind = registry()["air_quality"]
    envelopes = [parse_envelope(value, kind, END, timedelta(minutes=10)) for _, value in workload.messages]
    assert workload.records == len(workload.messages) == len(envelopes)
    assert {e.source for e in envelopes} == set(workload.sources)
    assert all(s.startswith("bx-") for s in workload.sources)
    assert workload.observation_rows == sum(len(e.values) for e in envelopes)
    assert max(e.ts for e in envelopes) <= END
    assert len({e.id for e in envelopes}) == len(envelopes)


def test_expected_windows_counted_by_hand() -> None:
    """25 readings a station, one a second, ending at 02:55:00 (02:54:36 to 02:55:00): the minutes 02:54 and 02:55,
    six KPI metrics; the closers at 03:00:00 open windows of their own, not counted."""
    stations = len(generate(20, 7, "bx-", END).sources)
    workload = generate(25 * stations, 7, "bx-", END)
    assert workload.kpi_windows == stations * 6 * 2
    closers = workload.messages[-stations:]
    assert {datetime.fromisoformat(json.loads(v)["ts"]) for _, v in closers} == {END}
    assert CLOSER_DELAY > timedelta(minutes=3)  # past the allowed lateness (2 min) and a window


def test_same_seed_same_messages() -> None:
    assert generate(100, 3, "p-", END).messages == generate(100, 3, "p-", END).messages


def test_live_reading_is_stamped_with_its_time_and_unique() -> None:
    now = datetime.now(UTC)
    key, value = live_reading(1, "s-", 5, now)
    body = json.loads(value)
    assert key.decode() == body["source"] and body["source"].startswith("s-")
    assert datetime.fromisoformat(body["ts"]) == now
    assert body["id"] == "s-5"
