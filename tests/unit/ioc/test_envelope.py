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
        (good(id="x\ud800"), "id", "encoding"),  # sent as the escape "\\ud800": JSON, but no text
        (good(unit_code="HUE.\udfff"), "unit_code", "encoding"),
        (good(geo={"lat": 91, "lon": 0}), "geo", "range"),
    ],
)
def test_each_broken_rule_names_its_field(body: object, field: str, rule: str) -> None:
    with pytest.raises(RecordError) as info:
        parse(body)
    assert (info.value.field, info.value.rule) == (field, rule)
    assert str(info.value).startswith(f"{field}: ")


def test_a_paired_surrogate_escape_is_text() -> None:
    assert parse(good(id="tr\ud83c\udf27m")).id == "tr\U0001f327m"


def test_nan_is_rejected_as_not_finite() -> None:
    raw = b'{"source": "S1", "ts": "2026-11-24T01:00:00+00:00", "values": {"pm25": NaN}}'
    with pytest.raises(RecordError, match="finite"):
        parse(raw)


DOSSIER = registry()["dossier"]


def dossier(**attributes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "dossier_id": "STP-261124-0001",
        "status": 2,
        "channel": 2,
        "procedure": "LY-LICH-TU-PHAP",
        "received_at": "2026-11-24T08:05:00+07:00",
        "appointment_at": "2026-12-08T17:00:00+07:00",
    }
    body.update(attributes)
    return {"source": "HUE-AG-STP", "ts": "2026-11-24T08:10:00+07:00", "attributes": body}


def parse_dossier(body: dict[str, object]) -> object:
    return parse_envelope(json.dumps(body).encode(), DOSSIER, NOW, FUTURE)


def test_an_event_record_carries_attributes_only_with_times_in_utc() -> None:
    env = parse_dossier(dossier())
    assert env.values == {}
    assert env.attributes["status"] == 2
    assert env.attributes["received_at"] == "2026-11-24T01:05:00+00:00"
    assert envelope_from_dict(json.loads(env.to_bytes())) == env


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({**dossier(), "attributes": [1]}, "attributes", "type"),
        ({"source": "HUE-AG-STP", "ts": "2026-11-24T08:10:00+07:00"}, "attributes.dossier_id", "required"),
        (dossier(status=None), "attributes.status", "required"),
        (dossier(status=11), "attributes.status", "code"),
        (dossier(status="2"), "attributes.status", "type"),
        (dossier(status=True), "attributes.status", "type"),
        (dossier(citizen="Nguyễn Văn A"), "attributes.citizen", "unknown_attribute"),
        (dossier(procedure="x" * 65), "attributes.procedure", "length"),
        (dossier(procedure=""), "attributes.procedure", "length"),
        (dossier(received_at="2026-11-24T08:05:00"), "attributes.received_at", "offset"),
        (dossier(appointment_at="next week"), "attributes.appointment_at", "format"),
        ({**dossier(), "values": {"amount": 1}}, "values.amount", "unknown_metric"),
    ],
)
def test_each_broken_attribute_rule_names_its_field(body: dict[str, object], field: str, rule: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_dossier(body)
    assert (info.value.field, info.value.rule) == (field, rule)


def test_an_enum_attribute_takes_only_its_choices() -> None:
    feedback = registry()["feedback"]
    body = {
        "source": "HUE-AG-SXD",
        "ts": "2026-11-24T08:10:00+07:00",
        "attributes": {"feedback_id": "PA-1", "stage": 1, "category": "ngap_lut", "channel": "app",
                       "received_at": "2026-11-24T08:10:00+07:00"},
    }  # fmt: skip
    with pytest.raises(RecordError) as info:
        parse_envelope(json.dumps(body).encode(), feedback, NOW, FUTURE)
    assert (info.value.field, info.value.rule) == ("attributes.category", "choice")
