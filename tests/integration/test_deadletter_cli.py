"""`ioc deadletter list|show|replay` against the real database and Kafka."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from kafka import KafkaConsumer, TopicPartition
from typer.testing import CliRunner

from ioc import deadletter_store
from ioc.cli import cli
from ioc.deadletter import dead_letter
from ioc.envelope import RecordError
from ioc.settings import Settings
from streams.sinks import DeadLetterSink
from tests.infra import query

pytestmark = pytest.mark.integration
TOPIC = "ioc.ingest.air_quality"


@pytest.fixture
async def letter(settings: Settings) -> tuple[str, str, bytes]:
    """A dead letter of a record that broke a rule: (dl id, source, original bytes)."""
    source = f"DL-{uuid.uuid4().hex[:8]}"
    raw = json.dumps({"source": source, "ts": "2026-11-24T08:00:00+07:00", "values": {"pm25": 12.5}}).encode()
    offset = uuid.uuid4().int % 10**9
    received = datetime(2026, 11, 24, 0, 0, tzinfo=UTC).timestamp()  # 07:00 in Vietnam
    record = dead_letter(RecordError("values.pm25", "range", "made up for the test"), raw, "air_quality", TOPIC, 0,
                         offset, received)  # fmt: skip
    sink = DeadLetterSink(settings.dsn)
    try:
        await sink.write([record])
    finally:
        await sink.close()
    return record["dl_id"], source, raw


def on_topic(settings: Settings, raw: bytes) -> int:
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, consumer_timeout_ms=3000)
    consumer.assign([TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)])
    consumer.seek_to_beginning()
    found = sum(message.value == raw for message in consumer)
    consumer.close()
    return found


def test_list_and_show_give_the_reason_and_the_original_bytes(letter: tuple[str, str, bytes]) -> None:
    dl_id, source, raw = letter
    listed = CliRunner().invoke(cli, ["deadletter", "list", "--source", source])
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert line.startswith("2026-11-24 07:00:00\t") and dl_id in line and "made up for the test" in line
    shown = CliRunner().invoke(cli, ["deadletter", "show", dl_id])
    assert shown.exit_code == 0 and raw.decode() in shown.output and "rule: range" in shown.output
    missing = CliRunner().invoke(cli, ["deadletter", "show", "no:such:letter"])
    assert missing.exit_code == 1 and "no dead letter" in missing.output


def test_replay_sends_the_original_bytes_back_once(letter: tuple[str, str, bytes], settings: Settings) -> None:
    dl_id, source, raw = letter
    dry = CliRunner().invoke(cli, ["deadletter", "replay", "--source", source, "--dry-run"])
    assert dry.exit_code == 0 and "1 dead letters would be replayed" in dry.output
    assert on_topic(settings, raw) == 0
    done = CliRunner().invoke(cli, ["deadletter", "replay", "--source", source])
    assert done.exit_code == 0 and "replayed 1 dead letters" in done.output
    assert on_topic(settings, raw) == 1
    [(replayed_at,)] = query(settings, "SELECT replayed_at FROM dead_letter WHERE dl_id = %s", (dl_id,))
    assert replayed_at is not None
    again = CliRunner().invoke(cli, ["deadletter", "replay", "--source", source])
    assert "replayed 0 dead letters" in again.output and on_topic(settings, raw) == 1


def test_replays_at_the_same_instant_send_a_letter_once(letter: tuple[str, str, bytes], settings: Settings) -> None:
    _, source, raw = letter
    [found] = deadletter_store.find(settings.dsn, source=source)
    with ThreadPoolExecutor(4) as pool:
        sent = list(
            pool.map(lambda _: deadletter_store.replay(settings.dsn, settings.bootstrap_servers, [found]), range(4))
        )
    assert sorted(sent) == [0, 0, 0, 1] and on_topic(settings, raw) == 1


def test_a_feed_limited_caller_gets_its_own_feeds_newest_first(
    letter: tuple[str, str, bytes], settings: Settings
) -> None:
    """Filtered in the query, so a page holds ``limit`` of the caller's letters, not fewer."""
    dl_id, source, _ = letter
    assert deadletter_store.find(settings.dsn, source=source, feeds=["hydro"]) == []
    [mine] = deadletter_store.find(settings.dsn, limit=1, feeds=["air_quality"], source=source)
    assert mine.dl_id == dl_id


def test_a_replay_that_cannot_reach_kafka_gives_its_claim_back(
    letter: tuple[str, str, bytes], settings: Settings
) -> None:
    dl_id, source, _ = letter
    [found] = deadletter_store.find(settings.dsn, source=source)
    with pytest.raises(deadletter_store.ReplayError, match="1 of 1 dead letters not sent"):
        deadletter_store.replay(settings.dsn, ["127.0.0.1:1"], [found])
    assert query(settings, "SELECT replayed_at FROM dead_letter WHERE dl_id = %s", (dl_id,)) == [(None,)]
