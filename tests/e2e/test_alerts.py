"""Alerts through the real pipeline: the simulator's flood on Kafka → validate → alert agent → ioc.alerts
→ TimescaleDB and notifications to a real SMTP server and a real webhook receiver, with the worker killed
in the middle; then operators' actions through the REST API, two acknowledges at once, and the websocket."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from playwright.sync_api import Browser, expect

from alerts.channels import verify_signature
from alerts.engine import AlertEngine
from alerts.lifecycle import Policy
from alerts.model import Transition, notifiable
from alerts.packs import SHIPPED, RuleBook, load_packs
from ioc import apikeys, topics
from ioc.feeds import registry
from ioc.settings import Settings
from ioc.sources import metadata, sources
from simulators.clock import align
from simulators.hydro import readings_between
from simulators.scenario import Scenario
from tests.e2e.conftest import Pipeline, log_in, running_pipeline
from tests.e2e.test_http_ingest import post
from tests.infra import http_json, query, wait_for
from tests.receivers import HookReceiver, MailReceiver, notify_these, running_receivers

pytestmark = pytest.mark.e2e
SECRET = "webhook-secret-for-tests"
RECEIVER = "truc-ban-lu"
FLOOD_GAUGE, OPEN_GAUGE, MUTED_GAUGE = "HUE-WL-02", "HUE-WL-06", "HUE-WL-05"  # HUE-WL-05 is in HUE.PHONGDIEN
SEED = 11
ROUTING = """
receivers:
  - id: truc-ban-lu
    name: "Trực ban Ban chỉ huy phòng chống thiên tai"
    language: vi
    email: trucban@example.vn
    webhook: {{url: "{url}", secret_env: IOC_TEST_HOOK_SECRET}}
routes:
  - match: {{domain: [water], source: [{gauges}]}}  # not what earlier modules left on ioc.alerts
    receivers: [truc-ban-lu]
"""


@pytest.fixture(scope="module")
def receivers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MailReceiver, HookReceiver, Path]]:
    with running_receivers(0.5) as (mail, hook):  # a slow receiver: the worker is killed while it notifies
        path = tmp_path_factory.mktemp("alerts") / "receivers.yaml"
        gauges = ", ".join((FLOOD_GAUGE, OPEN_GAUGE, MUTED_GAUGE))
        path.write_text(ROUTING.format(url=hook.url, gauges=gauges), encoding="utf-8")
        yield mail, hook, path


@pytest.fixture(scope="module")
def pipeline(settings: Settings, receivers: tuple[MailReceiver, HookReceiver, Path]) -> Iterator[Pipeline]:
    mail, _, path = receivers
    with pytest.MonkeyPatch.context() as env:
        notify_these(env, path, mail, SECRET)
        env.setenv("IOC_ALERT_TICK_SECONDS", "1")
        yield from running_pipeline(settings)


def gauge_readings(gauge: str, start: datetime, hours: float) -> list[Any]:
    scenario = Scenario("flood", start)
    return readings_between(SEED, start, start + timedelta(hours=hours), 300, scenario, (sources()[gauge],))


def offline(envelopes: list[Any]) -> list[Transition]:
    """What the alert agent must conclude, computed in this process by the same engine on dicts."""
    engine = AlertEngine({}, {}, RuleBook(load_packs([SHIPPED], registry())), Policy(), metadata)
    out: list[Transition] = []
    for env in envelopes:
        out += [t for t in engine.observe(env.to_dict(), "obs", 0, env.ts) if t.rule != "gauge-silent"]
    return out


def send(settings: Settings, envelopes: list[Any]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=5)
    for env in envelopes:
        producer.send(topics.ingest_topic("hydro"), key=env.source.encode(), value=env.to_bytes())
    producer.flush()
    producer.close()


def stored_transitions(settings: Settings, gauge: str) -> list[tuple[Any, ...]]:
    rows = query(
        settings,
        "SELECT id, kind, severity, time FROM alert_event WHERE source = %s AND rule <> 'gauge-silent'",
        (gauge,),
    )
    return sorted(rows, key=lambda row: (row[3], row[0]))


def test_the_flood_alerts_and_notifies_each_transition_once_across_a_worker_kill(
    pipeline: Pipeline, receivers: tuple[MailReceiver, HookReceiver, Path], report: Callable[[str], None]
) -> None:
    mail, hook, _ = receivers
    start = align(datetime.now(UTC) - timedelta(hours=40), 300)
    envelopes = gauge_readings(FLOOD_GAUGE, start, 40)
    expected = offline(envelopes)
    assert [t.kind.value for t in expected if t.rule == "alarm-level"] == [
        "fired", "escalated", "escalated", "deescalated", "deescalated", "resolved"
    ]  # fmt: skip
    send(pipeline.settings, envelopes)
    wait_for(lambda: len(hook.hooks) >= 2, 120, 0.05, "the first webhook notifications")
    pipeline.kill_worker()  # mid-notification: some transitions are notified, others not yet
    notified_at_kill = len(hook.hooks)
    pipeline.start_worker()

    want = sorted(((t.id, t.kind.value, t.severity.value, t.at) for t in expected), key=lambda w: (w[3], w[0]))
    wait_for(lambda: stored_transitions(pipeline.settings, FLOOD_GAUGE) == want, 120, what="every transition stored")
    keys = {f"{t.id}:{RECEIVER}" for t in expected if notifiable(t)}
    assert len(keys) == 8  # alarm level: fired, II, III, resolved; rising fast and the composite: fired, resolved
    missing: dict[str, list[str]] = {}

    def all_notified() -> dict[str, list[str]] | None:
        missing.update(webhook=sorted(keys - set(hook.keys())), email=sorted(keys - set(mail.keys())))
        return None if any(missing.values()) else missing

    try:
        wait_for(all_notified, 120, what="every notification")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; not received: {missing}") from None

    # Exactly one per transition and receiver after dedup by the idempotency key; nothing else was sent.
    assert set(hook.keys()) == keys and set(mail.keys()) == keys
    for h in hook.hooks:
        headers = {k.lower(): v for k, v in h.headers.items()}
        assert verify_signature(SECRET, headers["x-ioc-timestamp"], h.body, headers["x-ioc-signature"])
        assert h.json["transition"]["source"] == FLOOD_GAUGE
    subjects = {str(m["Subject"]) for m in mail.messages}
    assert any("Phú Ốc" in s for s in subjects), subjects
    # A receiver holds a message before it answers; the notifier stores "sent" once the answer is in.
    sent_sql = "SELECT key, channel FROM alert_delivery WHERE status = 'sent' AND transition_id LIKE %s"
    want_sent = {(k, c) for k in keys for c in ("email", "webhook")}

    def all_sent() -> set[tuple[str, str]] | None:
        sent = {(k, c) for k, c in query(pipeline.settings, sent_sql, (f"%|{FLOOD_GAUGE}#%",))}
        return sent if sent == want_sent else None

    wait_for(all_sent, 30, what="every delivery stored as sent")
    # One incident: the rise fired first, the alarm level and the composite joined it while it was open;
    # resolved with all three.
    incident = f"%|{FLOOD_GAUGE}"
    grouped = "SELECT i.alert_count, i.severity, i.resolved_at IS NOT NULL FROM incident i WHERE i.id IN " \
        "(SELECT incident_id FROM incident_alert WHERE fingerprint LIKE %s)"  # fmt: skip
    assert wait_for(lambda: query(pipeline.settings, grouped, (incident,)) == [(3, "critical", True)], 30,
                    what="one resolved incident of three alerts")  # fmt: skip
    again = sum(Counter(hook.keys()).values()) - len(keys)
    report(
        f"alerts: flood of 40 h at {FLOOD_GAUGE} ({len(envelopes)} readings) → {len(expected)} transitions, "
        f"{len(keys)} notified per channel; worker killed after {notified_at_kill} webhooks, {again} sent again "
        "after the restart (same idempotency key)"
    )


def get(url: str, key: str | None) -> tuple[int, Any]:
    return http_json(url, key)


def test_operators_act_on_an_open_alert_through_the_api(pipeline: Pipeline, browser: Browser) -> None:
    settings = pipeline.settings
    start = align(datetime.now(UTC) - timedelta(hours=9), 300)
    send(settings, gauge_readings(OPEN_GAUGE, start, 8.5))  # rising: above alarm level II when it stops
    fingerprint = f"flood-alarm-levels/alarm-level|{OPEN_GAUGE}"
    wait_for(
        lambda: query(settings, "SELECT 1 FROM alert WHERE fingerprint = %s AND state = 'firing'", (fingerprint,)),
        120,
        what="the open alert",
    )
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    log_in(page, pipeline, "operator", "desk")
    shown = page.locator(f"tr[data-fingerprint='{fingerprint}']")
    expect(shown).to_contain_text("vượt báo động II", timeout=30000)
    expect(shown).to_have_attribute("data-state", "firing")
    page.locator("#lang").click()
    expect(shown).to_contain_text("above alarm level II")
    _, operator = apikeys.add(settings.dsn, "Trực ban ca 1", None, "operator")
    _, integrator = apikeys.add(settings.dsn, "Đối tác tích hợp", None, "integrator")
    base = f"{pipeline.url}/api/alerts"
    assert get(base, None)[0] == 401
    assert get(base, integrator)[0] == 403
    status, listed = get(f"{base}?domain=water&unit=HUE.", operator)
    assert status == 200 and fingerprint in {item["fingerprint"] for item in listed["items"]}
    path = f"{base}/{urllib.parse.quote(fingerprint, safe='/')}"
    status, incidents = get(f"{pipeline.url}/api/incidents?domain=water", operator)
    assert status == 200
    [incident] = [i for i in incidents["items"] if i["area"] == "HUE"]
    assert (incident["alert_count"], incident["severity"], incident["resolved_at"]) == (3, "critical", None)
    status, detail = get(f"{pipeline.url}/api/incidents/{incident['id']}", operator)
    assert status == 200 and fingerprint in {a["fingerprint"] for a in detail["alerts"]}
    assert get(f"{pipeline.url}/api/incidents/INC-NONE", operator)[0] == 404

    results: list[tuple[int, dict[str, Any]]] = []
    acks = [
        threading.Thread(target=lambda: results.append(post(f"{path}/actions/acknowledge", operator, b"{}")))
        for _ in range(2)
    ]
    for thread in acks:
        thread.start()
    for thread in acks:
        thread.join()
    assert sorted(code for code, _ in results) == [200, 200], results

    status, alert = get(path, operator)
    assert status == 200 and alert["state"] == "acknowledged"
    audit = [(h["kind"], h["by"]) for h in alert["history"] if h["kind"] == "acknowledged"]
    assert audit == [("acknowledged", "Trực ban ca 1")] * 2  # one consistent state, two audit entries

    async def comment_seen_live() -> dict[str, Any]:
        async with pipeline.ws("alerts") as ws:
            snapshot = json.loads(await ws.recv())
            assert fingerprint in {a["fingerprint"] for a in snapshot["alerts"]}
            body = json.dumps({"comment": "Đã cử đội kiểm tra đê"}).encode()
            code, answer = await asyncio.to_thread(post, f"{path}/actions/comment", operator, body)
            assert code == 200 and answer["status"] == "applied"
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if message["type"] == "alerts" and message["data"]["kind"] == "commented":
                    return dict(message["data"])

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API runs an event loop in this thread
        live = thread.submit(asyncio.run, comment_seen_live()).result()
    assert live["comment"] == "Đã cử đội kiểm tra đê" and live["by"] == "Trực ban ca 1"
    expect(shown).to_have_attribute("data-state", "acknowledged")  # the desk follows the transitions live
    page.screenshot(path=str(pipeline.logs / "dashboard-alerts.png"))
    page.close()

    assert post(f"{path}/actions/assign", operator, b"{}")[0] == 422  # no assignee
    assert post(f"{path}/actions/delete", operator, b"{}")[0] == 404
    assert post(f"{path}/actions/silence", integrator, b'{"minutes": 30}')[0] == 403
    code, silenced = post(f"{path}/actions/silence", operator, b'{"minutes": 30}')
    assert code == 200 and silenced["transition"]["kind"] == "silenced"
    resolved = f"{base}/{urllib.parse.quote(f'flood-alarm-levels/alarm-level|{FLOOD_GAUGE}', safe='/')}"
    code, refused = post(f"{resolved}/actions/acknowledge", operator, b"{}")
    assert code == 409 and "resolved" in refused["detail"]


def test_an_area_silence_mutes_notifications_while_the_alerts_still_fire_and_resolve(
    pipeline: Pipeline, receivers: tuple[MailReceiver, HookReceiver, Path]
) -> None:
    mail, hook, _ = receivers
    settings, gauge = pipeline.settings, MUTED_GAUGE
    _, operator = apikeys.add(settings.dsn, "Trực ban ca 2", None, "operator")
    start = align(datetime.now(UTC) - timedelta(hours=40), 300)
    body = {"matchers": {"unit_code": "HUE.PHONGDIEN", "domain": "water"}, "minutes": 60,
            "starts_at": (start - timedelta(hours=1)).isoformat(), "comment": "Bảo trì trạm Phong Bình"}  # fmt: skip
    _, official = apikeys.add(settings.dsn, "Lãnh đạo Sở (test)", None, "official")
    assert post(f"{pipeline.url}/api/silences", official, json.dumps(body).encode())[0] == 403
    status, refused = post(f"{pipeline.url}/api/silences", operator, json.dumps({**body, "comment": ""}).encode())
    assert status == 422 and refused["detail"].startswith("comment:")
    status, made = post(f"{pipeline.url}/api/silences", operator, json.dumps(body).encode())
    assert status == 201 and made["created_by"] == "Trực ban ca 2", made
    time.sleep(6)  # the notifier reads the silences every 5 s

    envelopes = gauge_readings(gauge, start, 40)
    expected = offline(envelopes)
    keys = {f"{t.id}:{RECEIVER}" for t in expected if notifiable(t)}
    assert keys and any(t.kind.value == "resolved" for t in expected)
    send(settings, envelopes)
    want = sorted(((t.id, t.kind.value, t.severity.value, t.at) for t in expected), key=lambda w: (w[3], w[0]))
    wait_for(lambda: stored_transitions(settings, gauge) == want, 120, what="the alerts fired and resolved")
    silenced = "SELECT key, error FROM alert_delivery WHERE status = 'silenced' AND transition_id LIKE %s"
    rows = wait_for(lambda: len(r := query(settings, silenced, (f"%|{gauge}#%",))) >= len(keys) and r, 60,
                    what="a delivery log entry per muted notification")  # fmt: skip
    assert {row[0] for row in rows} == keys
    assert {row[1] for row in rows} == {f"silence {made['id']}: Bảo trì trạm Phong Bình"}
    assert not keys & set(hook.keys()) and not keys & set(mail.keys())

    status, listed = get(f"{pipeline.url}/api/silences", operator)
    assert status == 200 and [s["active"] for s in listed["items"] if s["id"] == made["id"]] == [True]
    request = urllib.request.Request(f"{pipeline.url}/api/silences/{made['id']}", method="DELETE",
                                     headers={"X-API-Key": operator})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and json.load(response)["ended_by"] == "Trực ban ca 2"
    status, listed = get(f"{pipeline.url}/api/silences", operator)
    assert made["id"] not in {s["id"] for s in listed["items"]}
