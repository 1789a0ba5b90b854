"""FIWARE Smart Data Models entities posted to the running dashboard (POST /ingest/ngsi-ld): mapped into
their feeds with units converted and stored; entities that cannot be mapped are dead letters with the
reason the answer gave."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ioc import apikeys
from tests.e2e.conftest import Pipeline
from tests.infra import http_json, query, wait_for

pytestmark = pytest.mark.e2e


def test_entities_of_three_models_are_stored_and_unmappable_ones_are_dead_letters(pipeline: Pipeline) -> None:
    tag = uuid.uuid4().hex[:6]
    at = (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0)
    key = apikeys.add(pipeline.settings.dsn, "FIWARE broker (test)", ["air_quality", "traffic", "hydro"])[1]
    notification = {
        "id": "urn:ngsi-ld:Notification:1",
        "type": "Notification",
        "subscriptionId": "urn:ngsi-ld:Subscription:ioc",
        "data": [
            {  # normalized, CO in mg/m³, humidity as 0..1
                "id": f"urn:ngsi-ld:AirQualityObserved:NG-{tag}-AQ",
                "type": "AirQualityObserved",
                "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": at.isoformat()}},
                "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [107.59, 16.46]}},
                "pm25": {"type": "Property", "value": 31.5, "unitCode": "GQ"},
                "co": {"type": "Property", "value": 1.2, "unitCode": "GP"},
                "relativeHumidity": {"type": "Property", "value": 0.81},
            },
            {  # key-values: 300 vehicles in 5 minutes = 3,600 per hour, occupancy 0..1
                "id": f"urn:ngsi-ld:TrafficFlowObserved:NG-{tag}-TR",
                "type": "TrafficFlowObserved",
                "dateObservedFrom": (at - timedelta(minutes=5)).isoformat(),
                "dateObservedTo": at.isoformat(),
                "intensity": 300,
                "occupancy": 0.25,
                "averageVehicleSpeed": 42,
                "congested": False,
            },
            {  # water level in cm
                "id": f"urn:ngsi-ld:WaterObserved:NG-{tag}-WL",
                "type": "WaterObserved",
                "dateObserved": at.isoformat(),
                "waterLevel": {"type": "Property", "value": 215, "unitCode": "CMT"},
            },
            {  # ppm: not converted, refused by the adapter
                "id": f"urn:ngsi-ld:AirQualityObserved:NG-{tag}-PPM",
                "type": "AirQualityObserved",
                "dateObserved": at.isoformat(),
                "so2": {"type": "Property", "value": 0.1, "unitCode": "59"},
            },
            {"id": f"urn:ngsi-ld:Parking:NG-{tag}-P", "type": "Parking", "dateObserved": at.isoformat()},
        ],
    }
    body = json.dumps(notification).encode()
    status, answer = http_json(f"{pipeline.url}/ingest/ngsi-ld", key, body, "application/ld+json")
    assert status == 200, answer
    assert (answer["received"], answer["accepted"], answer["rejected"]) == (5, 3, 2)
    assert [(e["index"], e["field"], e["rule"]) for e in answer["errors"]] == [
        (3, "so2.unitCode", "unit"),
        (4, "type", "unknown_type"),
    ]

    def rows() -> dict[tuple[str, str], float]:
        sql = "SELECT source, metric, value FROM observation WHERE source LIKE %s"
        found = query(pipeline.settings, sql, (f"NG-{tag}-%",))
        return {(str(s), str(m)): float(v) for s, m, v in found}  # type: ignore[arg-type]

    stored = wait_for(lambda: len(found := rows()) == 8 and found, 60, what="the three mapped entities")
    assert stored == {
        (f"NG-{tag}-AQ", "pm25"): 31.5,
        (f"NG-{tag}-AQ", "co"): 1200.0,
        (f"NG-{tag}-AQ", "humidity"): pytest.approx(81.0),
        (f"NG-{tag}-TR", "intensity"): 3600.0,
        (f"NG-{tag}-TR", "occupancy"): 25.0,
        (f"NG-{tag}-TR", "speed"): 42.0,
        (f"NG-{tag}-TR", "congested"): 0.0,
        (f"NG-{tag}-WL", "water_level"): 2.15,
    }
    letters = wait_for(
        lambda: query(
            pipeline.settings,
            "SELECT field, rule, reason, topic FROM dead_letter"
            " WHERE dl_id LIKE 'ngsi-ld:%%' AND convert_from(raw, 'UTF8') LIKE %s ORDER BY field",
            (f"%NG-{tag}-%",),
        ),
        60,
        what="the two entities that could not be mapped, in the dead letters",
    )
    assert [row[:3] for row in letters] == [(e["field"], e["rule"], e["reason"]) for e in answer["errors"]]
    assert {row[3] for row in letters} == {"POST /ingest/ngsi-ld"}  # where a fixed entity is sent again


def test_a_key_that_may_send_to_no_mapped_feed_is_refused(pipeline: Pipeline) -> None:
    operator = apikeys.add(pipeline.settings.dsn, "Trực ban (test)", None, "operator")[1]
    noise_only = apikeys.add(pipeline.settings.dsn, "noise integrator (test)", ["noise"])[1]
    body = json.dumps({"id": "urn:ngsi-ld:Parking:P1", "type": "Parking"}).encode()
    for key in (operator, noise_only):
        status, answer = http_json(f"{pipeline.url}/ingest/ngsi-ld", key, body, "application/ld+json")
        assert status == 403 and "may send to none of ['air_quality', 'hydro', 'traffic']" in answer["detail"]
    status, answer = http_json(f"{pipeline.url}/ingest/ngsi-ld", None, body, "application/ld+json")
    assert status == 401
