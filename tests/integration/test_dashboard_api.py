"""REST API of the dashboard against the real database (the live websocket path is in tests/e2e)."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from ioc import apikeys
from ioc.settings import Settings
from streams.sinks import KpiSink

pytestmark = pytest.mark.integration
DAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()  # inside the latest windows' last week


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        test_client.headers["X-API-Key"] = apikeys.add(settings.dsn, "KPI reader", None, "official")[1]
        yield test_client


@pytest.fixture(scope="module")
async def source(settings: Settings) -> str:
    """A station with ten 1-minute windows from 01:00 to 01:09 UTC yesterday, values 0..9, counts 1..10."""
    name = f"API-{uuid.uuid4().hex[:8]}"
    sink = KpiSink(settings.dsn)
    await sink.write(
        [
            {
                "kpi": "mean_60s",
                "feed": "air_quality",
                "source": name,
                "metric": "pm25",
                "unit_code": None,
                "window_start": f"{DAY}T01:0{m}:00+00:00",
                "window_end": f"{DAY}T01:0{m}:59+00:00",
                "value": float(m),
                "count": m + 1,
                "min": float(m),
                "max": float(m),
                "revision": 0,
            }
            for m in range(10)
        ]
    )
    await sink.close()
    return name


def test_latest_is_the_newest_window_per_source_and_metric(client: TestClient, source: str) -> None:
    response = client.get("/api/kpi", params={"source": source})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "latest"
    [item] = body["items"]
    assert (item["window_start"], item["value"]) == (f"{DAY}T01:09:00+00:00", 9.0)


def test_history_uses_count_weighted_time_buckets(client: TestClient, source: str) -> None:
    response = client.get(
        "/api/kpi",
        params={
            "source": source,
            "bucket": "5m",
            "start": f"{DAY}T08:00:00+07:00",
            "end": f"{DAY}T08:10:00+07:00",
        },
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["bucket"], i["count"]) for i in items] == [
        (f"{DAY}T01:00:00+00:00", 15),
        (f"{DAY}T01:05:00+00:00", 40),
    ]
    # (0*1 + 1*2 + 2*3 + 3*4 + 4*5) / 15 = 40 / 15
    assert items[0]["value"] == pytest.approx(40 / 15)
    assert (items[1]["min"], items[1]["max"]) == (5.0, 9.0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bucket": "5 minutes"}, "bucket must be a number and a unit"),
        ({"bucket": "1m", "start": "2026-11-24T08:00:00", "end": "2026-11-24T09:00:00+07:00"}, "UTC offset"),
        ({"bucket": "1m", "start": "2026-11-24T09:00:00+07:00", "end": "2026-11-24T08:00:00+07:00"}, "before end"),
        ({"bucket": "1m", "start": "2000-01-01T00:00:00+07:00"}, "more than 20000 buckets"),
        ({"start": "2026-11-24T08:00:00+07:00"}, "need a bucket"),
        ({"limit": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_parameters_are_422_with_a_message(client: TestClient, params: dict[str, str], message: str) -> None:
    response = client.get("/api/kpi", params=params)
    assert response.status_code == 422
    assert message in response.text


def test_health_reports_each_dependency(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["kafka"]["ok"] and body["database"]["ok"]
    assert "lag" in body["worker"] and "lag" in body["sinks"]


def test_the_web_app_is_served_in_vietnamese_with_its_assets(client: TestClient) -> None:
    response = client.get("/", headers={"X-API-Key": ""})  # the page itself is public: it asks for a login
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text and "Trung tâm Giám sát, điều hành thông minh" in response.text
    script = re.search(r'src="(/assets/[^"]+\.js)"', response.text)
    assert script is not None and client.get(script.group(1)).status_code == 200


async def test_areas_roll_up_the_newest_statuses_of_their_sources(client: TestClient, settings: Settings) -> None:
    """Two gauges and a segment of a unit of our own, stored by the KPI sink as the worker would."""
    unit = f"TST{uuid.uuid4().hex[:6].upper()}.WARD"
    now = datetime.now(UTC).replace(microsecond=0)

    def status(kpi: str, source: str, metric: str, value: float, detail: dict[str, object]) -> dict[str, object]:
        return {"kpi": kpi, "feed": "x", "source": f"{unit}-{source}", "metric": metric, "unit_code": unit,
                "window_start": now.isoformat(), "window_end": now.isoformat(), "value": value, "count": 1,
                "min": value, "max": value, "revision": 0, "detail": detail}  # fmt: skip

    sink = KpiSink(settings.dsn)
    await sink.write([
        status("water_status", "G1", "water_level", 2.3, {"alarm": 2, "rate_cm_h": 8.0}),
        status("water_status", "G2", "water_level", 0.4, {"alarm": 0, "rate_cm_h": 15.0}),
        status("traffic_status", "R1", "speed_ratio", 0.25, {"los": "F", "congested": 1.0}),
    ])  # fmt: skip
    await sink.close()
    units = client.get("/api/areas").json()
    [mine] = [item for item in units["items"] if item["area"] == unit]
    assert mine["water"] == {"gauges": 2, "alarm": 2, "source": f"{unit}-G1", "rate_cm_h": 15.0}
    assert mine["traffic"] == {"segments": 1, "los": {"F": 1}, "congested": 1} and mine["air"] is None
    provinces = client.get("/api/areas", params={"level": "province"}).json()["items"]
    assert [p["area"] for p in provinces if p["area"] == unit.split(".")[0]] == [unit.split(".")[0]]
    assert client.get("/api/areas", params={"level": "district"}).status_code == 422
