"""Notification texts: a Vietnamese and an English template per alert type and transition (pure).

Each names the place, what was measured against which threshold, the severity, the time in
Asia/Ho_Chi_Minh and a link to the alert on the dashboard; the rule's own words (``summary``, e.g.
"vượt báo động II") come first in the subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from alerts.model import Kind, Transition

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SEVERITY = {
    "vi": {"info": "Thông tin", "warning": "Cảnh báo", "critical": "Khẩn cấp"},
    "en": {"info": "Info", "warning": "Warning", "critical": "Critical"},
}
UNITS = {"water_level": "m", "rainfall": "mm", "vn_aqi_1h": ""}
# What happened, per transition kind.
HEADLINE = {
    "vi": {
        Kind.FIRED: "Cảnh báo mới",
        Kind.ESCALATED: "Cảnh báo tăng mức",
        Kind.UNACKNOWLEDGED: "Cảnh báo khẩn cấp chưa được xác nhận",
        Kind.RESOLVED: "Đã hết cảnh báo",
    },
    "en": {
        Kind.FIRED: "New alert",
        Kind.ESCALATED: "Alert escalated",
        Kind.UNACKNOWLEDGED: "Critical alert not acknowledged",
        Kind.RESOLVED: "Alert resolved",
    },
}
# What the rule measured, per alert type: {value} and {threshold} are formatted with the unit.
MEASURE = {
    "vi": {
        "threshold": "{metric} = {value}, ngưỡng {threshold}",
        "band": "{metric} = {value}, mức {threshold}",
        "rate": "{metric} thay đổi {value}/giờ, ngưỡng {threshold}/giờ",
        "anomaly": "{metric} = {value}, bất thường so với lịch sử (ngưỡng {threshold})",
        "absence": "không nhận được dữ liệu trong {value_s} giây (giới hạn {threshold_s} giây)",
        "composite": "{value_s}/{threshold_s} điều kiện cùng xảy ra",
    },
    "en": {
        "threshold": "{metric} = {value}, threshold {threshold}",
        "band": "{metric} = {value}, level {threshold}",
        "rate": "{metric} changing {value}/h, threshold {threshold}/h",
        "anomaly": "{metric} = {value}, unlike its history (bound {threshold})",
        "absence": "no data for {value_s} s (limit {threshold_s} s)",
        "composite": "{value_s} of {threshold_s} conditions at once",
    },
}
GENERIC = {"vi": "{metric} = {value}, ngưỡng {threshold}", "en": "{metric} = {value}, threshold {threshold}"}
LABELS = {
    "vi": {"place": "Địa điểm", "time": "Thời gian", "severity": "Mức độ", "rule": "Quy tắc", "link": "Chi tiết"},
    "en": {"place": "Place", "time": "Time", "severity": "Severity", "rule": "Rule", "link": "Details"},
}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def render(t: Transition, lang: str, place: str, link: str) -> Message:
    """The notification of ``t`` in ``lang`` (vi or en; anything else gets vi)."""
    lang = lang if lang in HEADLINE else "vi"
    unit = UNITS.get(t.metric or "", "")
    headline = HEADLINE[lang].get(t.kind, t.kind.value)
    severity = SEVERITY[lang][t.severity.value]
    measure = (
        MEASURE[lang]
        .get(t.rule_type, GENERIC[lang])
        .format(
            metric=t.metric or "",
            value=_number(t.value, unit),
            threshold=_number(t.threshold, unit),
            value_s=_number(t.value, ""),
            threshold_s=_number(t.threshold, ""),
        )
    )
    what = t.summary.get(lang) or t.summary.get("vi") or measure
    when = t.at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M") + " (GMT+7)"
    labels = LABELS[lang]
    subject = f"[IOC][{severity}] {headline}: {what} — {place}"
    text = "\n".join(
        [
            f"{headline}: {what}",
            "",
            f"{labels['place']}: {place}" + (f" ({t.unit_code})" if t.unit_code else ""),
            f"{measure}",
            f"{labels['severity']}: {severity}",
            f"{labels['time']}: {when}",
            f"{labels['rule']}: {t.pack}/{t.rule}",
            f"{labels['link']}: {link}",
        ]
    )
    return Message(subject, text)
