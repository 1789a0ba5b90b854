import json
from datetime import UTC, datetime, timedelta

import pytest

from ioc.feeds import registry
from ioc.ingest_batch import BodyError, check, report, split

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_a_json_array_gives_one_record_per_element_and_an_object_is_one_record() -> None:
    body = json.dumps([{"source": "A"}, {"source": "B", "note": "Huế"}]).encode()
    assert [json.loads(r) for r in split(body, "application/json; charset=utf-8")] == [
        {"source": "A"},
        {"source": "B", "note": "Huế"},
    ]
    assert split(b'{"source": "A"}', "application/json") == [b'{"source":"A"}']


def test_ndjson_skips_blank_lines_and_keeps_bad_ones_as_records() -> None:
    assert split(b'{"a":1}\r\n\n  \n{oops\n', "application/x-ndjson") == [b'{"a":1}', b"{oops"]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"[1,", "application/json", "not valid UTF-8 JSON"),
        (b"\xff", "application/json", "not valid UTF-8 JSON"),
        (b'"text"', "application/json", "must be a JSON array"),
        (b"[]", "text/csv", "Content-Type must be"),
    ],
)
def test_unreadable_bodies_are_refused_whole(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(BodyError, match=message):
        split(body, content_type)


def test_check_uses_the_validate_rules_and_report_counts_them() -> None:
    good = json.dumps({"source": "S1", "ts": NOW.isoformat(), "values": {"pm25": 10}}).encode()
    bad = json.dumps({"source": "S2", "ts": NOW.isoformat(), "values": {"pm25": "ten"}}).encode()
    checked = check([good, bad, b"{oops"], registry()["air_quality"], NOW, timedelta(minutes=10))
    assert [c.key for c in checked] == [b"S1", b"S2", b"air_quality"]
    assert checked[0].id == "S1|air_quality|2026-11-24T08:00:00+00:00" and checked[1].id is None
    body = report(checked)
    assert (body["received"], body["accepted"], body["rejected"]) == (3, 1, 2)
    assert [(e["index"], e["field"], e["rule"]) for e in body["errors"]] == [
        (1, "values.pm25", "type"),
        (2, "$", "json"),
    ]
