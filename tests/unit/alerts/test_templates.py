"""Notification texts in Vietnamese and English name the place, values, threshold, local time, link."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from alerts.model import Kind, Severity, State, Transition
from alerts.templates import render

AT = datetime(2026, 11, 24, 7, 5, tzinfo=UTC)  # 14:05 in Huế
FIRED = Transition(
    fingerprint="flood-alarm-levels/alarm-level|HUE-WL-01", seq=3, kind=Kind.ESCALATED, state=State.FIRING,
    severity=Severity.CRITICAL, rule="alarm-level", rule_type="band", pack="flood-alarm-levels", domain="water",
    source="HUE-WL-01", feed="hydro", unit_code="HUE.KIMLONG", at=AT, opened_at=AT, metric="water_level",
    value=3.62, threshold=3.5, summary={"vi": "vượt báo động III", "en": "above alarm level III"},
)  # fmt: skip
PLACE, LINK = "Trạm Kim Long (sông Hương)", "http://ioc.example.vn/#/alerts/x"


def test_vietnamese() -> None:
    message = render(FIRED, "vi", PLACE, LINK)
    assert message.subject == "[IOC][Khẩn cấp] Cảnh báo tăng mức: vượt báo động III — Trạm Kim Long (sông Hương)"
    for part in (PLACE, "HUE.KIMLONG", "water_level = 3.62 m, mức 3.5 m", "24/11/2026 14:05 (GMT+7)", LINK):
        assert part in message.text


def test_english() -> None:
    message = render(FIRED, "en", PLACE, LINK)
    assert message.subject.startswith("[IOC][Critical] Alert escalated: above alarm level III")
    assert "water_level = 3.62 m, level 3.5 m" in message.text and "24/11/2026 14:05 (GMT+7)" in message.text


def test_resolved_and_silence_wording_differ_from_fired() -> None:
    resolved = replace(FIRED, kind=Kind.RESOLVED, state=State.RESOLVED, summary={})
    assert render(resolved, "vi", PLACE, LINK).subject.startswith("[IOC][Khẩn cấp] Đã hết cảnh báo: water_level")
    assert render(resolved, "en", PLACE, LINK).subject.startswith("[IOC][Critical] Alert resolved")


def test_each_rule_type_has_its_own_sentence() -> None:
    rate = replace(FIRED, rule_type="rate", value=0.31, threshold=0.2, summary={})
    assert "water_level thay đổi 0.31 m/giờ, ngưỡng 0.2 m/giờ" in render(rate, "vi", PLACE, LINK).text
    silent = replace(FIRED, rule_type="absence", metric=None, value=1250, threshold=900, summary={})
    assert "không nhận được dữ liệu trong 1250 giây (giới hạn 900 giây)" in render(silent, "vi", PLACE, LINK).text
    assert "no data for 1250 s (limit 900 s)" in render(silent, "en", PLACE, LINK).text
