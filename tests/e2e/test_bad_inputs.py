"""A corpus of bad inputs through the running pipeline: each one becomes exactly one dead letter naming the
field and the rule it broke, the good records around them are stored once each, and every message sent is
accounted for (messages in == records stored + dead letters). The HTTP adapter's request-level refusals
(404 unknown feed, 400, 413, 415) are in tests/integration/test_http_ingest.py; MQTT's undeclared feed and
topic contradictions in tests/e2e/test_mqtt_ingest.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kafka import KafkaProducer

from tests.e2e.conftest import Pipeline
from tests.infra import query, wait_for

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC).replace(microsecond=0)
TS = NOW.isoformat()


def aq(source: str, **fields: Any) -> dict[str, Any]:
    return {"source": source, "ts": TS, "values": {"pm25": 20.0}, **fields}


def dossier(source: str, **attributes: Any) -> dict[str, Any]:
    base = {"dossier_id": f"{source}-1", "status": 1, "channel": 2, "procedure": "1.001", "received_at": TS}
    return {"source": source, "ts": TS, "attributes": {**base, **attributes}}


def without(record: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != name}


# name, feed, payload (a dict is sent as JSON), the field and rule of its dead letter
CORPUS: list[tuple[str, str, Any, str, str]] = [
    ("not JSON", "air_quality", b"pm25=20", "$", "json"),
    ("non-UTF-8 bytes", "air_quality", b'{"source":"\xff\xfe","ts":"x"}', "$", "json"),
    ("Latin-1 text", "air_quality", b'{"source":"Tr\xe2m Hu\xe9","ts":"x"}', "$", "json"),
    ("empty message", "air_quality", b"", "$", "json"),
    ("truncated JSON", "air_quality", b'{"source":"S","ts":', "$", "json"),
    ("JSON array", "air_quality", [aq("S")], "$", "type"),
    ("JSON string", "air_quality", "a reading", "$", "type"),
    ("JSON number", "air_quality", 42, "$", "type"),
    ("null", "air_quality", None, "$", "type"),
    ("feed of another topic", "air_quality", aq("S", feed="hydro"), "feed", "topic"),
    ("missing source", "air_quality", without(aq("S"), "source"), "source", "format"),
    ("source a number", "air_quality", aq(12345), "source", "format"),  # type: ignore[arg-type]
    ("source with spaces", "air_quality", aq("Trạm Phú Hội"), "source", "format"),
    ("source of 65 characters", "air_quality", aq("S" * 65), "source", "format"),
    ("missing ts", "air_quality", without(aq("S"), "ts"), "ts", "required"),
    ("ts a number", "air_quality", aq("S", ts=1764900000), "ts", "type"),
    ("ts not a time", "air_quality", aq("S", ts="hôm qua"), "ts", "format"),
    ("ts without offset", "air_quality", aq("S", ts=NOW.replace(tzinfo=None).isoformat()), "ts", "offset"),
    ("ts a day ahead", "air_quality", aq("S", ts=(NOW + timedelta(days=1)).isoformat()), "ts", "future"),
    ("ts in year 3000", "air_quality", aq("S", ts="3000-01-01T00:00:00+07:00"), "ts", "future"),
    ("missing values", "air_quality", without(aq("S"), "values"), "values", "type"),
    ("values a list", "air_quality", aq("S", values=[20.0]), "values", "type"),
    ("values empty", "air_quality", aq("S", values={}), "values", "type"),
    ("value a string", "air_quality", aq("S", values={"pm25": "20"}), "values.pm25", "type"),
    ("value a boolean", "air_quality", aq("S", values={"pm25": True}), "values.pm25", "type"),
    ("value null", "air_quality", aq("S", values={"pm25": None}), "values.pm25", "type"),
    ("value NaN", "air_quality", f'{{"source":"S","ts":"{TS}","values":{{"pm25":NaN}}}}'.encode(), "values.pm25",
     "type"),
    ("value Infinity", "air_quality", f'{{"source":"S","ts":"{TS}","values":{{"pm25":Infinity}}}}'.encode(),
     "values.pm25", "type"),
    ("negative PM2.5", "air_quality", aq("S", values={"pm25": -1}), "values.pm25", "range"),
    ("PM2.5 above range", "air_quality", aq("S", values={"pm25": 1000.5}), "values.pm25", "range"),
    ("humidity 101 %", "air_quality", aq("S", values={"humidity": 101}), "values.humidity", "range"),
    ("unknown metric", "air_quality", aq("S", values={"pm1": 5}), "values.pm1", "unknown_metric"),
    ("water level 100 m", "hydro", {"source": "G", "ts": TS, "values": {"water_level": 100}}, "values.water_level",
     "range"),
    ("negative rainfall", "hydro", {"source": "G", "ts": TS, "values": {"rainfall": -0.1}}, "values.rainfall", "range"),
    ("huge: 5,000 metrics", "air_quality", aq("S", values={f"m{i}": i for i in range(5000)}), "values.m0",
     "unknown_metric"),
    ("huge: a 900 kB id", "air_quality", aq("S", id="x" * 900_000), "id", "type"),  # its letter keeps 256 kB
    ("JSON nested 100,000 deep", "air_quality", b"[" * 100_000, "$", "json"),
    ("id a number", "air_quality", aq("S", id=7), "id", "type"),
    ("id with a lone surrogate escape", "air_quality", aq("S", id="x\ud800"), "id", "encoding"),
    ("dossier procedure with a lone surrogate", "dossier", dossier("A", procedure="1.\udc00"), "attributes.procedure",
     "encoding"),
    ("geo out of range", "air_quality", aq("S", geo={"lat": 116.4, "lon": 107.6}), "geo", "range"),
    ("unit_code a number", "air_quality", aq("S", unit_code=46), "unit_code", "type"),
    ("dossier status 11", "dossier", dossier("A", status=11), "attributes.status", "code"),
    ("dossier status a string", "dossier", dossier("A", status="4"), "attributes.status", "type"),
    ("dossier without its required attributes", "dossier", {"source": "A", "ts": TS, "attributes": {"status": 1}},
     "attributes.dossier_id", "required"),
    ("dossier unknown attribute", "dossier", dossier("A", citizen_name="Nguyễn Văn A"), "attributes.citizen_name",
     "unknown_attribute"),
    ("dossier received_at not a time", "dossier", dossier("A", received_at="02/12/2026"), "attributes.received_at",
     "format"),
]  # fmt: skip


def encode(payload: Any) -> bytes:
    """JSON with \\u escapes for non-ASCII text, as many encoders write it (so a lone surrogate can be sent)."""
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def tagged(payload: Any, tag: str) -> Any:
    """The payload with its source made unique to this run where it has a string source."""
    if isinstance(payload, dict) and isinstance(payload.get("source"), str) and len(payload["source"]) < 10:
        return {**payload, "source": f"{payload['source']}-{tag}"}
    return payload


def test_each_bad_input_is_one_dead_letter_with_its_reason_and_nothing_is_lost(pipeline: Pipeline) -> None:
    assert len(CORPUS) >= 40
    tag = uuid.uuid4().hex[:6]
    producer = KafkaProducer(bootstrap_servers=pipeline.settings.bootstrap_servers, acks="all", max_request_size=2**21)
    sent: dict[str, tuple[str, str, str]] = {}  # dl_id -> (name, field, rule)
    for name, feed, payload, field, rule in CORPUS:
        meta = producer.send(f"ioc.ingest.{feed}", key=tag.encode(), value=encode(tagged(payload, tag))).get(30)
        sent[f"{meta.topic}:{meta.partition}:{meta.offset}"] = (name, field, rule)
    good = [aq(f"OK{i}-{tag}", values={"pm25": 10.0 + i}) for i in range(5)]
    for record in [*good, good[0], good[1]]:  # the last two: the same records again (same default ids)
        producer.send("ioc.ingest.air_quality", key=record["source"].encode(), value=encode(record)).get(30)
    producer.close()

    def letters() -> dict[str, tuple[str, str]]:
        sql = "SELECT dl_id, field, rule FROM dead_letter WHERE dl_id = ANY(%s)"
        rows = query(pipeline.settings, sql, (list(sent),))
        return {str(dl_id): (str(f), str(r)) for dl_id, f, r in rows}

    got = wait_for(lambda: len(rows := letters()) == len(sent) and rows, 90, what="a dead letter per bad input")
    wrong = {sent[dl][0]: (got[dl], sent[dl][1:]) for dl in sent if got[dl] != sent[dl][1:]}
    assert not wrong, f"bad inputs with another reason than expected (got, expected): {wrong}"

    def stored() -> int:
        sql = "SELECT count(*) FROM observation WHERE source LIKE %s"
        return int(query(pipeline.settings, sql, (f"OK%-{tag}",))[0][0])  # type: ignore[arg-type]

    wait_for(lambda: stored() == len(good), 60, what="the five good records, each stored once")
    assert stored() == len(good)  # the two repeats were not stored again
    stray = query(pipeline.settings, "SELECT count(*) FROM observation WHERE source LIKE %s", (f"%-{tag}",))
    assert stray[0][0] == len(good)  # no bad input was stored
