"""Logins, roles, CSRF and the websocket's checks against the real database; and a walk over the OpenAPI
document proving every endpoint refuses the unauthenticated and the wrong roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from dashboard.app import create_app
from ioc import apikeys, users
from ioc.apikeys import ROLES
from ioc.settings import Settings
from tests.infra import query

pytestmark = pytest.mark.integration
PUBLIC = {("POST", "/api/auth/login"), ("GET", "/api/config"), ("GET", "/api/health")}
EVERYONE = set(ROLES)
READERS = {"operator", "official", "admin"}
ACTORS = {"operator", "admin"}
INTEGRATORS = {"integrator", "admin"}
# Who may call what. Every operation of the OpenAPI document must be here, so a new endpoint needs a decision.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/auth/me"): EVERYONE,
    ("POST", "/api/auth/logout"): EVERYONE,
    ("GET", "/api/kpi"): EVERYONE,
    ("GET", "/api/sources"): EVERYONE,
    ("GET", "/api/areas"): EVERYONE,
    ("GET", "/api/feeds/health"): EVERYONE,
    ("GET", "/api/deadletters"): INTEGRATORS,
    ("GET", "/api/deadletters/{dl_id}"): INTEGRATORS,
    ("POST", "/api/deadletters/{dl_id}/replay"): INTEGRATORS,
    ("GET", "/api/keys"): INTEGRATORS,
    ("POST", "/ingest/{feed}"): INTEGRATORS,
    ("POST", "/ingest/ngsi-ld"): INTEGRATORS,
    ("GET", "/api/alerts"): READERS,
    ("GET", "/api/alerts/deliveries"): READERS,
    ("GET", "/api/alerts/{fingerprint}"): READERS,
    ("POST", "/api/alerts/{fingerprint}/actions/{action}"): ACTORS,
    ("GET", "/api/incidents"): READERS,
    ("GET", "/api/incidents/{incident_id}"): READERS,
    ("GET", "/api/silences"): READERS,
    ("POST", "/api/silences"): ACTORS,
    ("DELETE", "/api/silences/{silence_id}"): ACTORS,
    ("GET", "/api/index766"): READERS,
    ("GET", "/api/summary/daily"): READERS,
}


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(settings: Settings) -> dict[str, str]:
    return {role: apikeys.add(settings.dsn, f"access test {role}", None, role)[1] for role in ROLES}


def person(settings: Settings, role: str) -> tuple[str, str]:
    name, password = f"t-{role}-{uuid.uuid4().hex[:6]}", "mật khẩu đủ dài 123"
    users.add(settings.dsn, name, "Người thử", role, password)
    return name, password


def operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    url = path.replace("{fingerprint}", "no/such|alert").replace("{action}", "acknowledge")
    url = url.replace("{feed}", "air_quality")
    for name in ("dl_id", "incident_id", "silence_id"):
        url = url.replace("{" + name + "}", "nothing")
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.request(method, url, headers=headers, **body).status_code


def test_every_endpoint_refuses_the_unauthenticated_and_the_wrong_roles(
    client: TestClient, keys: dict[str, str]
) -> None:
    found = operations(client)
    assert set(found) - PUBLIC == set(ALLOWED), "decide who may call the new endpoints"
    refused: list[str] = []
    for method, path in sorted(set(found) - PUBLIC):
        client.cookies.clear()
        if (code := call(client, method, path, {})) != 401:
            refused.append(f"{method} {path} without credentials: {code}")
        for role, key in keys.items():
            code = call(client, method, path, {"X-API-Key": key})
            allowed = role in ALLOWED[(method, path)]
            if allowed == (code in (401, 403)) or code >= 500:
                refused.append(f"{method} {path} as {role}: {code}")
    assert refused == []
    for method, path in PUBLIC:
        assert call(client, method, path, {}) not in (401, 403), path


def test_every_change_made_with_a_session_needs_the_csrf_token(client: TestClient, settings: Settings) -> None:
    name, password = person(settings, "admin")
    client.cookies.clear()
    login = client.post("/api/auth/login", json={"username": name, "password": password})
    session = {"Cookie": f"ioc_session={login.cookies['ioc_session']}"}
    client.cookies.clear()
    unsafe = [(m, p) for m, p in operations(client) if m in ("POST", "PUT", "PATCH", "DELETE") and (m, p) not in PUBLIC]
    assert len(unsafe) >= 6
    for method, path in unsafe:
        expected = 401 if path.startswith("/ingest/") else 403  # ingest takes API keys only
        assert call(client, method, path, session) == expected, (method, path)


def test_an_integrator_person_sees_the_feeds_of_their_keys_only(client: TestClient, settings: Settings) -> None:
    name, password = person(settings, "integrator")
    apikeys.add(settings.dsn, "Sở NN&MT - trạm thủy văn", ["hydro"], "integrator", owner=name)
    client.cookies.clear()
    login = client.post("/api/auth/login", json={"username": name, "password": password})
    session = {"Cookie": f"ioc_session={login.cookies['ioc_session']}"}
    client.cookies.clear()
    assert client.get("/api/deadletters", params={"feed": "air_quality"}, headers=session).status_code == 403
    assert {row["feed"] for row in client.get("/api/deadletters", headers=session).json()["items"]} <= {"hydro"}
    health = client.get("/api/feeds/health", headers=session).json()
    assert {row["feed"] for row in health["sources"]} == {"hydro"}
    [key] = client.get("/api/keys", headers=session).json()["items"]
    assert (key["owner"], key["feeds"]) == (name, ["hydro"])
    with client.websocket_connect("/ws?channels=health", headers=session) as ws:
        assert {row["feed"] for row in ws.receive_json()["health"]} <= {"hydro"}


def test_a_login_session_reads_and_acts_with_its_csrf_token_until_logout(
    client: TestClient, settings: Settings
) -> None:
    name, password = person(settings, "operator")
    client.cookies.clear()
    assert client.post("/api/auth/login", json={"username": name, "password": "wrong password"}).status_code == 401
    answer = client.post("/api/auth/login", json={"username": name.upper(), "password": password})
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert (me["username"], me["role"], me["display_name"]) == (name, "operator", "Người thử")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/api/auth/me").json()["csrf_token"] == me["csrf_token"]
    assert client.get("/api/alerts").status_code == 200
    assert client.get("/api/deadletters").status_code == 403  # an operator, not an integrator
    silence = {"matchers": {"source": "NOWHERE"}, "minutes": 5, "comment": "kiểm thử"}
    refused = client.post("/api/silences", json=silence)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/silences", json=silence, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    made = client.post("/api/silences", json=silence, headers={"X-CSRF-Token": me["csrf_token"]})
    assert made.status_code in (201, 422), made.text  # past the checks: the body decides
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 204
    assert client.get("/api/alerts", cookies={"ioc_session": answer.cookies["ioc_session"]}).status_code == 401


async def test_expired_sessions_and_disabled_users_are_refused(client: TestClient, settings: Settings) -> None:
    name, password = person(settings, "official")
    async with await psycopg.AsyncConnection.connect(settings.dsn, autocommit=True) as conn:
        old = await users.login(conn, name, password, datetime.now(UTC) - timedelta(hours=13), timedelta(hours=12))
        live = await users.login(conn, name, password, datetime.now(UTC), timedelta(hours=12))
    assert old is not None and live is not None
    client.cookies.clear()
    assert client.get("/api/alerts", cookies={"ioc_session": old.token}).status_code == 401
    assert client.get("/api/alerts", cookies={"ioc_session": live.token}).status_code == 200
    assert users.disable(settings.dsn, name)
    assert client.get("/api/alerts", cookies={"ioc_session": live.token}).status_code == 401
    answer = client.post("/api/auth/login", json={"username": name, "password": password})
    assert answer.status_code == 401


def test_repeated_wrong_passwords_are_throttled(client: TestClient, settings: Settings) -> None:
    name, _ = person(settings, "integrator")
    codes = [
        client.post("/api/auth/login", json={"username": name, "password": f"guess {n}"}).status_code for n in range(6)
    ]
    assert codes == [401] * 5 + [429]


def test_the_websocket_checks_who_listens_and_from_where(client: TestClient, keys: dict[str, str]) -> None:
    client.cookies.clear()
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws?channels=kpi") as ws:
        ws.receive_json()
    assert closed.value.code == 4401
    integrator = {"X-API-Key": keys["integrator"]}
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws?channels=alerts", headers=integrator) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403 and "alerts" in closed.value.reason
    long_name = "/ws?channels=" + "kênh-không-có-" * 30
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(long_name, headers=integrator) as ws:
        ws.receive_json()
    assert closed.value.code == 1008 and len(closed.value.reason.encode()) <= 123
    with client.websocket_connect("/ws?channels=health", headers=integrator) as ws:
        snapshot = ws.receive_json()
    assert snapshot["type"] == "snapshot" and "epoch" in snapshot and "seq" in snapshot


def test_a_session_websocket_from_another_site_is_refused(client: TestClient, settings: Settings) -> None:
    name, password = person(settings, "operator")
    client.cookies.clear()
    answer = client.post("/api/auth/login", json={"username": name, "password": password})
    session = {"Cookie": f"ioc_session={answer.cookies['ioc_session']}"}
    client.cookies.clear()
    url = "ws://127.0.0.1:8000/ws?channels=kpi"
    with client.websocket_connect(url, headers={**session, "Origin": "http://127.0.0.1:8000"}) as ws:
        assert ws.receive_json()["type"] == "snapshot"
    foreign = {**session, "Origin": "https://evil.example"}  # refused before the session is even looked at
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws?channels=kpi", headers=foreign) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403
    client.cookies.clear()


def test_a_reconnecting_client_resumes_without_gap_or_duplicate(client: TestClient, keys: dict[str, str]) -> None:
    hub = client.app.state.hub  # type: ignore[attr-defined]
    viewer = {"X-API-Key": keys["operator"]}
    with client.websocket_connect("/ws?channels=kpi", headers=viewer) as ws:
        snapshot = ws.receive_json()

    def window(minute: int) -> dict[str, object]:
        return {"kpi": "mean_60s", "source": "RESUME-1", "metric": "pm25", "value": float(minute), "revision": 0,
                "window_start": f"2031-01-01T00:{minute:02d}:00+00:00", "unit_code": "HUE.PHUHOI"}  # fmt: skip

    for minute in range(3):  # published while the client was away
        hub.publish("kpi", window(minute))
    url = f"/ws?channels=kpi&epoch={snapshot['epoch']}&since={snapshot['seq']}"
    with client.websocket_connect(url, headers=viewer) as ws:
        resume = ws.receive_json()
        missed = [ws.receive_json() for _ in range(resume["missed"])]
    assert resume["type"] == "resume" and resume["missed"] == 3
    assert [m["data"]["value"] for m in missed] == [0.0, 1.0, 2.0]
    assert [m["seq"] for m in missed] == list(range(snapshot["seq"] + 1, snapshot["seq"] + 4))
    with client.websocket_connect("/ws?channels=kpi&epoch=old-process&since=1", headers=viewer) as ws:
        assert ws.receive_json()["type"] == "snapshot"  # another dashboard process: a snapshot instead


def test_a_login_prunes_sessions_that_ended_over_a_month_ago(client: TestClient, settings: Settings) -> None:
    name, password = person(settings, "operator")
    old, recent = uuid.uuid4().bytes, uuid.uuid4().bytes
    for token, days in ((old, 31), (recent, 29)):
        query(settings, "INSERT INTO user_session (token_sha, username, csrf_token, created_at, expires_at, ended_at)"
              " VALUES (%s, %s, 'x', now() - make_interval(days => %s), now() - make_interval(days => %s), NULL)"
              " RETURNING 1", (token, name, days + 1, days))  # fmt: skip
    assert client.post("/api/auth/login", json={"username": name, "password": password}).status_code == 200
    kept = {row[0] for row in query(settings, "SELECT token_sha FROM user_session WHERE username = %s", (name,))}
    assert old not in kept and recent in kept
