import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ioc.envelope import RecordError, parse_envelope
from ioc.feeds import registry
from ioc.ingest_batch import BodyError, report
from ioc.ngsi_ld import MODELS, entities, to_record, to_records

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
FUTURE = timedelta(minutes=10)
AT = "2026-11-24T08:00:00+07:00"
AT_UTC = "2026-11-24T01:00:00+00:00"
POINT = {"type": "Point", "coordinates": [107.59, 16.46]}  # GeoJSON: lon, lat (Huế)


def prop(value: object, unit: str | None = None, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {"type": "Property", "value": value, **extra}
    if unit is not None:
        body["unitCode"] = unit
    return body


def air(**attributes: object) -> dict[str, object]:
    return {"id": "urn:ngsi-ld:AirQualityObserved:HUE-AQ-01", "type": "AirQualityObserved", **attributes}


def traffic(**attributes: object) -> dict[str, object]:
    return {"id": "urn:ngsi-ld:TrafficFlowObserved:HUE-TR-07", "type": "TrafficFlowObserved", **attributes}


def water(**attributes: object) -> dict[str, object]:
    return {"id": "urn:ngsi-ld:WaterObserved:HUE-HY-02", "type": "WaterObserved", **attributes}


def validate(feed: str, record: dict[str, Any]) -> Any:
    return parse_envelope(json.dumps(record).encode(), registry()[feed], NOW, FUTURE)


def error_of(entity: object) -> RecordError:
    with pytest.raises(RecordError) as caught:
        to_record(entity)
    return caught.value


def test_air_quality_normalized_converts_units_and_keeps_geojson_order() -> None:
    entity = air(
        dateObserved=prop(AT),
        location={"type": "GeoProperty", "value": POINT},
        pm25=prop(12.0, "GQ"),
        co=prop(1.2, "GP"),  # mg/m³ → 1200 µg/m³
        no2=prop(40),  # no unitCode: µg/m³
        temperature=prop(28.5, "CEL"),
        relativeHumidity=prop(0.54),  # 0..1 → 54 %
        airQualityIndex=prop(65),  # not a metric of ours: ignored
        nox=prop(139, "GQ"),
    )
    feed, record = to_record(entity)
    assert feed == "air_quality"
    assert record["id"] == f"HUE-AQ-01|air_quality|{AT_UTC}"
    assert (record["feed"], record["source"], record["ts"]) == ("air_quality", "HUE-AQ-01", AT)
    assert record["values"] == {
        "pm25": 12.0,
        "co": pytest.approx(1200.0),
        "no2": 40.0,
        "temperature": 28.5,
        "humidity": pytest.approx(54.0),
    }
    assert record["geo"] == {"lat": 16.46, "lon": 107.59}


def test_air_quality_key_values_takes_our_units_and_the_same_id() -> None:
    entity = air(dateObserved=AT, location=POINT, pm25=12.0, pm10=30, relativeHumidity=0.8)
    feed, record = to_record(entity)
    assert feed == "air_quality"
    assert record["values"] == {"pm25": 12.0, "pm10": 30.0, "humidity": pytest.approx(80.0)}
    assert record["geo"] == {"lat": 16.46, "lon": 107.59}
    assert record["id"] == to_record(air(dateObserved=prop(AT), pm25=prop(12.0, "GQ")))[1]["id"]


def test_humidity_given_in_percent_by_unit_code_is_not_scaled() -> None:
    assert to_record(air(dateObserved=AT, relativeHumidity=prop(54, "P1")))[1]["values"] == {"humidity": 54.0}


def test_traffic_normalized_counts_over_five_minutes_become_vehicles_per_hour() -> None:
    entity = traffic(
        dateObservedFrom=prop({"@type": "DateTime", "@value": "2026-11-24T07:55:00+07:00"}),
        dateObservedTo=prop({"@type": "DateTime", "@value": AT}),
        intensity=prop(197),  # 197 vehicles in 5 minutes → 197 × 12 = 2364 per hour
        occupancy=prop(0.76),
        averageVehicleSpeed=prop(52.6, "KMH"),
        congested=prop(True),
        laneId=prop(1),
        location={
            "type": "GeoProperty",
            "value": {"type": "LineString", "coordinates": [[107.5, 16.4], [107.6, 16.5]]},
        },
    )
    feed, record = to_record(entity)
    assert feed == "traffic"
    assert record["ts"] == AT  # no dateObserved: dateObservedTo
    assert record["id"] == f"HUE-TR-07|traffic|{AT_UTC}"
    assert record["values"] == {
        "intensity": pytest.approx(2364.0),
        "occupancy": pytest.approx(76.0),
        "speed": 52.6,
        "congested": 1.0,
    }
    assert "geo" not in record  # a LineString is not a point


def test_traffic_key_values_without_a_period_takes_intensity_as_per_hour() -> None:
    entity = traffic(dateObserved=AT, intensity=30, occupancy=0.1, averageVehicleSpeed=40, congested=False)
    assert to_record(entity)[1]["values"] == {
        "intensity": 30.0,
        "occupancy": pytest.approx(10.0),
        "speed": 40.0,
        "congested": 0.0,
    }


def test_an_interval_date_observed_gives_the_period_and_its_end_is_the_time() -> None:
    entity = traffic(dateObserved=f"2026-11-24T07:45:00+07:00/{AT}", intensity=100, averageVehicleSpeed=prop(10, "MTS"))
    record = to_record(entity)[1]
    assert record["ts"] == AT
    assert record["values"] == {"intensity": pytest.approx(400.0), "speed": pytest.approx(36.0)}  # 15 min; m/s × 3.6


def test_water_normalized_converts_centimetres_and_maps_precipitation() -> None:
    entity = water(
        dateObserved=prop({"@type": "DateTime", "@value": AT}),
        waterLevel=prop(352, "CMT"),  # → 3.52 m
        height=prop(9, "MTR"),  # waterLevel wins
        precipitation=prop(12.5, "MMT"),
        flow=prop(12),
    )
    feed, record = to_record(entity)
    assert feed == "hydro"
    assert record["values"] == {"water_level": pytest.approx(3.52), "rainfall": 12.5}
    assert record["id"] == f"HUE-HY-02|hydro|{AT_UTC}"


def test_water_key_values_and_height_in_millimetres() -> None:
    assert to_record(water(dateObserved=AT, waterLevel=2.5, precipitation=3))[1]["values"] == {
        "water_level": 2.5,
        "rainfall": 3.0,
    }
    assert to_record(water(dateObserved=AT, height=prop(1500, "MMT")))[1]["values"] == {"water_level": 1.5}


@pytest.mark.parametrize(
    ("uri", "feed"),
    [
        ("https://smartdatamodels.org/dataModel.Environment/AirQualityObserved", "air_quality"),
        ("https://uri.fiware.org/ns/data-models#TrafficFlowObserved", "traffic"),
        ("sdm:WaterObserved", "hydro"),
    ],
)
def test_a_type_may_be_a_uri_ending_in_the_name(uri: str, feed: str) -> None:
    name = uri.split("/")[-1].split("#")[-1].split(":")[-1]
    entity = {"id": f"urn:ngsi-ld:{name}:S1", "type": uri, "dateObserved": AT, "pm25": 1, "intensity": 1, "height": 1}
    assert to_record(entity)[0] == feed


@pytest.mark.parametrize(
    "entity_id",
    [
        "HUE-AQ-01",
        "urn:ngsi-ld:WaterObserved:HUE-AQ-01",  # another type's prefix
        "urn:ngsi-ld:AirQualityObserved:",
        42,
        None,
    ],
)
def test_the_id_must_be_an_urn_of_the_entity_type(entity_id: object) -> None:
    error = error_of({**air(dateObserved=AT, pm25=1), "id": entity_id})
    assert (error.field, error.rule) == ("id", "format")


@pytest.mark.parametrize(
    ("entity", "field", "rule"),
    [
        ([1, 2], "$", "type"),
        ({"id": "urn:ngsi-ld:X:1", "dateObserved": AT}, "type", "required"),
        ({"id": "urn:ngsi-ld:WeatherObserved:1", "type": "WeatherObserved"}, "type", "unknown_type"),
        (air(pm25=1), "dateObserved", "required"),
        (air(dateObserved="2026-11-24T08:00:00", pm25=1), "dateObserved", "offset"),  # we do not guess the zone
        (air(dateObserved=AT, pm25=prop(1, "59")), "pm25.unitCode", "unit"),  # ppm: no molar conversion
        (air(dateObserved=AT, no2=prop(1, "61")), "no2.unitCode", "unit"),  # ppb
        (air(dateObserved=AT, temperature=prop(80, "FAH")), "temperature.unitCode", "unit"),
        (air(dateObserved=AT, pm25={"type": "Property", "value": 1, "unitCode": ["GQ"]}), "pm25.unitCode", "unit"),
        (air(dateObserved=AT, pm25="12"), "pm25", "type"),
        (air(dateObserved=AT, pm25=prop(True)), "pm25", "type"),
        (traffic(dateObserved=AT, congested=1), "congested", "type"),
        (air(dateObserved=AT, co2=400, airQualityIndex=65), "values", "required"),
        (
            traffic(dateObservedFrom=AT, dateObservedTo="2026-11-24T07:55:00+07:00", intensity=5),
            "dateObservedTo",
            "period",
        ),
        (traffic(dateObserved=f"{AT}/{AT}", intensity=5), "dateObserved", "period"),
        (air(dateObserved=AT, pm25=1, location={"type": "Point", "coordinates": 107.59}), "location", "type"),
    ],
)
def test_each_mapping_error_names_the_entity_field(entity: object, field: str, rule: str) -> None:
    error = error_of(entity)
    assert (error.field, error.rule) == (field, rule)


def test_ppm_is_refused_with_a_reason() -> None:
    assert "volume ratio" in str(error_of(air(dateObserved=AT, so2=prop(0.1, "59"))))


def test_without_date_observed_the_observed_at_of_a_mapped_attribute_is_the_time() -> None:
    entity = water(waterLevel=prop(2.0, "MTR", observedAt="2026-11-24T00:55:00Z"))
    record = to_record(entity)[1]
    assert record["ts"] == "2026-11-24T00:55:00+00:00"
    assert record["id"] == "HUE-HY-02|hydro|2026-11-24T00:55:00+00:00"


def test_the_same_entity_maps_to_the_same_id_in_any_offset() -> None:
    first = to_record(air(dateObserved=AT, pm25=10))[1]
    again = to_record(air(dateObserved="2026-11-24T01:00:00Z", pm25=prop(10, "GQ")))[1]
    assert first["id"] == again["id"] == f"HUE-AQ-01|air_quality|{AT_UTC}"


@pytest.mark.parametrize(
    "entity",
    [
        air(
            dateObserved=prop(AT),
            location={"type": "GeoProperty", "value": POINT},
            pm25=prop(12, "GQ"),
            co=prop(1.2, "GP"),
        ),
        traffic(dateObserved=AT, intensity=prop(197), occupancy=prop(0.76), congested=prop(False)),
        water(dateObserved=AT, waterLevel=prop(352, "CMT"), precipitation=prop(12.5)),
    ],
)
def test_mapped_records_pass_the_validator_with_the_default_id(entity: dict[str, object]) -> None:
    feed, record = to_record(entity)
    env = validate(feed, record)
    assert env.id == record["id"] and env.source == record["source"]
    assert env.values == pytest.approx(record["values"])
    assert env.geo == record.get("geo")


@pytest.mark.parametrize(
    ("entity", "field"),
    [
        (air(dateObserved=AT, relativeHumidity=54), "values.humidity"),  # percent sent for 0..1 → 5400 %
        (air(dateObserved=AT, co=prop(500, "GP")), "values.co"),  # 500 mg/m³ = 500,000 µg/m³
        (traffic(dateObserved=AT, occupancy=1.5), "values.occupancy"),
    ],
)
def test_a_converted_value_out_of_range_is_refused_by_the_validator_not_the_mapping(
    entity: dict[str, object], field: str
) -> None:
    feed, record = to_record(entity)
    with pytest.raises(RecordError) as caught:
        validate(feed, record)
    assert (caught.value.field, caught.value.rule) == (field, "range")


def test_coordinates_in_lat_lon_order_are_refused_by_the_validator() -> None:
    feed, record = to_record(air(dateObserved=AT, pm25=1, location={"type": "Point", "coordinates": [16.46, 107.59]}))
    assert record["geo"] == {"lat": 107.59, "lon": 16.46}
    with pytest.raises(RecordError) as caught:
        validate(feed, record)
    assert (caught.value.field, caught.value.rule) == ("geo", "range")


def test_every_mapped_metric_is_declared_by_its_feed() -> None:
    for model in MODELS.values():
        metrics = registry()[model.feed].metrics
        assert {conversion.metric for conversion in model.attributes.values()} <= set(metrics)


def test_entities_accepts_one_an_array_or_a_notification() -> None:
    one = air(pm25=1)
    assert entities(one) == [one]
    assert entities([one, 2]) == [one, 2]
    notification = {"id": "urn:ngsi-ld:Notification:1", "type": "Notification", "subscriptionId": "s", "data": [one]}
    assert entities(notification) == [one]
    with pytest.raises(BodyError):
        entities("text")


def test_to_records_routes_each_entity_and_forwards_unmappable_ones_as_sent() -> None:
    good = air(dateObserved=AT, pm25=prop(12, "GQ"), location={"type": "GeoProperty", "value": POINT})
    out_of_range = traffic(dateObserved=AT, occupancy=2.0)
    ppm = air(dateObserved=AT, so2=prop(0.1, "59"), note="Huế")
    unknown = {"id": "urn:ngsi-ld:Parking:1", "type": "Parking"}
    routed = to_records([good, out_of_range, ppm, unknown], registry(), NOW, FUTURE)
    assert [r.feed for r in routed] == ["air_quality", "traffic", "air_quality", None]
    assert [r.mapped for r in routed] == [True, True, False, False]
    checked = [r.checked for r in routed]
    assert checked[0].id == f"HUE-AQ-01|air_quality|{AT_UTC}" and checked[0].key == b"HUE-AQ-01"
    assert json.loads(checked[0].raw)["geo"] == {"lat": 16.46, "lon": 107.59}
    assert json.loads(checked[1].raw)["values"] == {"occupancy": 200.0}  # forwarded as mapped: replayable
    assert checked[1].key == b"HUE-TR-07"
    assert json.loads(checked[2].raw) == ppm and "Huế".encode() in checked[2].raw  # the sender's entity
    assert checked[2].key == b"air_quality"
    body = report(checked)
    assert (body["received"], body["accepted"], body["rejected"]) == (4, 1, 3)
    assert [(e["index"], e["field"], e["rule"]) for e in body["errors"]] == [
        (1, "values.occupancy", "range"),
        (2, "so2.unitCode", "unit"),
        (3, "type", "unknown_type"),
    ]


def test_to_records_refuses_a_type_whose_feed_is_not_declared_here() -> None:
    kinds = {name: kind for name, kind in registry().items() if name != "hydro"}
    [routed] = to_records([water(dateObserved=AT, waterLevel=1)], kinds, NOW, FUTURE)
    assert routed.feed is None
    assert routed.checked.error is not None and routed.checked.error.field == "type"
