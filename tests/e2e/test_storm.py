"""Storm mode through the real worker: transitions on ioc.alerts (as the alert agent puts them) → alert sink
(incidents in TimescaleDB) and notifier → a real SMTP server and a real webhook receiver. Seven gauges of one
province flood: the first four alerts are notified alone, then one summary per receiver, an update, a lone
unacknowledged critical alert, and the resolution summary; the worker is killed while the first summary is sent."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.channels import verify_signature
from alerts.model import Kind, Severity, State, Transition
from ioc import topics
from ioc.settings import Settings
from streams.incidents import incident_id
from tests.e2e.conftest import Pipeline, running_pipeline
from tests.infra import query, wait_for
from tests.receivers import HookReceiver, MailReceiver, notify_these, running_receivers

pytestmark = pytest.mark.e2e
SECRET = "storm-webhook-secret"
VI, EN = "truc-ban-qtr", "pctt-en"
GAUGES = {  # a province of their own: no other test's incident is open there
    "QTR-WL-01": ("Trạm Đông Hà (sông Hiếu)", "QTR.DONGHA"),
    "QTR-WL-02": ("Trạm Thạch Hãn (sông Thạch Hãn)", "QTR.THACHHAN"),
    "QTR-WL-03": ("Trạm Gia Vòng (sông Bến Hải)", "QTR.GIOLINH"),
    "QTR-WL-04": ("Trạm Cửa Việt (cửa biển)", "QTR.CUAVIET"),
    "QTR-WL-05": ("Trạm Đakrông (sông Đakrông)", "QTR.DAKRONG"),
    "QTR-WL-06": ("Trạm Kiến Giang (sông Kiến Giang)", "QTR.KIENGIANG"),
    "QTR-WL-07": ("Trạm Lệ Thủy (sông Kiến Giang)", "QTR.LETHUY"),
}
ROUTING = """
receivers:
  - id: truc-ban-qtr
    name: "Trực ban Ban chỉ huy phòng chống thiên tai Quảng Trị"
    language: vi
    email: trucban@quangtri.example.vn
    webhook: {{url: "{url}", secret_env: IOC_TEST_HOOK_SECRET}}
  - id: pctt-en
    name: "Liaison officer (English)"
    language: en
    webhook: {{url: "{url}", secret_env: IOC_TEST_HOOK_SECRET}}
routes:
  - match: {{domain: [water], unit_prefix: ["QTR."]}}  # not what earlier modules left on ioc.alerts
    receivers: [truc-ban-qtr, pctt-en]
"""
EVERY_MINUTES = 0.25


@pytest.fixture(scope="module")
def receivers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MailReceiver, HookReceiver, Path]]:
    with running_receivers(0.3) as (mail, hook):  # slow: the worker is killed while it sends the first summary
        folder = tmp_path_factory.mktemp("storm")
        (folder / "receivers.yaml").write_text(ROUTING.format(url=hook.url), encoding="utf-8")
        gauges = "\n".join(
            f'  - {{id: {g}, name: "{name}", unit_code: {unit}, lat: 16.8, lon: 107.1, alarm_levels: [1, 2, 3]}}'
            for g, (name, unit) in GAUGES.items()
        )
        (folder / "sources").mkdir()
        (folder / "sources" / "quangtri.yaml").write_text(f"feed: hydro\nsources:\n{gauges}\n", encoding="utf-8")
        yield mail, hook, folder


@pytest.fixture(scope="module")
def pipeline(settings: Settings, receivers: tuple[MailReceiver, HookReceiver, Path]) -> Iterator[Pipeline]:
    mail, _, folder = receivers
    with pytest.MonkeyPatch.context() as env:
        notify_these(env, folder / "receivers.yaml", mail, SECRET)
        env.setenv("IOC_SOURCES_DIR", str(folder / "sources"))
        env.setenv("IOC_STORM_SUMMARY_MINUTES", str(EVERY_MINUTES))
        env.setenv("IOC_DASHBOARD_PUBLIC_URL", "https://ioc.quangtri.example.vn")
        yield from running_pipeline(settings)


def transition(gauge: str, seq: int, kind: Kind, severity: Severity, at: datetime, opened_at: datetime) -> Transition:
    level, value, threshold = {Severity.WARNING: ("II", 2.3, 2.0), Severity.CRITICAL: ("III", 3.4, 3.0)}[severity]
    state = State.RESOLVED if kind is Kind.RESOLVED else State.FIRING
    return Transition(
        f"flood-alarm-levels/alarm-level|{gauge}", seq, kind, state, severity, "alarm-level", "band",
        "flood-alarm-levels", "water", gauge, "hydro", GAUGES[gauge][1], at, opened_at, "water_level", value,
        threshold, {"vi": f"vượt báo động {level}", "en": f"above alarm level {level}"},
    )  # fmt: skip


def publish(pipeline: Pipeline, transitions: list[Transition]) -> None:
    for t in transitions:
        pipeline.producer.send(topics.ALERTS, key=t.fingerprint.encode(), value=json.dumps(t.to_dict()).encode())
    pipeline.flush()


def summaries(hook: HookReceiver) -> dict[str, dict[str, Any]]:
    return {h.headers["Idempotency-Key"]: h.json for h in hook.hooks if "summary" in h.json}


def test_a_storm_is_told_in_summaries_once_per_receiver_across_a_worker_kill(
    pipeline: Pipeline, receivers: tuple[MailReceiver, HookReceiver, Path], report: Callable[[str], None]
) -> None:
    mail, hook, _ = receivers
    settings = pipeline.settings
    gauges = list(GAUGES)
    start = datetime.now(UTC) - timedelta(minutes=30)
    opened = {g: start + timedelta(minutes=i) for i, g in enumerate(gauges)}
    severity = {g: [Severity.CRITICAL, Severity.WARNING][i % 2] for i, g in enumerate(gauges)}
    fired = {g: transition(g, 1, Kind.FIRED, severity[g], opened[g], opened[g]) for g in gauges}
    incident = incident_id(fired[gauges[0]].id)

    publish(pipeline, [fired[g] for g in gauges[:4]])
    alone = {f"{fired[g].id}:{r}" for g in gauges[:4] for r in (VI, EN)}
    wait_for(lambda: alone <= set(hook.keys()), 60, what="the first four alerts notified alone")
    assert {k for k in mail.keys() if k in alone} == {k for k in alone if k.endswith(VI)}  # e-mail: VI only

    publish(pipeline, [fired[gauges[4]]])  # the fifth: a storm
    first = {f"incident:{incident}:summary:1:{r}" for r in (VI, EN)}
    wait_for(lambda: summaries(hook).keys() & first, 60, what="the first storm summary")
    pipeline.kill_worker()  # while the slow receiver takes the summaries
    pipeline.start_worker()
    wait_for(lambda: first <= summaries(hook).keys(), 90, what="both receivers' first summary after the restart")
    one = summaries(hook)[f"incident:{incident}:summary:1:{VI}"]
    assert one["summary"]["open"] == 5 and one["summary"]["new"] == 5 and not one["summary"]["final"]
    assert one["language"] == "vi" and "Thủy văn — QTR" in one["subject"] and "Trạm Đông Hà (sông Hiếu)" in one["text"]
    assert f"https://ioc.quangtri.example.vn/#/incidents/{incident}" in one["text"]

    # More alerts and an escalation: one update per receiver, no sooner than the interval after the first.
    later = start + timedelta(minutes=10)
    escalated = transition(gauges[1], 2, Kind.ESCALATED, Severity.CRITICAL, later, opened[gauges[1]])
    unacked = transition(gauges[0], 2, Kind.UNACKNOWLEDGED, Severity.CRITICAL, later, opened[gauges[0]])
    publish(pipeline, [fired[gauges[5]], fired[gauges[6]], escalated, unacked])
    lone = {f"{unacked.id}:{r}" for r in (VI, EN)}
    second = {f"incident:{incident}:summary:2:{r}" for r in (VI, EN)}
    wait_for(lambda: second <= summaries(hook).keys() and lone <= set(hook.keys()), 90, what="the update")
    two = summaries(hook)[f"incident:{incident}:summary:2:{EN}"]
    assert (two["summary"]["total"], two["summary"]["new"], two["summary"]["escalated"]) == (7, 2, 1)
    assert two["language"] == "en" and "Incident update #2: Hydrology — QTR" in two["subject"]
    made = query(settings, "SELECT n, made_at FROM storm_summary WHERE incident_id = %s AND receiver = %s ORDER BY n",
                 (incident, EN))  # fmt: skip
    assert made[1][1] - made[0][1] >= timedelta(minutes=EVERY_MINUTES)  # type: ignore[operator]

    # All resolve: the resolution summary, at once.
    end = start + timedelta(minutes=20)
    severity[gauges[1]] = Severity.CRITICAL
    seq = {g: 3 if g in (gauges[0], gauges[1]) else 2 for g in gauges}  # after the escalation, the unacknowledged
    resolved = [transition(g, seq[g], Kind.RESOLVED, severity[g], end, opened[g]) for g in gauges]
    publish(pipeline, resolved)
    third = {f"incident:{incident}:summary:3:{r}" for r in (VI, EN)}
    wait_for(lambda: third <= summaries(hook).keys(), 60, what="the resolution summary")
    three = summaries(hook)[f"incident:{incident}:summary:3:{VI}"]
    assert three["summary"]["final"] and (three["summary"]["open"], three["summary"]["resolved"]) == (0, 7)
    assert "Sự cố đã kết thúc #3" in three["subject"] and "Mọi cảnh báo của sự cố đã hết." in three["text"]

    # Nothing else was sent: alone, the first four firings and the unacknowledged critical alert; the rest grouped,
    # each transition and receiver logged once as such (a redelivery after the kill logs nothing again).
    storm_keys = first | second | third
    assert set(hook.keys()) == alone | lone | storm_keys
    assert set(mail.keys()) == {k for k in alone | lone | storm_keys if k.endswith(VI)}
    left = [fired[g] for g in gauges[4:]] + [escalated] + resolved
    rows = query(settings, "SELECT key, incident_id FROM alert_delivery WHERE status = 'grouped'")
    assert Counter(key for key, _ in rows) == Counter(f"{t.id}:{r}" for t in left for r in (VI, EN))
    assert {i for _, i in rows} == {incident}
    # A receiver holds a message before it answers; the notifier stores "sent" once the answer is in.
    want_sent = Counter([(k, "webhook") for k in storm_keys] + [(k, "email") for k in storm_keys if k.endswith(VI)])
    sent_sql = "SELECT key, channel FROM alert_delivery WHERE status = 'sent' AND incident_id = %s"
    wait_for(lambda: Counter(query(settings, sent_sql, (incident,))) == want_sent, 30,
             what="every summary delivery stored as sent")  # fmt: skip
    for h in hook.hooks:
        headers = {k.lower(): v for k, v in h.headers.items()}
        assert verify_signature(SECRET, headers["x-ioc-timestamp"], h.body, headers["x-ioc-signature"])
    wait_for(lambda: query(settings, "SELECT count(*) FROM storm_summary WHERE NOT done") == [(0,)], 30,
             what="every summary marked done")  # fmt: skip
    again = len(hook.keys()) - len(set(hook.keys())) + len(mail.keys()) - len(set(mail.keys()))
    report(
        f"storm: 7 alerts of one area → {len(alone) // 2} notified alone per receiver, 3 summaries per receiver "
        f"(first, update, resolution), {len(rows)} transitions × receivers grouped; worker killed during the first "
        f"summary, {again} messages sent again after the restart (same idempotency key)"
    )
