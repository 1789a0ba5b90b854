"""Feed health against the real database: the sinks count only what they newly store (a replayed batch
counts nothing), and GET /api/feeds/health reports each source's status, rate and rejected share."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from ioc import apikeys
from ioc.settings import Settings
from streams.sinks import DeadLetterSink, EventSink, ObservationSink
from tests.infra import query
from tests.integration.test_sinks import obs

pytestmark = pytest.mark.integration


def letter(source: str, n: int) -> dict[str, Any]:
    return {"dl_id": f"ioc.ingest.air_quality:1:{uuid.uuid4().int % 10**12}-{n}", "topic": "ioc.ingest.air_quality",
            "feed": "air_quality", "source": source, "field": "values.pm25", "rule": "range",
            "reason": "values.pm25: -5 is below 0", "received_at": "2026-11-24T01:00:00+00:00",
            "raw": base64.b64encode(b"{}").decode()}  # fmt: skip


def payment(agency: str, n: int) -> dict[str, Any]:
    return {"id": f"{agency}-P{n}", "feed": "payment", "source": agency, "ts": f"2026-11-24T08:00:0{n}+07:00",
            "values": {"amount": 50000.0},
            "attributes": {"payment_id": f"{agency}-P{n}", "status": 1, "method": "qr"}}  # fmt: skip


@pytest.fixture(scope="module")
async def station(settings: Settings) -> str:
    """Ten readings (two metrics each) stored, one batch replayed, and three rejected."""
    source = f"HEALTH-{uuid.uuid4().hex[:8]}"
    batch = [obs(source, s, 10.0 + s) for s in range(10)]
    letters = [letter(source, n) for n in range(3)]
    observations, dead = ObservationSink(settings.dsn), DeadLetterSink(settings.dsn)
    try:
        await observations.write(batch)
        await observations.write(batch[:5])  # read again after a crash: nothing new
        await dead.write(letters)
        await dead.write(letters)
    finally:
        await observations.close()
        await dead.close()
    return source


def counts(settings: Settings, source: str) -> list[tuple[Any, ...]]:
    return query(settings, "SELECT feed, sum(records), sum(rejected) FROM source_activity WHERE source = %s"
                           " GROUP BY feed ORDER BY feed", (source,))  # fmt: skip


def test_sinks_count_what_they_newly_store(settings: Settings, station: str) -> None:
    assert counts(settings, station) == [("air_quality", 10, 3)]
    [(last_seen, last_stored, last_event)] = query(
        settings, "SELECT last_seen, last_stored, last_event FROM source_seen WHERE source = %s", (station,)
    )
    assert last_stored is not None and last_seen >= last_stored
    assert last_event.isoformat() == "2026-11-24T01:00:09+00:00"


async def test_a_record_with_values_and_attributes_counts_once(settings: Settings) -> None:
    agency = f"HEALTH-AG-{uuid.uuid4().hex[:8]}"
    batch = [payment(agency, n) for n in range(4)]
    observations, events = ObservationSink(settings.dsn), EventSink(settings.dsn)
    try:
        await observations.write(batch)  # as the sink consumer does: observations, then events, of one batch
        await events.write(batch)
    finally:
        await observations.close()
        await events.close()
    assert counts(settings, agency) == [("payment", 4, 0)]


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def key(settings: Settings, role: str, feeds: list[str] | None = None) -> dict[str, str]:
    return {"X-API-Key": apikeys.add(settings.dsn, f"health test {role}", feeds, role)[1]}


def test_the_api_reports_each_source(client: TestClient, settings: Settings, station: str) -> None:
    response = client.get("/api/feeds/health", params={"window": "1h"}, headers=key(settings, "operator"))
    assert response.status_code == 200, response.text
    body = response.json()
    (mine,) = [s for s in body["sources"] if s["source"] == station]
    assert (mine["status"], mine["records"], mine["rejected"]) == ("ok", 10, 3)
    assert mine["rejected_share"] == pytest.approx(3 / 13, abs=1e-4)
    assert mine["per_minute"] == pytest.approx(10 / 60, abs=1e-3)
    assert mine["name"] is None and mine["interval_seconds"] == 60  # not in the metadata: the feed's interval
    # every declared source is listed; in this fresh test database most of them have never sent anything
    declared = {s["source"] for s in body["sources"] if s["feed"] == "air_quality" and s["name"]}
    assert {"HUE-AQ-01", "HUE-AQ-08"} <= declared
    assert sum(body["feeds"]["air_quality"].values()) == len([s for s in body["sources"] if s["feed"] == "air_quality"])


def test_an_integrator_sees_only_its_feeds_and_bad_parameters_are_refused(
    client: TestClient, settings: Settings
) -> None:
    integrator = key(settings, "integrator", ["hydro"])
    body = client.get("/api/feeds/health", headers=integrator).json()
    assert {s["feed"] for s in body["sources"]} == {"hydro"}
    assert client.get("/api/feeds/health").status_code == 401
    assert client.get("/api/feeds/health", params={"feed": "noise"}, headers=integrator).status_code == 404
    assert client.get("/api/feeds/health", params={"window": "forever"}, headers=integrator).status_code == 422


def test_the_websocket_health_channel_carries_each_sources_row(
    client: TestClient, settings: Settings, station: str
) -> None:
    with client.websocket_connect("/ws?channels=health", headers=key(settings, "integrator")) as ws:
        rows = ws.receive_json()["health"]  # the snapshot: the first count may not be done yet
        while not any(r["source"] == station for r in rows):
            message = ws.receive_json()
            rows = [message["data"]] if message["type"] == "health" else []
    (mine,) = [r for r in rows if r["source"] == station]
    assert (mine["records"], mine["rejected"], mine["status"]) == (10, 3, "ok")
