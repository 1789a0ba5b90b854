"""ioc.obs messages: a source's envelopes packed into JSON arrays, read back in order."""

from __future__ import annotations

import orjson
import pytest
from aiokafka.partitioner import DefaultPartitioner

from ioc.obs_messages import MAX_BYTES, MAX_RECORDS, messages, pack, unpack


def bodies(n: int, pad: int = 0) -> list[bytes]:
    return [orjson.dumps({"id": f"r{i}", "source": "s1", "values": {"pm25": i}, "pad": "x" * pad}) for i in range(n)]


def test_a_batch_of_readings_travels_in_messages_of_at_most_max_records_in_order() -> None:
    encoded = bodies(2 * MAX_RECORDS + 3)
    messages = list(pack(encoded))
    assert [len(unpack(m) or []) for m in messages] == [MAX_RECORDS, MAX_RECORDS, 3]
    ids = [record["id"] for m in messages for record in unpack(m) or []]
    assert ids == [f"r{i}" for i in range(2 * MAX_RECORDS + 3)]


def test_a_message_stays_under_max_bytes_and_a_larger_envelope_travels_alone() -> None:
    encoded = [*bodies(3, pad=MAX_BYTES // 3), orjson.dumps({"id": "big", "pad": "y" * (MAX_BYTES + 10)})]
    messages = list(pack(encoded))
    assert [len(unpack(m) or []) for m in messages] == [2, 1, 1]
    assert all(len(m) <= MAX_BYTES + 2 for m in messages[:2])
    assert (unpack(messages[-1]) or [{}])[0]["id"] == "big"


def test_nothing_to_pack_gives_no_message() -> None:
    assert list(pack([])) == []


def test_a_single_object_is_read_as_one_record_as_written_before_arrays() -> None:
    assert unpack(b'{"id": "r1"}') == [{"id": "r1"}]


@pytest.mark.parametrize("value", [None, b"", b"not json", b"[]", b"[1, 2]", b'[{"id": "r1"}, 3]', b"42", b'"text"'])
def test_anything_else_is_refused(value: bytes | None) -> None:
    assert unpack(value) is None


def test_readings_go_to_their_sources_partition_in_arrival_order() -> None:
    partitions = [0, 1, 2, 3]
    readings = [(f"station-{i % 8}", orjson.dumps({"id": f"r{i}", "source": f"station-{i % 8}"})) for i in range(400)]
    sent = list(messages(readings, partitions))
    assert len(sent) < len(readings)  # packed
    for partition in partitions:
        got = [record["id"] for p, value in sent if p == partition for record in unpack(value) or []]
        expected = [
            orjson.loads(body)["id"]
            for source, body in readings
            if DefaultPartitioner()(source.encode(), partitions, partitions) == partition  # as when each was keyed
        ]
        assert got == expected
