"""Notification texts: a Vietnamese and an English template per alert type and transition, and of a storm
incident's summary (pure).

Each names the place, what was measured against which threshold, the severity, the time in
Asia/Ho_Chi_Minh and a link to the alert (the incident) on the dashboard; the rule's own words
(``summary``, e.g. "vượt báo động II") come first in the subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.model import Kind, Transition
from alerts.storm import Summary

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


def _measure(lang: str, rule_type: str, metric: str | None, value: float | None, threshold: float | None) -> str:
    unit = UNITS.get(metric or "", "")
    return (
        MEASURE[lang]
        .get(rule_type, GENERIC[lang])
        .format(
            metric=metric or "",
            value=_number(value, unit),
            threshold=_number(threshold, unit),
            value_s=_number(value, ""),
            threshold_s=_number(threshold, ""),
        )
    )


def _local(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M") + " (GMT+7)"


def render(t: Transition, lang: str, place: str, link: str) -> Message:
    """The notification of ``t`` in ``lang`` (vi or en; anything else gets vi)."""
    lang = lang if lang in HEADLINE else "vi"
    headline = HEADLINE[lang].get(t.kind, t.kind.value)
    severity = SEVERITY[lang][t.severity.value]
    measure = _measure(lang, t.rule_type, t.metric, t.value, t.threshold)
    what = t.summary.get(lang) or t.summary.get("vi") or measure
    when = _local(t.at)
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


DOMAIN = {
    "vi": {"air": "Không khí", "water": "Thủy văn", "traffic": "Giao thông", "service": "Dịch vụ công",
           "feed": "Nguồn dữ liệu"},
    "en": {"air": "Air", "water": "Hydrology", "traffic": "Traffic", "service": "Public services",
           "feed": "Data feeds"},
}  # fmt: skip
# A storm incident's summaries: the first, the updates, the one when it resolved.
STORM = {
    "vi": {
        "first": "Nhiều cảnh báo cùng lúc",
        "update": "Cập nhật sự cố",
        "final": "Sự cố đã kết thúc",
        "short": "{open}/{total} cảnh báo đang mở, {new} mới, {resolved} đã hết",
        "area": "Địa bàn",
        "more": "và {n} nơi khác",
        "severity": "Mức độ cao nhất",
        "counts": "Cảnh báo: {open} đang mở trên tổng số {total}; từ bản tin trước: {new} mới, {escalated} tăng mức,"
        " {resolved} đã hết",
        "muted": "{n} cảnh báo đang bị tắt thông báo (không tính là tin mới)",
        "worst": "Nghiêm trọng nhất",
        "resolved": "Mọi cảnh báo của sự cố đã hết.",
        "grouping": "Chế độ gộp: trong lúc sự cố có nhiều cảnh báo, các cảnh báo của nó được gửi trong bản tin tổng hợp"
        " này, tối đa {minutes} phút một lần; cảnh báo khẩn cấp chưa được xác nhận vẫn được gửi riêng.",
    },
    "en": {
        "first": "Alert storm",
        "update": "Incident update",
        "final": "Incident resolved",
        "short": "{open}/{total} alerts open, {new} new, {resolved} resolved",
        "area": "Area",
        "more": "and {n} more places",
        "severity": "Highest severity",
        "counts": "Alerts: {open} open of {total}; since the last summary: {new} new, {escalated} escalated,"
        " {resolved} resolved",
        "muted": "{n} alerts are muted by a silence (not counted as news)",
        "worst": "Worst",
        "resolved": "Every alert of the incident has resolved.",
        "grouping": "Grouped: while the incident has many alerts, they are sent in this summary, at most every"
        " {minutes} min; a critical alert nobody acknowledged is still sent on its own.",
    },
}


def render_summary(s: Summary, lang: str, link: str, every_minutes: float) -> Message:
    """The summary ``s`` of a storm incident in ``lang`` (vi or en; anything else gets vi)."""
    lang = lang if lang in STORM else "vi"
    words, labels = STORM[lang], LABELS[lang]
    headline = words["final" if s.final else "first" if s.n == 1 else "update"]
    severity = SEVERITY[lang][s.severity.value]
    domain = DOMAIN[lang].get(s.domain, s.domain)
    counts = {"open": s.open, "total": s.total, "new": s.new, "escalated": s.escalated, "resolved": s.resolved}
    places = ", ".join(s.places) + (f" {words['more'].format(n=s.more_places)}" if s.more_places else "")
    worst = [
        f"- [{SEVERITY[lang][a.severity.value]}] "
        + (f"{a.summary.get(lang) or a.summary.get('vi')} — " if a.summary else "")
        + f"{a.place}" + (f", {a.unit_code}" if a.unit_code else "")
        + f": {_measure(lang, a.rule_type, a.metric, a.value, a.threshold)}; {_local(a.updated_at)}"
        for a in s.worst
    ]  # fmt: skip
    lines = [
        f"{headline} #{s.n}: {domain} — {s.area} ({s.incident})",
        "",
        f"{words['area']}: {s.area} — {places}",
        f"{words['severity']}: {severity}",
        words["counts"].format(**counts),
        *([words["muted"].format(n=s.muted)] if s.muted else []),
        *([f"{words['worst']}:", *worst] if worst else []),
        *([words["resolved"]] if s.final else []),
        f"{labels['link']}: {link}",
        "",
        words["grouping"].format(minutes=_number(every_minutes, "")),
    ]
    subject = f"[IOC][{severity}] {headline} #{s.n}: {domain} — {s.area}: {words['short'].format(**counts)}"
    return Message(subject, "\n".join(lines))
