"""Fault injection: the spec and its errors, the same faults for the same seed, and what each fault does to a
known stream (shares within bounds, runs of a silent or stuck source, late and reordered records, duplicate
ids, malformed bytes the validator rejects)."""

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from ioc.envelope import Envelope, RecordError, default_id, parse_envelope
from ioc.feeds import registry
from simulators import dossier
from simulators.faults import MALFORMED, Faults, FaultSpecError, Message, message, parse_spec
from simulators.lifecycles import OfficeClock, Player
from simulators.scenario import NORMAL

T0 = datetime(2026, 11, 24, tzinfo=UTC)
SOURCES = 8
TICKS = 2500  # 20,000 records
KINDS = registry()


def reading(source: int, tick: int) -> Envelope:
    """A station's reading each minute, with values that change every minute (a repeat is a stuck sensor)."""
    ts = T0 + timedelta(minutes=tick)
    values = {"pm25": float(10 + (7 * tick + source) % 50), "pm10": float(30 + tick % 11)}
    return Envelope("air_quality", f"ST-{source}", ts, values, default_id(f"ST-{source}", "air_quality", ts))


@cache
def stream(ticks: int = TICKS) -> list[Envelope]:
    return [reading(s, k) for k in range(ticks) for s in range(SOURCES)]


def play(spec: str, seed: int = 42) -> tuple[list[Message], Faults]:
    """The messages of the stream, then those still held at its end."""
    out, held, faults = played(spec, seed)
    return out + held, faults


def played(spec: str, seed: int = 42) -> tuple[list[Message], list[Message], Faults]:
    """The messages of the stream, those still held at its end."""
    faults = Faults(parse_spec(spec), seed)
    out = list(faults.apply(stream()))
    return out, faults.drain(), faults


def body(msg: Message) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(msg.value)
    return record


def near(count: int, share: float, total: int = SOURCES * TICKS, slack: float = 0.3) -> bool:
    return (1 - slack) * share * total <= count <= (1 + slack) * share * total


def test_a_spec_reads_name_share_pairs() -> None:
    assert parse_spec("dropout=0.05, late = 0.02,malformed=1") == {"dropout": 0.05, "late": 0.02, "malformed": 1.0}
    assert parse_spec("") == {} and parse_spec(" , ") == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("drop=0.1", "'drop=0.1': unknown fault 'drop'; the faults are dropout, stuck"),
        ("late=0.1,late", "'late': expected name=share"),
        ("late=2", "'late=2': the share of records must be a number from 0 to 1"),
        ("spike=-0.1", "'spike=-0.1': the share"),
        ("spike=often", "'spike=often': the share"),
        ("late=0.1,late=0.2", "'late=0.2': late is given twice"),
    ],
)
def test_a_bad_spec_names_the_bad_part(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match="^" + message.replace("(", r"\(")):
        parse_spec(spec)


def test_no_faults_sends_every_record_as_it_is() -> None:
    out, faults = play("")
    assert out == [message(env) for env in stream()]
    assert faults.counts == {}


def test_the_same_seed_gives_the_same_faults_and_another_seed_others() -> None:
    spec = "dropout=0.05,stuck=0.01,spike=0.01,late=0.02,reorder=0.02,duplicate=0.01,malformed=0.01"
    first, faults = play(spec)
    again, faults_again = play(spec)
    assert first == again and faults.counts == faults_again.counts
    other, _ = play(spec, seed=43)
    assert other != first


def test_a_fault_falls_on_the_same_records_whatever_else_the_spec_holds() -> None:
    late_alone, _ = play("late=0.02")
    with_duplicates, _ = play("late=0.02,duplicate=0.05,spike=0.05")

    assert {r["id"] for r, _ in behind(late_alone)} == {r["id"] for r, _ in behind(with_duplicates)}


def runs(flags: list[bool]) -> list[int]:
    """Lengths of the runs of True, but a run still going at the end."""
    lengths, current = [], 0
    for flag in flags:
        if flag:
            current += 1
        elif current:
            lengths.append(current)
            current = 0
    return lengths


def behind(out: list[Message]) -> list[tuple[dict[str, Any], timedelta]]:
    """The records sent after a newer one, with how far behind the newest they are."""
    newest, found = T0 - timedelta(days=1), []
    for record in map(body, out):
        ts = datetime.fromisoformat(record["ts"])
        if ts < newest:
            found.append((record, newest - ts))
        newest = max(newest, ts)
    return found


def test_dropout_silences_a_source_for_several_records_in_a_row() -> None:
    out, faults = play("dropout=0.05")
    sent = {body(m)["id"] for m in out}
    assert near(faults.counts["dropout"], 0.05) and len(out) == SOURCES * TICKS - faults.counts["dropout"]
    by_source = defaultdict(list)
    for env in stream():
        by_source[env.source].append(env.id not in sent)
    lengths = [n for flags in by_source.values() for n in runs(flags)]
    assert lengths and min(lengths) >= 3  # never a single record: an outage of several intervals


def test_stuck_repeats_the_values_before_the_episode_for_several_records() -> None:
    out, faults = play("stuck=0.05")
    assert len(out) == SOURCES * TICKS and near(faults.counts["stuck"], 0.05)
    previous: dict[str, dict[str, float]] = {}
    by_source = defaultdict(list)
    for msg in out:
        record = body(msg)
        by_source[record["source"]].append(record["values"] == previous.get(record["source"]))
        previous[record["source"]] = record["values"]
    assert sum(map(sum, by_source.values())) == faults.counts["stuck"]
    assert min(n for flags in by_source.values() for n in runs(flags)) >= 2  # a hung sensor, not a coincidence


def test_spike_multiplies_one_metric_by_5_to_10() -> None:
    out, faults = play("spike=0.02")
    original = {env.id: env.values for env in stream()}
    spiked = 0
    for msg in out:
        record = body(msg)
        changed = {
            k: v / original[record["id"]][k] for k, v in record["values"].items() if v != original[record["id"]][k]
        }
        if changed:
            spiked += 1
            assert len(changed) == 1 and 4.99 <= next(iter(changed.values())) <= 10.01
    assert spiked == faults.counts["spike"] and near(spiked, 0.02)


def test_late_records_come_after_their_window_with_their_own_time() -> None:
    out, held, faults = played("late=0.02")
    assert near(faults.counts["late"], 0.02) and len(out + held) == SOURCES * TICKS
    late = behind(out)
    assert all(by >= timedelta(seconds=90) for _, by in late)  # after a record 90 s newer: past its 1-min window
    assert len(late) + len(held) == faults.counts["late"]  # the last ones are sent at the end
    assert {body(m)["id"] for m in out + held} == {env.id for env in stream()}


def test_reorder_sends_a_record_right_after_the_next_one_of_its_source() -> None:
    out, held, faults = played("reorder=0.02")
    assert near(faults.counts["reorder"], 0.02) and len(out + held) == SOURCES * TICKS
    last: dict[str, datetime] = {}
    backwards = 0
    for record in map(body, out):
        ts = datetime.fromisoformat(record["ts"])
        if record["source"] in last and ts < last[record["source"]]:
            backwards += 1
            assert last[record["source"]] - ts == timedelta(minutes=1)  # swapped with the next one
        last[record["source"]] = max(ts, last.get(record["source"], ts))
    assert backwards + len(held) == faults.counts["reorder"]  # a source's last record has no next one


def test_duplicate_sends_the_same_record_twice_with_the_same_id() -> None:
    out, faults = play("duplicate=0.02")
    ids = Counter(body(m)["id"] for m in out)
    twice = {i for i, n in ids.items() if n == 2}
    assert len(twice) == faults.counts["duplicate"] and near(len(twice), 0.02) and max(ids.values()) == 2
    firsts = [n for n, m in enumerate(out) if body(m)["id"] in twice and (n == 0 or out[n - 1] != m)]
    assert all(out[n + 1] == out[n] for n in firsts)  # the same bytes again, right away


def event_records() -> list[Envelope]:
    since = datetime(2026, 9, 1, tzinfo=UTC)
    player = Player(dossier.lives(42, NORMAL, OfficeClock(), dossier.AGENCIES[:3]), dossier.LIFETIME_DAYS, since)
    return player.between(since, since + timedelta(days=5))


@pytest.mark.parametrize("records", [stream(100), event_records()], ids=["readings", "events"])
def test_malformed_bytes_cycle_through_the_kinds_and_are_rejected_on_the_feeds_topic(records: list[Envelope]) -> None:
    faults = Faults({"malformed": 0.2}, 42)
    out = list(faults.apply(records)) + faults.drain()
    now = max(env.ts for env in records)
    good = {message(env).value for env in records}
    rules = []
    for msg in out:
        kind = KINDS[msg.feed]
        assert (msg.feed, msg.key.decode()) in {(env.feed, env.source) for env in records}
        if msg.value in good:
            parse_envelope(msg.value, kind, now, timedelta(minutes=10))
            continue
        with pytest.raises(RecordError) as rejected:
            parse_envelope(msg.value, kind, now, timedelta(minutes=10))
        rules.append(rejected.value.rule)
    assert len(rules) == faults.counts["malformed"] >= len(MALFORMED)
    # missing ts, wrong type, not JSON, not UTF-8, unknown metric, in turn
    assert rules[: len(MALFORMED)] == ["required", "type", "json", "json", "unknown_metric"]
    undecodable = [msg.value for msg in out if msg.value not in good][3]
    with pytest.raises(UnicodeDecodeError):
        undecodable.decode()


def test_all_faults_together_keep_the_books() -> None:
    spec = "dropout=0.05,stuck=0.01,spike=0.01,late=0.02,reorder=0.02,duplicate=0.01,malformed=0.01"
    out, faults = play(spec)
    counts = faults.counts
    assert set(counts) == {"dropout", "stuck", "spike", "late", "reorder", "duplicate", "malformed"}
    assert len(out) == SOURCES * TICKS - counts["dropout"] + counts["duplicate"]
    for kind, share in parse_spec(spec).items():
        assert near(counts[kind], share, slack=0.5), kind
