"""Dossier classes and feedback deadlines, against cases worked out by hand on the 2026 calendar
(ioc/data/holidays_vn.yaml: 27 Apr, 30 Apr, 1 May, 1-2 Sep 2026 off)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from ioc.envelope import Envelope
from ioc.indicators.public_services import LOCAL, figures, fold
from ioc.workdays import vietnam

AGENCY = "HUE-AG-PHUHOI"


def t(text: str) -> datetime:
    """A local time (Asia/Ho_Chi_Minh), as the feeds' agencies live it."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL)


class Life:
    """The status events of one dossier, numbered as the feed numbers them."""

    def __init__(self, dossier_id: str, received: str, channel: int = 1, procedure: str = "DANG-KY-KET-HON") -> None:
        self.base = {"dossier_id": dossier_id, "channel": channel, "procedure": procedure, "received_at": received}
        self.events: list[Envelope] = []
        self.status(received, 1)

    def status(self, at: str, code: int, **extra: str) -> Life:
        attributes = {**self.base, "status": code, **{k: t(v).isoformat() for k, v in extra.items()}}
        attributes["received_at"] = t(self.base["received_at"]).isoformat()
        record_id = f"{self.base['dossier_id']}#{len(self.events) + 1}"
        self.events.append(Envelope("dossier", AGENCY, t(at), {}, record_id, attributes=attributes))
        return self

    def done(self, at: str, appointment: str) -> Life:
        return self.status(at, 9, appointment_at=appointment, finished_at=at)


def accepted(dossier_id: str, appointment: str = "2026-11-20T17:00", **kw: object) -> Life:
    life = Life(dossier_id, "2026-11-16T08:00", **kw)  # type: ignore[arg-type]
    return life.status("2026-11-16T08:10", 2, appointment_at=appointment).status(
        "2026-11-16T08:30", 4, appointment_at=appointment
    )


AT = t("2026-11-24T12:00")


def classes(*lives: Life, at: datetime = AT) -> dict[str, str | None]:
    items = fold([e for life in lives for e in life.events])
    return {i: d.classify(at) for i, d in items.dossiers.items()}


def test_a_done_dossier_is_early_on_time_or_late_by_its_appointment() -> None:
    appointment = "2026-11-20T17:00"
    early = accepted("EARLY").done("2026-11-19T15:00", appointment)  # a day before the appointment day
    same_day = accepted("SAME-DAY").done("2026-11-20T10:00", appointment)
    late = accepted("LATE").done("2026-11-23T09:00", appointment)
    assert classes(early, same_day, late) == {"EARLY": "early", "SAME-DAY": "on_time", "LATE": "late"}


def test_more_than_one_supplement_request_is_late_whatever_the_dates() -> None:
    appointment = "2026-11-27T17:00"
    twice = accepted("TWICE", appointment).status("2026-11-17T09:00", 5, appointment_at=appointment)
    twice.status("2026-11-18T09:00", 4, appointment_at=appointment).status("2026-11-18T10:00", 5)
    twice.status("2026-11-19T09:00", 4, appointment_at=appointment).done("2026-11-19T15:00", appointment)
    once = accepted("ONCE", appointment).status("2026-11-17T09:00", 5, appointment_at=appointment)
    once.status("2026-11-18T09:00", 4, appointment_at=appointment).done("2026-11-19T15:00", appointment)
    assert classes(twice, once) == {"TWICE": "late", "ONCE": "early"}


def test_an_open_dossier_is_in_time_until_its_appointment_and_stands_still_while_the_citizen_supplements() -> None:
    passed = accepted("PASSED", "2026-11-23T17:00")
    not_yet = accepted("NOT-YET", "2026-11-24T17:00")
    waiting = accepted("WAITING", "2026-11-23T17:00").status("2026-11-20T09:00", 5, appointment_at="2026-11-23T17:00")
    assert classes(passed, not_yet, waiting) == {"PASSED": "overdue", "NOT-YET": "in_time", "WAITING": "in_time"}


def test_the_latest_appointment_counts_the_portal_moves_it_by_the_citizens_days() -> None:
    moved = accepted("MOVED", "2026-11-20T17:00").status("2026-11-17T09:00", 5, appointment_at="2026-11-20T17:00")
    moved.status("2026-11-19T09:00", 4, appointment_at="2026-11-24T17:00").done("2026-11-24T11:00", "2026-11-24T17:00")
    assert classes(moved) == {"MOVED": "on_time"}


def test_refused_withdrawn_and_stopped_dossiers_are_not_counted_for_timeliness() -> None:
    refused = Life("REFUSED", "2026-11-16T08:00").status("2026-11-16T09:00", 3)
    withdrawn = accepted("WITHDRAWN").status("2026-11-17T09:00", 7)
    stopped = accepted("STOPPED").status("2026-11-17T09:00", 8)
    registered = Life("REGISTERED", "2026-11-23T22:00", channel=2)
    assert set(classes(refused, withdrawn, stopped, registered).values()) == {None}


def test_timeliness_and_online_ratios_worked_by_hand() -> None:
    """early + on time + in time over received: (1 + 1 + 1) / 5 = 0.6; online: 2 of 6 dossiers."""
    appointment = "2026-11-20T17:00"
    lives = [
        accepted("A", channel=2).done("2026-11-18T10:00", appointment),  # early
        accepted("B").done("2026-11-20T16:00", appointment),  # on time
        accepted("C", channel=2, procedure="DANG-KY-KHAI-SINH").done("2026-11-21T10:00", appointment),  # late
        accepted("D", "2026-11-25T17:00"),  # in time
        accepted("E"),  # overdue
        Life("F", "2026-11-16T08:00").status("2026-11-16T09:00", 3),  # refused: a dossier, never received
    ]
    agency = figures(fold([e for life in lives for e in life.events]), AT, vietnam())[AGENCY]
    counts = {k: agency.counts[k] for k in ("dossiers", "received", "early", "on_time", "late", "in_time", "overdue")}
    assert counts == {"dossiers": 6, "received": 5, "early": 1, "on_time": 1, "late": 1, "in_time": 1, "overdue": 1}
    assert agency.ratios["timeliness"] == pytest.approx(0.6)
    assert agency.ratios["online_share"] == pytest.approx(2 / 6)
    assert agency.ratios["procedures_online"] == pytest.approx(2 / 2)  # both procedures had an online dossier
    # open and overdue first: E, due Fri 20 Nov, 2 working days late on Tue 24 Nov (Mon 23, Tue 24); then C,
    # done on Sat 21 Nov, a day after its appointment but no working day late
    assert [(c.id, c.state, c.reason, c.due, c.late_days) for c in agency.costly] == [
        ("E", "overdue", "past_appointment", date(2026, 11, 20), 2),
        ("C", "late", "past_appointment", date(2026, 11, 20), 0),
    ]
    assert agency.costly[1].procedure == "DANG-KY-KHAI-SINH" and agency.costly[1].status == 9
    assert agency.by_procedure == {
        "DANG-KY-KET-HON": {"dossiers": 5, "received": 4, "early": 1, "on_time": 1, "late": 0, "in_time": 1,
                            "overdue": 1},
        "DANG-KY-KHAI-SINH": {"dossiers": 1, "received": 1, "early": 0, "on_time": 0, "late": 1, "in_time": 0,
                              "overdue": 0},
    }  # fmt: skip


def test_a_dossier_with_two_supplement_requests_costs_points_for_that_reason() -> None:
    life = accepted("TWICE", "2026-11-27T17:00").status("2026-11-17T09:00", 5).status("2026-11-18T09:00", 4)
    life.status("2026-11-19T09:00", 5)
    [cost] = figures(fold(life.events), AT, vietnam())[AGENCY].costly
    assert (cost.state, cost.reason, cost.late_days) == ("overdue", "supplements", 0)


def test_fee_dossiers_paid_online() -> None:
    paid = accepted("PAID").status("2026-11-16T08:35", 6)
    unpaid = accepted("UNPAID").status("2026-11-16T08:35", 6)
    payments = [
        Envelope("payment", AGENCY, t("2026-11-16T09:00"), {"amount": 50000.0}, "PAID-P1",
                 attributes={"payment_id": "PAID-P1", "dossier_id": "PAID", "status": 2, "method": "card"}),
        Envelope("payment", AGENCY, t("2026-11-16T09:10"), {"amount": 50000.0}, "PAID-P2",
                 attributes={"payment_id": "PAID-P2", "dossier_id": "PAID", "status": 1, "method": "card"}),
    ]  # fmt: skip
    agency = figures(fold([*paid.events, *unpaid.events, *payments]), AT, vietnam())[AGENCY]
    assert (agency.counts["fee_due"], agency.counts["paid_online"]) == (2, 1)
    assert agency.ratios["fees_paid_online"] == pytest.approx(0.5)
    assert agency.ratios["procedures_paid_online"] == pytest.approx(1.0)


def test_events_in_any_order_and_twice_give_the_same_figures() -> None:
    appointment = "2026-11-27T17:00"
    life = accepted("X", appointment).status("2026-11-17T09:00", 5, appointment_at=appointment)
    life.status("2026-11-18T09:00", 4, appointment_at=appointment).done("2026-11-19T15:00", appointment)
    events = life.events + life.events[2:5]  # a replay after a restart
    random.Random(7).shuffle(events)
    shuffled = figures(fold(events), AT, vietnam())[AGENCY]
    in_order = figures(fold(life.events), AT, vietnam())[AGENCY]
    assert shuffled == in_order and shuffled.counts["early"] == 1


def feedback(feedback_id: str, steps: list[tuple[str, int]]) -> list[Envelope]:
    base = {
        "feedback_id": feedback_id,
        "category": "do_thi",
        "channel": "app",
        "received_at": t(steps[0][0]).isoformat(),
    }
    return [
        Envelope("feedback", AGENCY, t(at), {}, f"{feedback_id}#{n}", attributes={**base, "stage": stage})
        for n, (at, stage) in enumerate(steps, 1)
    ]


@pytest.mark.parametrize(
    ("steps", "late"),
    [
        # assigned Wed 29 Apr 2026; 15 working days skip 30 Apr, 1 May and weekends: due Fri 22 May
        ([("2026-04-28T09:00", 1), ("2026-04-29T09:00", 2), ("2026-05-22T16:00", 5), ("2026-05-25T09:00", 6)], None),
        (
            [("2026-04-28T09:00", 1), ("2026-04-29T09:00", 2), ("2026-05-25T09:00", 5), ("2026-05-25T10:00", 6)],
            ("answer", "2026-05-22", 1),
        ),
        # received Fri 24 Apr; 27 Apr is off (Hùng Kings, moved): the 2 days to refuse are 28 and 29 Apr
        ([("2026-04-24T09:00", 1), ("2026-04-29T16:00", 4)], None),
        ([("2026-04-24T09:00", 1), ("2026-04-30T09:00", 4)], ("refuse", "2026-04-29", 0)),  # 30 Apr is off
        # answered Thu 27 Aug; publish within 2 working days: Fri 28 Aug, Mon 31 Aug (1-2 Sep off)
        ([("2026-08-20T09:00", 1), ("2026-08-20T10:00", 2), ("2026-08-27T09:00", 5), ("2026-08-31T16:00", 6)], None),
        (
            [("2026-08-20T09:00", 1), ("2026-08-20T10:00", 2), ("2026-08-27T09:00", 5), ("2026-09-03T09:00", 6)],
            ("publish", "2026-08-31", 1),
        ),
        # more information after 5 working days of the assignment (Mon 16 Nov -> due Mon 23 Nov): late
        (
            [("2026-11-16T09:00", 1), ("2026-11-16T10:00", 2), ("2026-11-24T09:00", 3)],
            ("request_info", "2026-11-23", 1),
        ),
        # information came back on 20 Nov, reassigned: the 15 days run from then, still open: in time
        ([("2026-11-02T09:00", 1), ("2026-11-02T10:00", 2), ("2026-11-05T09:00", 3), ("2026-11-20T09:00", 2)], None),
        # ... but a request made late (due Mon 9 Nov) stays late after the reassignment
        (
            [("2026-11-02T09:00", 1), ("2026-11-02T10:00", 2), ("2026-11-10T09:00", 3), ("2026-11-20T09:00", 2)],
            ("request_info", "2026-11-09", 1),
        ),
    ],
)
def test_feedback_deadlines_in_working_days(steps: list[tuple[str, int]], late: tuple[str, str, int] | None) -> None:
    """``late``: the step taken late, the day it was due, and the working days after that day it was taken."""
    item = fold(feedback("PA-1", steps)).feedback["PA-1"]
    cost = item.late_step(t(steps[-1][0]), vietnam())
    assert (cost and (cost.reason, cost.due.isoformat() if cost.due else None, cost.late_days)) == late
    assert cost is None or cost.state == "late"


def test_a_pending_feedback_step_past_its_deadline_is_late() -> None:
    # assigned Mon 2 Nov, unanswered: due 15 working days later, Mon 23 Nov; on 24 Nov it is late
    item = fold(feedback("PA-2", [("2026-11-02T09:00", 1), ("2026-11-02T10:00", 2)])).feedback["PA-2"]
    assert item.late_step(t("2026-11-23T16:00"), vietnam()) is None
    cost = item.late_step(t("2026-11-24T09:00"), vietnam())
    assert cost and (cost.reason, cost.state, cost.due, cost.late_days) == ("answer", "overdue", date(2026, 11, 23), 1)


def test_only_items_received_since_the_period_start_count() -> None:
    old = Life("OLD", "2026-10-30T08:00").status("2026-10-30T08:10", 2, appointment_at="2026-11-03T17:00")
    new = accepted("NEW", "2026-11-25T17:00")
    since = t("2026-11-01T00:00")
    result = figures(fold([*old.events, *new.events]), AT, vietnam(), since)
    assert result[AGENCY].counts["received"] == 1 and result[AGENCY].ratios["timeliness"] == 1.0
    assert figures(fold(old.events), AT, vietnam(), since + timedelta(days=30)) == {}
