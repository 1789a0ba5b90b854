"""GET /api/index766 against the real database: events stored by the event sink, the index computed from
them matches the pure function on the same events, readers only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from dashboard.app import create_app
from ioc import apikeys
from ioc.envelope import envelope_from_dict
from ioc.indicators.index766 import report
from ioc.indicators.public_services import LOCAL
from ioc.settings import Settings
from streams.sinks import EventSink

pytestmark = pytest.mark.integration
AT = "2026-10-20T12:00:00+07:00"


def dossier(agency: str, n: int, steps: list[tuple[str, int]], appointment: str) -> list[dict[str, object]]:
    """The status events of dossier ``n`` of ``agency`` (days of October 2026, local)."""
    dossier_id = f"{agency}-{n}"
    base = {"dossier_id": dossier_id, "channel": 2, "procedure": "DANG-KY-KET-HON",
            "received_at": f"2026-10-{steps[0][0]}+07:00",
            "appointment_at": f"2026-10-{appointment}+07:00"}  # fmt: skip
    return [
        {"id": f"{dossier_id}#{k}", "feed": "dossier", "source": agency, "ts": f"2026-10-{day}+07:00", "values": {},
         "attributes": {**base, "status": status, **({"finished_at": f"2026-10-{day}+07:00"} if status == 9 else {})}}
        for k, (day, status) in enumerate(steps, 1)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def agency() -> str:
    return f"IDX-AG-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def events(settings: Settings, agency: str) -> list[dict[str, object]]:
    """Three dossiers: one early, one late (done after its appointment), one open past it (overdue);
    and one received in September, outside the default period."""
    stored = [
        *dossier(agency, 1, [("05T08:00:00", 1), ("05T08:10:00", 2), ("06T10:00:00", 9)], "09T17:00:00"),
        *dossier(agency, 2, [("05T09:00:00", 1), ("05T09:10:00", 2), ("12T10:00:00", 9)], "09T17:00:00"),
        *dossier(agency, 3, [("06T09:00:00", 1), ("06T09:10:00", 2)], "13T17:00:00"),
    ]
    old = dossier(agency, 4, [("01T08:00:00", 1)], "01T17:00:00")
    old[0]["ts"] = old[0]["attributes"]["received_at"] = "2026-09-30T08:00:00+07:00"  # type: ignore[index]
    sink = EventSink(settings.dsn)
    try:
        await sink.write([*stored, *old])
    finally:
        await sink.close()
    return stored


@pytest.fixture(scope="module")
def client(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    inputs = tmp_path_factory.mktemp("index766") / "inputs.yaml"
    inputs.write_text(yaml.safe_dump({"*": {"1.1": 1.0, "6.1": 0.5}}), encoding="utf-8")
    with TestClient(create_app(settings.model_copy(update={"index766_inputs": Path(inputs)}))) as test_client:
        yield test_client


def key(settings: Settings, role: str) -> dict[str, str]:
    return {"X-API-Key": apikeys.add(settings.dsn, f"index766 test {role}", None, role)[1]}


def test_the_live_index_is_the_pure_index_of_the_stored_events(
    client: TestClient, settings: Settings, agency: str, events: list[dict[str, object]]
) -> None:
    response = client.get("/api/index766", params={"at": AT, "agency": agency}, headers=key(settings, "official"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["since"] == "2026-10-01T00:00:00+07:00"  # the 1st of the month of `at`
    (mine,) = body["agencies"]
    assert mine["counts"]["received"] == 3 and mine["counts"]["dossiers"] == 3  # September's left out
    assert (mine["counts"]["early"], mine["counts"]["late"], mine["counts"]["overdue"]) == (1, 1, 1)
    assert mine["parts"]["2.1"] == pytest.approx(20 / 3, abs=0.01)  # 1 of 3 on time
    assert mine["parts"]["1.1"] == 6.0 and mine["parts"]["6.1"] == 3.0 and "1.2" in mine["missing_inputs"]
    # the open one first: due Tue 13 Oct, 5 working days late on Tue 20 Oct; then the one done on Mon 12 Oct,
    # 1 working day after its appointment on Fri 9 Oct
    assert [(c["id"], c["state"], c["due"], c["late_days"]) for c in mine["costly"]] == [
        (f"{agency}-3", "overdue", "2026-10-13", 5),
        (f"{agency}-2", "late", "2026-10-09", 1),
    ]
    assert mine["costly"][0] | {"received_at": None} == {
        "kind": "dossier", "id": f"{agency}-3", "reason": "past_appointment", "state": "overdue",
        "received_at": None, "due": "2026-10-13", "late_days": 5, "procedure": "DANG-KY-KET-HON", "status": 2,
    }  # fmt: skip
    offline = report([envelope_from_dict(e) for e in events], datetime.fromisoformat(AT),
                     {"*": {"1.1": 1.0, "6.1": 0.5}}, datetime(2026, 10, 1, tzinfo=LOCAL))  # fmt: skip
    (expected,) = [a for a in offline["agencies"] if a["agency"] == agency]
    assert {k: v for k, v in mine.items() if k not in ("rank", "of")} == {
        k: v for k, v in expected.items() if k not in ("rank", "of")
    }


def test_the_index_needs_a_readers_key(client: TestClient, settings: Settings) -> None:
    assert client.get("/api/index766").status_code == 401
    assert client.get("/api/index766", headers=key(settings, "integrator")).status_code == 403


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"at": "2026-10-20T12:00:00"}, "at: needs a UTC offset"),
        ({"at": AT, "since": "2026-11-01"}, "since must be before at"),
        ({"at": AT, "since": "2024-01-01"}, "at most 366 days"),
        ({"since": "yesterday"}, "date"),
    ],
)
def test_bad_parameters_are_422_with_a_message(
    client: TestClient, settings: Settings, params: dict[str, str], message: str
) -> None:
    response = client.get("/api/index766", params=params, headers=key(settings, "operator"))
    assert response.status_code == 422 and message in response.text
