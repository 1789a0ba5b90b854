"""The HTTP ingest adapter against the real Kafka and database: auth, limits, per-record errors, and what
lands in ioc.ingest.<feed> (the worker's part is in tests/e2e/test_http_ingest.py)."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition

from dashboard.app import create_app
from ioc import apikeys
from ioc.settings import Settings

pytestmark = pytest.mark.integration
URL = "/ingest/air_quality"


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    small = settings.model_copy(update={"ingest_max_bytes": 20_000, "ingest_max_records": 50})
    with TestClient(create_app(small)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def key(settings: Settings) -> str:
    return apikeys.add(settings.dsn, "Integration test", ["air_quality"])[1]


def record(source: str, pm25: object = 12.0, **extra: object) -> dict[str, object]:
    return {"source": source, "ts": datetime.now(UTC).isoformat(), "values": {"pm25": pm25}, **extra}


def on_topic(settings: Settings, sources: set[str]) -> list[dict[str, object]]:
    """The messages of ``sources`` now on ioc.ingest.air_quality."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, consumer_timeout_ms=3000)
    partitions = [
        TopicPartition("ioc.ingest.air_quality", p) for p in consumer.partitions_for_topic("ioc.ingest.air_quality")
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    found = []
    for message in consumer:
        try:
            body = json.loads(message.value)
        except ValueError:
            continue
        if isinstance(body, dict) and body.get("source") in sources:
            found.append(body)
    consumer.close()
    return found


def test_a_batch_is_forwarded_whole_with_the_errors_of_its_bad_records(
    client: TestClient, key: str, settings: Settings
) -> None:
    tag = uuid.uuid4().hex[:6]
    good = [record(f"HTTP-{tag}-{i}") for i in range(3)]
    bad = [record(f"HTTP-{tag}-neg", -5), record(f"HTTP-{tag}-late", ts="yesterday")]
    response = client.post(URL, json=[good[0], bad[0], good[1], bad[1], good[2]], headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (5, 3, 2)
    assert [(e["index"], e["field"], e["rule"]) for e in body["errors"]] == [
        (1, "values.pm25", "range"),
        (3, "ts", "format"),
    ]
    assert body["ids"][1] is None and body["ids"][0].startswith(f"HTTP-{tag}-0|air_quality|")
    # All five are on the topic: the validate agent dead-letters the two bad ones, nothing is dropped here.
    sent = on_topic(settings, {r["source"] for r in good + bad})  # type: ignore[misc]
    assert sorted(m["source"] for m in sent) == sorted(r["source"] for r in good + bad)  # type: ignore[type-var]


def test_ndjson_lines_are_records_and_an_unreadable_line_is_reported(client: TestClient, key: str) -> None:
    tag = uuid.uuid4().hex[:6]
    lines = [json.dumps(record(f"ND-{tag}-1")), "", "{not json", json.dumps(record(f"ND-{tag}-2"))]
    response = client.post(
        URL,
        content="\n".join(lines).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 2
    assert [(e["index"], e["field"], e["rule"]) for e in response.json()["errors"]] == [(1, "$", "json")]


def test_a_batch_with_no_valid_record_is_422(client: TestClient, key: str) -> None:
    response = client.post(URL, json=[{"source": "x"}, {"ts": "2026-11-24T08:00:00+07:00"}], headers={"X-API-Key": key})
    assert response.status_code == 422
    assert response.json()["accepted"] == 0 and len(response.json()["errors"]) == 2


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "an API key is required"),
        ({"X-API-Key": "ioc_nope_nope"}, 401, "unknown API key"),
        ({"Authorization": "Bearer not-a-key"}, 401, "unknown API key"),
    ],
)
def test_requests_without_a_valid_key_are_refused(
    client: TestClient, headers: dict[str, str], status: int, message: str
) -> None:
    response = client.post(URL, json=[record("NOKEY")], headers=headers)
    assert response.status_code == status and message in response.json()["detail"]


def test_a_key_works_only_for_its_feeds_and_not_after_revocation(client: TestClient, settings: Settings) -> None:
    other, secret = apikeys.add(settings.dsn, "Hydro only", ["hydro"])
    response = client.post(URL, json=[record("HYDRO-KEY")], headers={"X-API-Key": secret})
    assert response.status_code == 403 and "hydro" in response.json()["detail"]
    assert apikeys.revoke(settings.dsn, other.key_id)
    response = client.post(URL, json=[record("HYDRO-KEY")], headers={"X-API-Key": secret})
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert not apikeys.revoke(settings.dsn, other.key_id)


def test_an_operator_key_cannot_ingest_and_an_unknown_role_is_refused(client: TestClient, settings: Settings) -> None:
    operator, secret = apikeys.add(settings.dsn, "Trực ban", None, "operator")
    assert operator.role == "operator"
    response = client.post(URL, json=[record("OPERATOR-KEY")], headers={"X-API-Key": secret})
    assert response.status_code == 403 and "(operator) may send nothing" in response.json()["detail"]
    with pytest.raises(ValueError, match="role: 'root' is not one of"):
        apikeys.add(settings.dsn, "x", None, "root")


def test_unknown_feed_wrong_type_and_limits(client: TestClient, key: str) -> None:
    headers = {"X-API-Key": key}
    response = client.post("/ingest/noise", json=[record("N")], headers=headers)
    assert response.status_code == 404 and "air_quality" in response.json()["detail"]
    response = client.post(URL, content=b"pm25=1", headers={**headers, "Content-Type": "text/plain"})
    assert response.status_code == 415
    response = client.post(URL, content=b"[{", headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and "not valid UTF-8 JSON" in response.json()["detail"]
    response = client.post(URL, json=[record(f"MANY-{i}") for i in range(51)], headers=headers)
    assert response.status_code == 413 and "at most 50" in response.json()["detail"]
    response = client.post(URL, json=[record("BIG", note="x" * 30_000)], headers=headers)
    assert response.status_code == 413
    response = client.post(URL, json=[], headers=headers)
    assert response.status_code == 422


def test_a_far_future_record_is_reported_as_such(client: TestClient, key: str) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(URL, json=[record("FUTURE", ts=future)], headers={"X-API-Key": key})
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "future"
