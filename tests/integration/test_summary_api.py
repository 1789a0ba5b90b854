"""GET /api/summary/daily against the real database: one day of stored figures, alerts and notifications, as
an official linked to a receiver sees it. The day (29 Feb 2024, local) is one no other test writes to."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from ioc import apikeys, users
from ioc.indicators.public_services import LOCAL
from ioc.settings import Settings

pytestmark = pytest.mark.integration
DAY = "2024-02-29"
RECEIVER = f"receiver-{uuid.uuid4().hex[:6]}"


def local(clock: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{clock}").replace(tzinfo=LOCAL)


def alert(
    kind: str, state: str, at: str, fingerprint: str, domain: str, severity: str, opened: str
) -> tuple[object, ...]:
    seq = {"fired": 1, "acknowledged": 2, "resolved": 3}[kind]
    return (local(at), f"{fingerprint}#{seq}", fingerprint, seq, kind, state, severity, "rule", "threshold", "pack",
            domain, "SRC", "feed", "system", local(opened))  # fmt: skip


@pytest.fixture(scope="module")
def stored(settings: Settings) -> None:
    """What the day held: two stations, a gauge up to alarm level II, a congested road, public-service events,
    an air alert acknowledged after 6 minutes and resolved, a water alert still open at midnight, and three
    notification attempts (two to our receiver)."""
    air, water = f"sum-air-{uuid.uuid4().hex[:6]}", f"sum-water-{uuid.uuid4().hex[:6]}"
    with psycopg.connect(settings.dsn) as conn:
        for source, hour, aqi in (
            ("HUE-AQ-01", "08:00", 162.0),
            ("HUE-AQ-01", "09:00", 120.0),
            ("HUE-AQ-02", "03:00", 48.0),
        ):
            conn.execute(
                "INSERT INTO kpi_window (window_start, window_end, kpi, feed, source, metric, value, count, min, max,"
                " revision) VALUES (%s, %s, 'vn_aqi_1h', 'air_quality', %s, 'aqi', %s, 1, %s, %s, 0)",
                (local(hour), local(hour) + timedelta(hours=1), source, aqi, aqi, aqi),
            )
        observations = [
            ("HUE-WL-01", "hydro", "water_level", "10:00", 0.8),
            ("HUE-WL-01", "hydro", "water_level", "14:00", 2.2),  # alarm levels 1.0, 2.0, 3.5: II
            ("HUE-WL-01", "hydro", "rainfall", "10:00", 10.0),
            ("HUE-WL-01", "hydro", "rainfall", "14:00", 5.5),
            *(("HUE-RD-01", "traffic", "congested", f"17:0{m}", 1.0) for m in range(3)),
            ("HUE-RD-01", "traffic", "congested", "17:05", 0.0),
        ]
        for n, (source, feed, metric, clock, value) in enumerate(observations):
            conn.execute(
                "INSERT INTO observation (time, record_id, feed, source, metric, value)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (local(clock), f"summary-{DAY}-{n}", feed, source, metric, value),
            )
        events = [
            ("dossier", {"dossier_id": "D1", "status": 2}), ("dossier", {"dossier_id": "D1", "status": 9}),
            ("dossier", {"dossier_id": "D2", "status": 2}), ("dossier", {"dossier_id": "D3", "status": 3}),
            ("dossier", {"dossier_id": "D1", "status": 10}),  # its result returned: done once
            ("feedback", {"feedback_id": "F1", "stage": 1}),
            ("payment", {"payment_id": "P1", "dossier_id": "D1", "status": 1}),
            ("payment", {"payment_id": "P3", "dossier_id": "D1", "status": 1}),  # a second payment of D1
            ("payment", {"payment_id": "P2", "status": 2}),  # not paid: not counted
        ]  # fmt: skip
        for n, (feed, attributes) in enumerate(events):
            conn.execute(
                "INSERT INTO event (time, record_id, feed, source, attributes) VALUES (%s, %s, %s, 'HUE-AG-X', %s)",
                (local(f"09:{n:02}"), f"summary-{DAY}-e{n}", feed, psycopg.types.json.Jsonb(attributes)),
            )
        for row in (
            alert("fired", "firing", "08:10", air, "air", "warning", "08:10"),
            alert("acknowledged", "acknowledged", "08:16", air, "air", "warning", "08:10"),
            alert("resolved", "resolved", "11:00", air, "air", "warning", "08:10"),
            alert("fired", "firing", "14:05", water, "water", "critical", "14:05"),
        ):
            conn.execute(
                "INSERT INTO alert_event (time, id, fingerprint, seq, kind, state, severity, rule, rule_type, pack,"
                " domain, source, feed, by_user, opened_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s)",
                row,
            )
        for receiver, status in ((RECEIVER, "sent"), (RECEIVER, "failed"), ("someone-else", "sent")):
            conn.execute(
                "INSERT INTO alert_delivery (time, key, transition_id, receiver, channel, attempt, status)"
                " VALUES (%s, %s, %s, %s, 'email', 1, %s)",
                (local("14:06"), water, f"{water}#1", receiver, status),
            )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def official(client: TestClient, settings: Settings, receiver: str | None) -> dict[str, str]:
    name, password = f"sum-{uuid.uuid4().hex[:6]}", "mật khẩu đủ dài 123"
    users.add(settings.dsn, name, "Cán bộ thử", "official", password, receiver)
    login = client.post("/api/auth/login", json={"username": name, "password": password})
    assert login.status_code == 200, login.text
    return {"Cookie": f"ioc_session={login.cookies['ioc_session']}"}


def test_a_day_in_figures_as_a_linked_official_sees_it(client: TestClient, settings: Settings, stored: None) -> None:
    answer = client.get("/api/summary/daily", params={"day": DAY}, headers=official(client, settings, RECEIVER))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["day"], body["from"], body["complete"], body["receiver"]) == (
        DAY, "2024-02-29T00:00:00+07:00", True, RECEIVER,
    )  # fmt: skip
    air = body["air"]
    assert [(s["source"], s["aqi"], s["at"], s["category"]["vi"]) for s in air["worst"]] == [
        ("HUE-AQ-01", 162, "2024-02-29T08:00:00+07:00", "Xấu"),
        ("HUE-AQ-02", 48, "2024-02-29T03:00:00+07:00", "Tốt"),
    ]
    [gauge] = body["water"]["worst"]
    assert (gauge["source"], gauge["level"], gauge["alarm"], gauge["rain_mm"]) == ("HUE-WL-01", 2.2, 2, 15.5)
    assert gauge["at"] == "2024-02-29T14:00:00+07:00"
    assert [(s["source"], s["congested_minutes"]) for s in body["traffic"]["worst"]] == [("HUE-RD-01", 3)]
    assert body["services"] == {"accepted": 2, "refused": 1, "done": 1, "feedback": 1, "payments": 2}
    alerts = body["alerts"]
    assert alerts["raised"] == {"air": {"warning": 1}, "water": {"critical": 1}} and alerts["resolved"] == 1
    assert alerts["open_at_end"] == {"water": 1} and alerts["ack_median_minutes"] == 6.0
    assert body["notifications"] == {"sent": 1, "failed": 1}  # only what was sent to them


def test_an_unlinked_official_sees_every_notification_and_the_delivery_log_follows_the_link(
    client: TestClient, settings: Settings, stored: None
) -> None:
    anyone = official(client, settings, None)
    assert client.get("/api/summary/daily", params={"day": DAY}, headers=anyone).json()["notifications"] == {
        "sent": 2, "failed": 1,
    }  # fmt: skip
    mine = client.get("/api/alerts/deliveries", params={"limit": 1000}, headers=official(client, settings, RECEIVER))
    assert mine.json()["receiver"] == RECEIVER and {d["receiver"] for d in mine.json()["items"]} == {RECEIVER}


def test_a_future_day_is_refused_naming_the_field(client: TestClient, settings: Settings) -> None:
    key = {"X-API-Key": apikeys.add(settings.dsn, "summary test", None, "operator")[1]}
    answer = client.get("/api/summary/daily", params={"day": "2999-01-01"}, headers=key)
    assert answer.status_code == 422 and answer.json()["detail"].startswith("day: 2999-01-01 is in the future")
    assert client.get("/api/summary/daily", headers=key).json()["complete"] is False  # today is not over
