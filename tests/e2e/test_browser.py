"""The web app in a real browser (Debian's Chromium driven by Playwright) against the running pipeline: the
wall screen, the operator desk seen from two browsers, the integrators' dead letters, the language switch.
Screenshots of each view are saved under the test logs (.ioc-test/logs/e2e/)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from ioc import apikeys, topics, users
from ioc.indicators.public_services import LOCAL
from tests.e2e.conftest import Pipeline, log_in, new_user
from tests.infra import query, wait_for

pytestmark = pytest.mark.e2e
STATION = "HUE-AQ-19"  # Khe Tre: one of the shipped stations, so it is on the map
WALL = {"width": 1920, "height": 1080}
FIRING = "SELECT 1 FROM alert WHERE fingerprint = %s AND state = 'firing'"


def hourly_aqi(pipeline: Pipeline, value: float, hours_ago: int) -> None:
    """An hourly VN_AQI of STATION on ioc.kpi, as the AQI agent would put it."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
    body = {"kpi": "vn_aqi_1h", "feed": "air_quality", "source": STATION, "metric": "aqi", "unit_code": "HUE.NAMDONG",
            "window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat(),
            "value": value, "count": 3, "min": value, "max": value, "revision": 0}  # fmt: skip
    pipeline.send(STATION, json.dumps(body).encode(), topic=topics.KPI)
    pipeline.flush()


def test_the_wall_screen_shows_the_map_and_live_tiles(pipeline: Pipeline, browser: Browser) -> None:
    page = browser.new_page(viewport=WALL)
    log_in(page, pipeline, "operator", "wall")
    expect(page.locator(f"#map [data-source='{STATION}']")).to_be_visible(timeout=15000)
    assert page.locator("#map [data-source]").count() >= 100  # stations, gauges, segments, agencies
    hourly_aqi(pipeline, 455, hours_ago=2)
    air = page.locator("[data-tile='air'] .value")
    expect(air).to_have_text("455", timeout=10000)
    expect(page.locator(f"#map [data-source='{STATION}']")).to_have_attribute("data-state", "severe")
    hourly_aqi(pipeline, 477, hours_ago=1)
    expect(air).to_have_text("477", timeout=10000)
    expect(page.locator("[data-tile='air'] svg.sparkline")).to_be_visible()
    expect(page.locator("#clock")).to_contain_text(":")
    page.screenshot(path=str(pipeline.logs / "wall.png"))
    page.close()


def test_an_acknowledgement_on_one_desk_shows_on_another_within_two_seconds(
    pipeline: Pipeline, browser: Browser
) -> None:
    fingerprint = f"vn-aqi-categories/aqi-category|{STATION}"
    wait_for(
        lambda: query(
            pipeline.settings, "SELECT 1 FROM alert WHERE fingerprint = %s AND state = 'firing'", (fingerprint,)
        ),
        60,
        what="the AQI alert the wall test raised",
    )
    desks = [browser.new_page(viewport={"width": 1600, "height": 1000}) for _ in range(2)]
    for desk in desks:
        log_in(desk, pipeline, "operator", "desk")
    rows = [desk.locator(f"tr[data-fingerprint='{fingerprint}']") for desk in desks]
    for row in rows:
        expect(row).to_have_attribute("data-state", "firing", timeout=15000)
    rows[0].locator("[data-action='acknowledge']").click()
    clicked = time.monotonic()
    expect(rows[1]).to_have_attribute("data-state", "acknowledged", timeout=2000)
    seen_after = time.monotonic() - clicked
    expect(rows[0]).to_have_attribute("data-state", "acknowledged")
    desks[0].screenshot(path=str(pipeline.logs / "desk.png"))
    assert seen_after < 2.0
    for desk in desks:
        desk.close()


def test_an_integrator_sees_a_rejected_record_with_its_reason(pipeline: Pipeline, browser: Browser) -> None:
    marker = f"BROWSER-{uuid.uuid4().hex[:8]}"
    body = {"source": marker, "ts": datetime.now(UTC).isoformat(), "values": {"pm25": -5.0}}
    pipeline.send(marker, json.dumps(body).encode())
    pipeline.flush()
    wait_for(
        lambda: query(pipeline.settings, "SELECT dl_id FROM dead_letter WHERE source = %s", (marker,)),
        60,
        what="the dead letter",
    )
    [(dl_id,)] = query(pipeline.settings, "SELECT dl_id FROM dead_letter WHERE source = %s", (marker,))
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    user = new_user(pipeline.settings, "integrator")
    apikeys.add(pipeline.settings.dsn, "Trạm quan trắc không khí", ["air_quality"], "integrator", owner=user[0])
    log_in(page, pipeline, "integrator", "integrators", user)
    row = page.locator(f"[data-dl='{dl_id}']")
    expect(row.locator(".reason")).to_contain_text("pm25", timeout=15000)
    page.screenshot(path=str(pipeline.logs / "integrators.png"))
    page.close()


def overdue_dossier(pipeline: Pipeline, agency: str) -> str:
    """A dossier of ``agency`` received this month (local) and accepted, whose appointment passed a minute ago,
    sent through the ingest topic like the portal's sync; its id, once the event sink stored it."""
    now = datetime.now(LOCAL)
    received = max(now - timedelta(days=2), now.replace(day=1, hour=0, minute=1, second=0, microsecond=0))
    dossier_id = f"E2E-{uuid.uuid4().hex[:8].upper()}"
    appointment = now - timedelta(minutes=1)
    base = {"dossier_id": dossier_id, "channel": 2, "procedure": "CAP-PHEP-XAY-DUNG",
            "received_at": received.isoformat(), "appointment_at": appointment.isoformat()}  # fmt: skip
    for n, (at, status) in enumerate(((received, 1), (received + timedelta(seconds=30), 2)), 1):
        body = {"id": f"{dossier_id}#{n}", "feed": "dossier", "source": agency, "ts": at.isoformat(), "values": {},
                "attributes": {**base, "status": status}}  # fmt: skip
        pipeline.send(agency, json.dumps(body).encode(), topic=topics.ingest_topic("dossier"))
    pipeline.flush()
    stored = "SELECT count(*) FROM event WHERE attributes->>'dossier_id' = %s"
    wait_for(lambda: query(pipeline.settings, stored, (dossier_id,))[0][0] == 2, 60, what="the dossier to be stored")
    return dossier_id


def test_the_language_switch_and_the_officials_view(pipeline: Pipeline, browser: Browser) -> None:
    """An official linked to a receiver opens a low-scoring agency and sees the overdue dossier behind it, the
    daily summary of today and of an earlier day, and the notifications sent to them; then switches language."""
    agency = "HUE-AG-VYDA"
    dossier_id = overdue_dossier(pipeline, agency)
    name, password = f"e2e-official-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    users.add(pipeline.settings.dsn, name, "Cán bộ kiểm thử", "official", password, "truc-ban-ngay")
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    log_in(page, pipeline, "official", "officials", (name, password))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.locator(f'#index766 tr[data-agency="{agency}"]').click(timeout=15000)
    cost = page.locator(f'tr[data-agency-detail="{agency}"] tr[data-cost="{dossier_id}"]')
    expect(cost).to_contain_text("Quá hạn, chưa xong")
    expect(cost).to_contain_text("Quá ngày hẹn trả")
    expect(cost).to_contain_text("CAP-PHEP-XAY-DUNG")
    for part in ("air", "water", "traffic", "services", "alerts", "notifications"):
        expect(page.locator(f'#summary [data-summary="{part}"]')).to_be_visible()
    expect(page.locator('#summary [data-summary="services"]')).to_contain_text("Hồ sơ tiếp nhận")
    expect(page.locator(".officials")).to_contain_text("Thông báo đã gửi cho bạn (truc-ban-ngay)")
    page.locator(f'tr[data-agency-detail="{agency}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(pipeline.logs / "officials.png"), full_page=True)
    yesterday = (datetime.now(LOCAL) - timedelta(days=1)).date().isoformat()
    with page.expect_response(lambda r: "/api/summary/daily" in r.url and yesterday in r.url) as answer:
        page.fill("#summary-day", yesterday)
        page.dispatch_event("#summary-day", "change")
    assert answer.value.status == 200 and answer.value.json()["complete"] is True
    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#conn")).to_contain_text("Live")
    page.click("#lang")
    expect(page.locator("#conn")).to_contain_text("Trực tuyến")
    page.close()


def test_a_wrong_password_is_refused_with_a_message(pipeline: Pipeline, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(pipeline.url + "/#/login")
    page.fill("#username", "nobody")
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_be_visible(timeout=10000)
    assert urllib.parse.urlsplit(page.url).fragment == "/login"
    page.close()


def test_behind_a_trusted_proxy_logins_are_throttled_per_forwarded_client(pipeline: Pipeline) -> None:
    """The dashboard process believes X-Forwarded-For from 127.0.0.1 (IOC_TRUSTED_PROXIES' default): five
    failures lock that client out, while another client behind the same proxy may still try."""

    def attempt(client: str) -> int:
        request = urllib.request.Request(
            pipeline.url + "/api/auth/login", data=json.dumps({"username": name, "password": "wrong"}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": client}, method="POST",
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            return refused.code

    name = f"proxy-{uuid.uuid4().hex[:6]}"
    assert [attempt("203.0.113.5") for _ in range(6)] == [401] * 5 + [429]
    assert attempt("203.0.113.6") == 401
