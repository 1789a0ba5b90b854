import base64

from ioc.deadletter import dead_letter, source_hint
from ioc.envelope import RecordError


def test_dead_letter_keeps_reason_position_and_original_bytes() -> None:
    raw = b'{"source": "S9", "values": {"pm25": -3}}'
    letter = dead_letter(
        RecordError("values.pm25", "range", "-3 is outside"),
        raw,
        "air_quality",
        "ioc.ingest.air_quality",
        2,
        41,
        1764000000.5,
    )
    assert letter["dl_id"] == "ioc.ingest.air_quality:2:41"
    assert letter["source"] == "S9"
    assert (letter["field"], letter["rule"]) == ("values.pm25", "range")
    assert letter["reason"] == "values.pm25: -3 is outside"
    assert letter["received_at"] == "2025-11-24T16:00:00.500000+00:00"
    assert base64.b64decode(letter["raw"]) == raw


def test_source_hint_survives_any_payload() -> None:
    assert source_hint(b"\xff") is None
    assert source_hint(b"[1]") is None
    assert source_hint(b'{"source": 5}') is None
    assert source_hint(b'{"source": "' + b"x" * 100 + b'"}') == "x" * 64


def test_a_message_too_big_for_a_kafka_dead_letter_keeps_its_start_and_says_so() -> None:
    from ioc.deadletter import RAW_KEPT

    raw = b'{"source": "S9", "id": "' + b"x" * 900_000 + b'"}'
    letter = dead_letter(RecordError("id", "type", "too long"), raw, "air_quality", "t", 0, 1, 1764000000.0)
    assert base64.b64decode(letter["raw"]) == raw[:RAW_KEPT] and letter["source"] == "S9"
    assert letter["reason"] == f"id: too long (a message of {len(raw):,} bytes: its first {RAW_KEPT:,} are kept)"
    assert len(letter["raw"]) < 400_000
