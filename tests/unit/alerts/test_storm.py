"""Storm mode: which transitions are grouped, when a summary is due, what it counts and how it reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts.model import Kind, Severity
from alerts.storm import AlertView, IncidentView, Previous, Summary, grouped, summarise
from alerts.templates import render_summary

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 in Huế
EVERY = timedelta(minutes=15)
INCIDENT = IncidentView("INC-ABC", "water", "HUE", Severity.CRITICAL, None)
GAUGES = [
    ("HUE-WL-01", "Trạm Kim Long (sông Hương)", "HUE.KIMLONG", Severity.CRITICAL, 3.62, 3.5, "III"),
    ("HUE-WL-02", "Trạm Phú Ốc (sông Bồ)", "HUE.HUONGTRA", Severity.WARNING, 3.2, 3.0, "II"),
    ("HUE-WL-03", "Trạm Phú Hội (sông Hương)", "HUE.PHUHOI", Severity.CRITICAL, 3.71, 3.5, "III"),
    ("HUE-WL-04", "Trạm Thượng Nhật (sông Tả Trạch)", "HUE.NAMDONG", Severity.INFO, 4.6, 4.5, "I"),
    ("HUE-WL-05", "Trạm Phong Bình (sông Ô Lâu)", "HUE.PHONGDIEN", Severity.WARNING, 2.9, 2.8, "II"),
    ("HUE-WL-06", "Trạm Cầu Truồi (sông Truồi)", "HUE.PHULOC", Severity.INFO, 1.3, 1.2, "I"),
]


def alert(i: int, **changes: object) -> AlertView:
    source, name, unit, severity, value, threshold, level = GAUGES[i]
    at = T0 + timedelta(minutes=i)
    view = AlertView(f"flood-alarm-levels/alarm-level|{source}", f"{name} ({source})", unit, severity, True, at, at,
                     "band", "water_level", value, threshold,
                     {"vi": f"vượt báo động {level}", "en": f"above alarm level {level}"})  # fmt: skip
    return replace(view, **changes)  # type: ignore[arg-type]


FIVE = [alert(i) for i in range(5)]


@pytest.mark.parametrize(
    ("kind", "position", "count", "expected"),
    [
        (Kind.FIRED, 4, 9, False),  # the 4th alert went out alone, even if the incident grew since
        (Kind.FIRED, 5, 5, True),  # the 5th starts the storm
        (Kind.FIRED, None, 9, False),  # grouped before positions were kept
        (Kind.RESOLVED, 1, 5, True),
        (Kind.RESOLVED, 1, 4, False),
        (Kind.ESCALATED, 2, 7, True),
        (Kind.UNACKNOWLEDGED, 7, 7, False),  # nobody acted on a critical alert: always alone
        (Kind.DEESCALATED, 7, 7, False),
    ],
)
def test_which_transitions_wait_for_the_summary(kind: Kind, position: int | None, count: int, expected: bool) -> None:
    assert grouped(kind, position, count, threshold=5) is expected


def test_the_first_summary_is_due_at_once_and_counts_every_alert_as_new() -> None:
    s = summarise(INCIDENT, FIVE, None, T0 + timedelta(minutes=5), EVERY)
    assert s is not None
    assert (s.n, s.final, s.total, s.open, s.new, s.escalated, s.resolved, s.muted) == (1, False, 5, 5, 5, 0, 0, 0)
    # Critical first, then the latest change first: Phú Hội (08:02), Kim Long (08:00), Phong Bình (08:04 warning).
    assert [a.place for a in s.worst] == [
        "Trạm Phú Hội (sông Hương) (HUE-WL-03)", "Trạm Kim Long (sông Hương) (HUE-WL-01)",
        "Trạm Phong Bình (sông Ô Lâu) (HUE-WL-05)",
    ]  # fmt: skip
    assert s.places[:2] == ("Trạm Phú Hội (sông Hương) (HUE-WL-03)", "Trạm Kim Long (sông Hương) (HUE-WL-01)")
    assert s.more_places == 0 and Summary.from_json(s.to_json()) == s


def previous_of(s: Summary, made_at: datetime, resolved_at: datetime | None = None) -> Previous:
    return Previous(s.n, made_at, resolved_at, s.seen)


def test_updates_wait_for_the_interval_and_for_news() -> None:
    first = summarise(INCIDENT, FIVE, None, T0, EVERY)
    assert first is not None
    before = previous_of(first, T0)
    grown = [*FIVE, alert(5)]
    assert summarise(INCIDENT, FIVE, before, T0 + timedelta(hours=2), EVERY) is None  # no news
    assert summarise(INCIDENT, grown, before, T0 + timedelta(minutes=14, seconds=59), EVERY) is None  # too soon
    update = summarise(INCIDENT, grown, before, T0 + EVERY, EVERY)
    assert update is not None and (update.n, update.total, update.open, update.new) == (2, 6, 6, 1)


def test_an_update_counts_escalations_and_resolves_since_the_last_summary() -> None:
    first = summarise(INCIDENT, FIVE, None, T0, EVERY)
    assert first is not None
    later = T0 + timedelta(minutes=20)
    now = [
        replace(FIVE[0], open=False, updated_at=later),  # resolved
        replace(FIVE[1], severity=Severity.CRITICAL, updated_at=later),  # II -> III
        replace(FIVE[2], severity=Severity.WARNING, updated_at=later),  # fell: not news by itself
        FIVE[3],
        FIVE[4],
        replace(alert(5), open=False),  # opened and resolved between two summaries
    ]
    s = summarise(INCIDENT, now, previous_of(first, T0), later, EVERY)
    assert s is not None
    assert (s.n, s.total, s.open, s.new, s.escalated, s.resolved) == (2, 6, 4, 1, 1, 2)
    reopened = [replace(FIVE[0], opened_at=later, updated_at=later), *FIVE[1:]]
    again = summarise(INCIDENT, reopened, previous_of(first, T0), later, EVERY)
    assert again is not None and (again.new, again.resolved) == (1, 0)  # a new opening of the same alert


def test_muted_alerts_are_counted_but_are_never_news_nor_among_the_worst() -> None:
    first = summarise(INCIDENT, FIVE, None, T0, EVERY)
    assert first is not None
    muted = replace(alert(5, severity=Severity.CRITICAL), muted=True)
    assert summarise(INCIDENT, [*FIVE, muted], previous_of(first, T0), T0 + EVERY, EVERY) is None
    with_news = [*FIVE, muted, alert(4, fingerprint="x|HUE-WL-07", place="Trạm Thuận An (cửa biển) (HUE-WL-07)")]
    s = summarise(INCIDENT, with_news, previous_of(first, T0), T0 + EVERY, EVERY)
    assert s is not None and (s.total, s.open, s.new, s.muted) == (7, 7, 1, 1)
    assert muted.place not in [a.place for a in s.worst] and muted.fingerprint not in s.seen
    assert summarise(INCIDENT, [muted], None, T0, EVERY) is None  # nothing to tell


def test_the_resolution_summary_goes_out_at_once_and_once() -> None:
    first = summarise(INCIDENT, FIVE, None, T0, EVERY)
    assert first is not None
    end = T0 + timedelta(minutes=3)
    over = replace(INCIDENT, resolved_at=end)
    closed = [replace(a, open=False, updated_at=end) for a in FIVE]
    final = summarise(over, closed, previous_of(first, T0), end, EVERY)  # within the interval: still at once
    assert final is not None and (final.n, final.final, final.open, final.resolved) == (2, True, 0, 5)
    assert len(final.worst) == 3  # none open: the worst of all
    assert summarise(over, closed, previous_of(final, end, end), end + EVERY, EVERY) is None
    # Reopened (a firing within the grouping window), then resolved again: summarised again.
    reopened = summarise(INCIDENT, [*closed, alert(5)], previous_of(final, end, end), end, EVERY)
    assert reopened is not None and (reopened.n, reopened.final, reopened.new) == (3, False, 1)
    later = replace(INCIDENT, resolved_at=end + EVERY)
    assert summarise(later, closed, previous_of(final, end, end), end + EVERY, EVERY) is not None


def test_a_storm_over_between_two_rounds_gets_one_summary() -> None:
    end = T0 + timedelta(minutes=6)
    s = summarise(replace(INCIDENT, resolved_at=end), [replace(a, open=False) for a in FIVE], None, end, EVERY)
    assert s is not None and (s.n, s.final, s.new, s.resolved, s.open) == (1, True, 5, 5, 0)


def test_places_are_named_worst_first_and_the_rest_counted() -> None:
    six = [alert(i) for i in range(6)]
    s = summarise(INCIDENT, six, None, T0, EVERY)
    assert s is not None and len(s.places) == 5 and s.more_places == 1
    # Critical (Phú Hội, Kim Long), warning (Phong Bình, Phú Ốc), info (Cầu Truồi 08:05, then Thượng Nhật 08:03).
    assert s.places[-1] == "Trạm Cầu Truồi (sông Truồi) (HUE-WL-06)"


LINK = "https://ioc.hue.gov.vn/#/incidents/INC-ABC"


def test_the_summary_in_vietnamese() -> None:
    first = summarise(INCIDENT, FIVE, None, T0, EVERY)
    assert first is not None
    message = render_summary(first, "vi", LINK, 15)
    assert message.subject == (
        "[IOC][Khẩn cấp] Nhiều cảnh báo cùng lúc #1: Thủy văn — HUE: 5/5 cảnh báo đang mở, 5 mới, 0 đã hết"
    )
    lines = message.text.splitlines()
    assert lines[0] == "Nhiều cảnh báo cùng lúc #1: Thủy văn — HUE (INC-ABC)"
    assert "Mức độ cao nhất: Khẩn cấp" in lines
    assert "Cảnh báo: 5 đang mở trên tổng số 5; từ bản tin trước: 5 mới, 0 tăng mức, 0 đã hết" in lines
    assert (
        "- [Khẩn cấp] vượt báo động III — Trạm Phú Hội (sông Hương) (HUE-WL-03), HUE.PHUHOI:"
        " water_level = 3.71 m, mức 3.5 m; 24/11/2026 08:02 (GMT+7)"
    ) in lines
    assert f"Chi tiết: {LINK}" in lines
    assert lines[-1].startswith("Chế độ gộp:") and "tối đa 15 phút một lần" in lines[-1]
    assert lines[2].startswith("Địa bàn: HUE — Trạm Phú Hội (sông Hương) (HUE-WL-03), Trạm Kim Long")


def test_the_summary_in_english_and_its_resolution() -> None:
    first = summarise(INCIDENT, FIVE, None, T0, EVERY)
    assert first is not None
    muted = replace(alert(5), open=False, muted=True)
    end = T0 + timedelta(minutes=30)
    final = summarise(replace(INCIDENT, resolved_at=end), [*(replace(a, open=False) for a in FIVE), muted],
                      previous_of(first, T0), end, EVERY)  # fmt: skip
    assert final is not None
    message = render_summary(final, "en", LINK, 7.5)
    assert (
        message.subject == "[IOC][Critical] Incident resolved #2: Hydrology — HUE: 0/6 alerts open, 0 new, 5 resolved"
    )
    for line in (
        "Alerts: 0 open of 6; since the last summary: 0 new, 0 escalated, 5 resolved",
        "1 alerts are muted by a silence (not counted as news)",
        "Every alert of the incident has resolved.",
        "- [Critical] above alarm level III — Trạm Phú Hội (sông Hương) (HUE-WL-03), HUE.PHUHOI:"
        " water_level = 3.71 m, level 3.5 m; 24/11/2026 08:02 (GMT+7)",
        f"Details: {LINK}",
    ):
        assert line in message.text.splitlines()
    assert "at most every 7.5 min" in message.text
    update = replace(first, n=2)
    assert render_summary(update, "en", LINK, 15).subject.startswith("[IOC][Critical] Incident update #2")
    assert render_summary(update, "fr", LINK, 15).subject.startswith("[IOC][Khẩn cấp] Cập nhật sự cố #2")
