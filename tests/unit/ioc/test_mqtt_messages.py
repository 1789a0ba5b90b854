"""MQTT messages to ingest records: the topic names feed and source; only what contradicts it or names an
undeclared feed is dead-lettered by the bridge, the rest is judged by the validate agent."""

from __future__ import annotations

import base64
import json

from ioc import topics
from ioc.mqtt_messages import InOrderAcks, route

FEEDS = {"air_quality", "hydro"}
NOW = 1_796_000_000.0


def test_topic_fills_feed_and_source_and_keys_the_record_by_source() -> None:
    payload = b'{"ts":"2026-12-03T07:00:00+07:00","values":{"pm25":12.5}}'
    routed = route("ioc/air_quality/HUE-AQ-01", payload, FEEDS, NOW)
    assert (routed.topic, routed.key) == (topics.ingest_topic("air_quality"), b"HUE-AQ-01")
    assert json.loads(routed.value) == {
        "feed": "air_quality",
        "source": "HUE-AQ-01",
        "ts": "2026-12-03T07:00:00+07:00",
        "values": {"pm25": 12.5},
    }


def test_a_payload_that_repeats_the_topic_is_kept_as_sent() -> None:
    body = {"id": "r1", "feed": "hydro", "source": "HUE-WL-01", "ts": "2026-12-03T07:00:00Z", "values": {"rainfall": 3}}
    routed = route("ioc/hydro/HUE-WL-01", json.dumps(body).encode(), FEEDS, NOW)
    assert routed.topic == "ioc.ingest.hydro" and json.loads(routed.value) == body


def test_what_is_not_a_json_object_goes_to_the_validator_unchanged() -> None:
    for payload in (b"not json", b"\xff\xfe", b"[1, 2]", b'"text"'):
        routed = route("ioc/air_quality/S1", payload, FEEDS, NOW)
        assert (routed.topic, routed.key, routed.value) == ("ioc.ingest.air_quality", b"S1", payload)


def letter(routed_value: bytes) -> dict[str, str]:
    return json.loads(routed_value)  # type: ignore[no-any-return]


def test_an_undeclared_feed_is_a_dead_letter_that_a_replay_can_send_once_it_is_declared() -> None:
    routed = route("ioc/noise/N-01", b'{"ts":"2026-12-03T07:00:00Z","values":{"laeq":55}}', FEEDS, NOW)
    assert (routed.topic, routed.key) == (topics.DEADLETTER, b"noise")
    dl = letter(routed.value)
    assert (dl["feed"], dl["source"], dl["field"], dl["rule"]) == ("noise", "N-01", "feed", "unknown_feed")
    assert dl["topic"] == "ioc.ingest.noise" and dl["dl_id"].startswith("mqtt:ioc/noise/N-01:")
    assert "no feed 'noise'" in dl["reason"] and "air_quality" in dl["reason"]
    assert json.loads(base64.b64decode(dl["raw"]))["source"] == "N-01"


def test_a_payload_that_contradicts_its_topic_is_a_dead_letter_naming_the_field() -> None:
    payload = b'{"source":"OTHER","ts":"2026-12-03T07:00:00Z","values":{"pm25":1}}'
    dl = letter(route("ioc/air_quality/HUE-AQ-01", payload, FEEDS, NOW).value)
    assert (dl["field"], dl["rule"], dl["source"]) == ("source", "topic", "OTHER")
    assert base64.b64decode(dl["raw"]) == payload  # what the device sent
    dl = letter(route("ioc/air_quality/S1", b'{"feed":"hydro","values":{}}', FEEDS, NOW).value)
    assert (dl["field"], dl["rule"]) == ("feed", "topic")


def test_a_redelivered_message_makes_the_same_dead_letter() -> None:
    payload = b'{"values":{"laeq":1}}'
    first, again = (letter(route("ioc/noise/N", payload, FEEDS, t).value) for t in (NOW, NOW + 5))
    assert first["dl_id"] == again["dl_id"]
    other = letter(route("ioc/noise/N", b'{"values":{"laeq":2}}', FEEDS, NOW).value)
    assert other["dl_id"] != first["dl_id"]


def test_acks_go_out_in_arrival_order_once_every_earlier_record_is_stored() -> None:
    sent: list[int] = []
    acks = InOrderAcks(sent.append)
    stored = {mid: acks.received(mid) for mid in (1, 2, 3, 4)}
    stored[3]()
    stored[2]()
    assert sent == [] and len(acks) == 4  # 1 is not stored yet
    stored[1]()
    assert sent == [1, 2, 3] and len(acks) == 1
    stored[4]()
    assert sent == [1, 2, 3, 4] and len(acks) == 0


def test_a_message_too_big_for_kafka_or_nested_too_deeply_is_handled_here() -> None:
    from ioc.deadletter import RAW_KEPT
    from ioc.mqtt_messages import MAX_PAYLOAD

    huge = b'{"values":{"pm25":1},"pad":"' + b"x" * MAX_PAYLOAD + b'"}'
    routed = route("ioc/air_quality/S1", huge, FEEDS, NOW)
    dl = letter(routed.value)
    assert (dl["field"], dl["rule"]) == ("$", "size") and f"{len(huge):,} bytes" in dl["reason"]
    assert base64.b64decode(dl["raw"]) == huge[:RAW_KEPT] and len(routed.value) < 1_000_000
    nested = b"[" * 200_000
    routed = route("ioc/air_quality/S1", nested, FEEDS, NOW)
    assert (routed.topic, routed.value) == ("ioc.ingest.air_quality", nested)  # the validator rejects it


def test_a_lost_connection_forgets_its_pending_acks() -> None:
    sent: list[int] = []
    acks = InOrderAcks(sent.append)
    old = acks.received(7)
    acks.reset()
    new = acks.received(7)  # the broker's redelivery, same packet id on the new connection
    old()
    assert sent == [] and len(acks) == 1
    new()
    assert sent == [7] and len(acks) == 0
