import json
from datetime import UTC, datetime, timedelta

import pytest

from ioc.envelope import RecordError, envelope_from_dict, parse_envelope
from ioc.feeds import registry

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
KIND = registry()["air_quality"]
FUTURE = timedelta(minutes=10)


def parse(body: object) -> object:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_envelope(raw, KIND, NOW, FUTURE)


def good(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "source": "HUE-AQ-01",
        "ts": "2026-11-24T08:00:00+07:00",
        "values": {"pm25": 31.5, "pm10": 50},
    }
    body.update(changes)
    return body


def test_valid_record_gets_default_id_in_utc_and_float_values() -> None:
    env = parse(good())
    assert env.id == "HUE-AQ-01|air_quality|2026-11-24T01:00:00+00:00"
    assert env.values == {"pm25": 31.5, "pm10": 50.0}
    assert env.ts == NOW


def test_round_trip_through_obs_bytes() -> None:
    env = parse(good(unit_code="HUE.PHUHOI", geo={"lat": 16.46, "lon": 107.59}, id="abc"))
    assert envelope_from_dict(json.loads(env.to_bytes())) == env


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (b"{not json", "$", "json"),
        (b"\xff\xfe", "$", "json"),
        ([1, 2], "$", "type"),
        (good(feed="traffic"), "feed", "topic"),
        (good(source=""), "source", "format"),
        (good(source="có dấu"), "source", "format"),
        ({"source": "S1", "values": {"pm25": 1}}, "ts", "required"),
        (good(ts="yesterday"), "ts", "format"),
        (good(ts="2026-11-24T08:00:00"), "ts", "offset"),
        (good(ts="2026-11-24T01:11:00+00:00"), "ts", "future"),
        (good(values={}), "values", "type"),
        (good(values={"pm25": "high"}), "values.pm25", "type"),
        (good(values={"pm25": True}), "values.pm25", "type"),
        (good(values={"pm25": -1}), "values.pm25", "range"),
        (good(values={"pm25": 1001}), "values.pm25", "range"),
        (good(values={"lead": 1}), "values.lead", "unknown_metric"),
        (good(id=7), "id", "type"),
        (good(unit_code=5), "unit_code", "type"),
        (good(geo={"lat": 91, "lon": 0}), "geo", "range"),
    ],
)
def test_each_broken_rule_names_its_field(body: object, field: str, rule: str) -> None:
    with pytest.raises(RecordError) as info:
        parse(body)
    assert (info.value.field, info.value.rule) == (field, rule)
    assert str(info.value).startswith(f"{field}: ")


def test_nan_is_rejected_as_not_finite() -> None:
    raw = b'{"source": "S1", "ts": "2026-11-24T01:00:00+00:00", "values": {"pm25": NaN}}'
    with pytest.raises(RecordError, match="finite"):
        parse(raw)
