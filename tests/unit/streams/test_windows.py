from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.envelope import Envelope
from streams.windows import CHUNK_IDS, TumblingMeans, window_bounds

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def env(seconds: float, pm25: float, source: str = "S1", record_id: str | None = None) -> Envelope:
    ts = T0 + timedelta(seconds=seconds)
    return Envelope("air_quality", source, ts, {"pm25": pm25}, record_id or f"{source}|{seconds}|{pm25}")


def engine(lateness: int = 120) -> TumblingMeans:
    return TumblingMeans({}, {}, {}, size=60, lateness=lateness, metrics_of={"air_quality": ("pm25", "pm10")})


def feed(means: TumblingMeans, records: list[tuple[float, float]], partition: int = 0) -> list[dict[str, Any]]:
    out = []
    for seconds, value in records:
        out.extend(means.add(env(seconds, value), partition))
    return out


def test_window_bounds_align_to_the_minute() -> None:
    assert window_bounds(T0.timestamp() + 59.9, 60) == (T0.timestamp(), T0.timestamp() + 60)


def test_window_is_emitted_once_event_time_reaches_its_end() -> None:
    means = engine()
    assert feed(means, [(0, 10), (30, 20), (59, 30)]) == []
    [record] = means.add(env(60, 99), 0)
    assert record["value"] == 20.0
    assert (record["count"], record["min"], record["max"], record["revision"]) == (3, 10, 30, 0)
    assert record["window_start"] == "2026-11-24T01:00:00+00:00"
    assert record["window_end"] == "2026-11-24T01:01:00+00:00"
    assert record["kpi"] == "mean_60s"


def test_late_record_within_lateness_re_emits_with_next_revision() -> None:
    means = engine(lateness=120)
    out = feed(means, [(10, 10), (70, 50), (20, 30)])
    assert [(r["window_start"][-14:-6], r["value"], r["revision"]) for r in out] == [
        ("01:00:00", 10.0, 0),
        ("01:00:00", 20.0, 1),
    ]


def test_window_opened_behind_the_watermark_is_emitted_by_flush_once() -> None:
    means = engine(lateness=3600)
    means.add(env(600, 1, "NEW"), 0)  # newer data on the partition first: nothing more may ever come
    assert means.add(env(10, 10, "OLD"), 0) == []
    assert means.add(env(20, 30, "OLD"), 0) == []
    [record] = means.flush()
    assert (record["source"], record["value"], record["count"], record["revision"]) == ("OLD", 20.0, 2, 0)
    assert means.flush() == []  # once
    assert means.add(env(601, 1, "NEW"), 0) == []  # moving the watermark does not emit it again
    [late] = means.add(env(30, 50, "OLD"), 0)  # a later record re-emits it, as for any emitted window
    assert (late["value"], late["count"], late["revision"]) == (30.0, 3, 1)


class ReadOnlyDuringFlush(dict[str, Any]):
    """A Faust table refuses writes outside stream iteration, where the flush timer runs."""

    frozen = False

    def __setitem__(self, key: str, value: Any) -> None:
        assert not self.frozen, "flush wrote to the table"
        super().__setitem__(key, value)


def test_flush_does_not_write_the_table_and_the_next_record_records_the_emission() -> None:
    windows = ReadOnlyDuringFlush()
    means = TumblingMeans(windows, {}, {}, size=60, lateness=3600, metrics_of={"air_quality": ("pm25",)})
    means.add(env(600, 1, "NEW"), 0)
    means.add(env(10, 10, "OLD"), 0)
    windows.frozen = True
    assert len(means.flush()) == 1
    windows.frozen = False
    means.add(env(1000, 1, "NEW"), 0)  # moves the clock past another window boundary: no second emission
    [late] = means.add(env(20, 30, "OLD"), 0)
    assert late["revision"] == 1
    assert all(state["emitted"] for key, state in windows.items() if "|OLD|" in key)
    assert means.flush() == []


def test_flush_leaves_windows_the_clock_has_not_passed() -> None:
    means = engine()
    means.add(env(10, 10), 0)
    assert means.flush() == []


def test_record_beyond_lateness_is_counted_not_aggregated() -> None:
    means = engine(lateness=60)
    out = feed(means, [(10, 10), (200, 50), (20, 999)])
    assert all(r["value"] != (10 + 999) / 2 for r in out)
    assert means.too_late == 1


def test_repeated_records_are_skipped() -> None:
    means = engine()
    means.add(env(10, 10), 0)
    means.add(env(20, 30), 0)
    means.add(env(20, 30), 0)  # the same record again: a redelivery after a restart, or a replay
    [record] = means.add(env(61, 1), 0)
    assert (record["value"], record["count"]) == (20.0, 2)
    assert means.duplicates == 1


def test_partitions_have_their_own_watermarks() -> None:
    means = engine(lateness=0)
    means.add(env(10, 10, "A"), 0)
    means.add(env(500, 10, "B"), 1)  # far ahead, but on another partition
    assert means.add(env(20, 30, "A"), 0) == []
    assert means.too_late == 0


def test_state_is_forgotten_after_the_lateness() -> None:
    means = engine(lateness=60)
    feed(means, [(10, 1), (70, 1), (130, 1), (190, 1)])
    starts = sorted(state["start"] for state in means.windows.values())
    assert starts == [T0.timestamp() + 120, T0.timestamp() + 180]
    assert sorted(entry["end"] for entry in means.seen.values()) == [T0.timestamp() + 180, T0.timestamp() + 240]


READINGS = st.lists(
    st.tuples(st.floats(0, 599, allow_nan=False), st.integers(0, 500).map(float)), min_size=1, max_size=60
)


def final_windows(means: TumblingMeans, records: list[tuple[float, float]]) -> dict[str, tuple[float, int, float]]:
    """The last emission of each window once a record far ahead has closed them all: (mean, count, max)."""
    closer = T0 + timedelta(seconds=2000)
    latest: dict[str, tuple[float, int, float]] = {}
    for record in [*feed(means, records), *means.add(env(2000, 0), 0), *means.flush()]:
        if record["window_end"] <= closer.isoformat():  # the closer's own window stays open
            latest[record["window_start"]] = (round(record["value"], 9), record["count"], record["max"])
    return latest


@settings(max_examples=200, deadline=None)
@given(data=st.data(), records=READINGS)
def test_same_final_windows_whatever_the_order_within_lateness(data: st.DataObject, records: list) -> None:
    shuffled = data.draw(st.permutations(records))
    in_order = sorted(records)
    assert final_windows(engine(lateness=600), shuffled) == final_windows(engine(lateness=600), in_order)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), records=READINGS)
def test_a_record_sent_again_changes_no_window(data: st.DataObject, records: list) -> None:
    again = data.draw(st.lists(st.sampled_from(records), max_size=10))
    order = data.draw(st.permutations([*records, *again]))
    assert final_windows(engine(lateness=600), order) == final_windows(engine(lateness=600), sorted(set(records)))


def test_ids_restored_from_the_tables_after_a_restart_are_forgotten_too() -> None:
    """A new process (a restart, a rebalance) knows the kept ids only from the table: they still expire."""
    windows: dict[str, Any] = {}
    watermarks: dict[str, float] = {}
    seen: dict[str, dict[str, Any]] = {}
    first = TumblingMeans(windows, watermarks, seen, size=60, lateness=60, metrics_of={"air_quality": ("pm25",)})
    for seconds in (10, 20, 70):
        first.add(env(seconds, 1), 0)
    assert [len(entry["ids"]) for entry in seen.values()] == [2, 1]  # one entry per window end
    restarted = TumblingMeans(windows, watermarks, seen, size=60, lateness=60, metrics_of={"air_quality": ("pm25",)})
    assert restarted.add(env(15, 1, record_id="S1|10|1"), 0) == []  # a redelivery after the restart
    assert restarted.duplicates == 1
    restarted.add(env(190, 1), 0)
    assert sorted(entry["end"] for entry in seen.values()) == [T0.timestamp() + 240]


def test_ids_are_kept_in_entries_of_at_most_chunk_ids() -> None:
    """A batch rewrites the few entries it filled, whatever the window's record count."""
    means = TumblingMeans({}, {}, {}, size=3600, lateness=60, metrics_of={"air_quality": ("pm25",)})
    for n in range(CHUNK_IDS * 2 + 1):
        means.add(env(n, 1, record_id=f"r{n}"), 0)
    assert sorted(len(entry["ids"]) for entry in means.seen.values()) == [1, CHUNK_IDS, CHUNK_IDS]
    assert means.add(env(5, 1, record_id="r0"), 0) == [] and means.duplicates == 1
