"""Public-service figures of each agency from its dossier, payment and feedback events (pure, no I/O).

The feeds report one event per status change (DOMAIN.md section 1); the figures need each item's whole
life, so events are first folded into items, then each item is classed at an evaluation instant. The
rules, and where DOMAIN.md leaves a choice, the choice made:

- A dossier counts as received once accepted (status 2 or later, never 3); withdrawn (7) and stopped (8)
  ones leave the timeliness count, refused ones (3) were never received.
- Done (9, 10): on time when finished on or before its appointment, early when on an earlier day; more
  than one supplement request makes it late whatever the dates. The appointment is the latest one the
  agency reported: the portal moves it by the days the citizen took to supplement.
- Open: in time until its appointment passes, then overdue; while waiting for the citizen's supplement
  (status 5) its clock stands still; an open dossier with two supplement requests is already overdue.
- Feedback deadlines in working days: refuse within 2 of receipt, request more information within 5 and
  answer within 15 of the (latest) assignment, publish the answer within 2 of answering. An item is late
  when a step came late or a pending step's deadline has passed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ioc.envelope import Envelope, parse_time
from ioc.workdays import HolidayCalendar

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
REFUSED, SUPPLEMENT, FEE_DUE, WITHDRAWN, STOPPED, DONE, RETURNED = 3, 5, 6, 7, 8, 9, 10
ONLINE = 2
PAID = 1
FEEDBACK_DEADLINES = {"refuse": 2, "request_info": 5, "answer": 15, "publish": 2}  # working days
DOSSIER_CLASSES = ("early", "on_time", "late", "in_time", "overdue")


def local_day(ts: datetime) -> date:
    return ts.astimezone(LOCAL).date()


@dataclass(frozen=True)
class Cost:
    """An item that costs its agency points, and why: what an official follows up behind a low score."""

    kind: str  # dossier or feedback
    id: str
    reason: str  # dossier: past_appointment, supplements, no_appointment; feedback: the step that came late
    state: str  # late (done, or the step was taken late) or overdue (still open past its deadline)
    received_at: datetime
    due: date | None  # the local day it was due: the appointment, the step's deadline
    late_days: int  # working days after that day, up to the day it was done or the evaluation day
    procedure: str | None = None
    status: int | None = None  # a dossier's latest portal status


@dataclass
class Dossier:
    """One dossier's life so far, folded from its status events."""

    id: str
    agency: str
    procedure: str
    channel: int
    received_at: datetime
    status: int = 1
    status_at: datetime | None = None
    appointment_at: datetime | None = None
    finished_at: datetime | None = None
    accepted: bool = False
    supplements: set[str] = field(default_factory=set)  # the record ids of its status-5 events
    fee_due: bool = False
    paid_online: bool = False

    def classify(self, at: datetime) -> str | None:
        """early, on_time or late (done); in_time or overdue (open); None when it is not received."""
        if not self.accepted or self.status in (REFUSED, WITHDRAWN, STOPPED):
            return None
        late_by_rule = len(self.supplements) > 1
        if self.status in (DONE, RETURNED):
            finished = self.finished_at or self.status_at or at
            if late_by_rule or self.appointment_at is None or finished > self.appointment_at:
                return "late"
            return "early" if local_day(finished) < local_day(self.appointment_at) else "on_time"
        if late_by_rule:
            return "overdue"
        if self.status == SUPPLEMENT or self.appointment_at is None or at <= self.appointment_at:
            return "in_time"
        return "overdue"

    def cost(self, state: str, at: datetime, calendar: HolidayCalendar) -> Cost:
        """Why a dossier ``classify`` found late or overdue (its ``state``) costs points."""
        due = None if self.appointment_at is None else local_day(self.appointment_at)
        end = local_day(self.finished_at or self.status_at or at) if state == "late" else local_day(at)
        reason = "supplements" if len(self.supplements) > 1 else "no_appointment" if due is None else "past_appointment"
        late_days = 0 if due is None else max(0, calendar.between(due, end))
        return Cost("dossier", self.id, reason, state, self.received_at, due, late_days, self.procedure, self.status)


@dataclass
class Feedback:
    """One report's handling so far: the first time each stage was reached (assignment: the latest)."""

    id: str
    agency: str
    received_at: datetime
    assigned_at: datetime | None = None
    info_requests: list[tuple[datetime, datetime]] = field(default_factory=list)  # (assigned, requested)
    refused_at: datetime | None = None
    answered_at: datetime | None = None
    published_at: datetime | None = None

    def late_step(self, at: datetime, calendar: HolidayCalendar) -> Cost | None:
        """The first step taken after its deadline, or pending past it; None when the report is on time."""

        def late(step: str, start: datetime, end: datetime | None) -> Cost | None:
            due = calendar.add(local_day(start), FEEDBACK_DEADLINES[step])
            day = local_day(end or at)
            if day <= due:
                return None
            state = "late" if end is not None else "overdue"
            return Cost("feedback", self.id, step, state, self.received_at, due, calendar.between(due, day))

        for assigned, requested in self.info_requests:
            if missed := late("request_info", assigned, requested):
                return missed
        if self.refused_at is not None:
            return late("refuse", self.received_at, self.refused_at)
        if self.answered_at is not None:
            if self.assigned_at is not None and (missed := late("answer", self.assigned_at, self.answered_at)):
                return missed
            return late("publish", self.answered_at, self.published_at)
        if self.assigned_at is None:
            return late("refuse", self.received_at, None)  # neither refused nor assigned
        if self.info_requests and self.info_requests[-1][1] >= self.assigned_at:
            return None  # waiting for the citizen's information: the clock stands still
        return late("answer", self.assigned_at, None)


@dataclass
class Items:
    """Every dossier and feedback item found in a set of events, by id."""

    dossiers: dict[str, Dossier] = field(default_factory=dict)
    feedback: dict[str, Feedback] = field(default_factory=dict)


def fold(events: Iterable[Envelope]) -> Items:
    """Fold dossier, payment and feedback events (any order, duplicates allowed) into items."""
    ordered = sorted((e for e in events if e.feed in ("dossier", "payment", "feedback")), key=lambda e: (e.ts, e.id))
    items = Items()
    payments: list[Envelope] = []
    for event in ordered:
        if event.feed == "dossier":
            _dossier_event(items, event)
        elif event.feed == "feedback":
            _feedback_event(items, event)
        else:
            payments.append(event)
    for payment in payments:  # after the dossiers: a payment may be stored before its dossier's events
        dossier = items.dossiers.get(str(payment.attributes.get("dossier_id", "")))
        if dossier is not None and payment.attributes.get("status") == PAID:
            dossier.paid_online = True
    return items


def _time(value: object) -> datetime | None:
    return None if value is None else parse_time(value, "attributes")


def _dossier_event(items: Items, event: Envelope) -> None:
    a = event.attributes
    dossier_id = str(a["dossier_id"])
    dossier = items.dossiers.get(dossier_id)
    if dossier is None:
        received = _time(a.get("received_at")) or event.ts
        dossier = Dossier(dossier_id, event.source, str(a["procedure"]), int(a["channel"]), received)
        items.dossiers[dossier_id] = dossier
    status = int(a["status"])
    dossier.status, dossier.status_at = status, event.ts
    dossier.accepted = dossier.accepted or status not in (1, REFUSED)
    dossier.appointment_at = _time(a.get("appointment_at")) or dossier.appointment_at
    dossier.finished_at = _time(a.get("finished_at")) or dossier.finished_at
    if status == SUPPLEMENT:
        dossier.supplements.add(event.id)
    dossier.fee_due = dossier.fee_due or status == FEE_DUE


def _feedback_event(items: Items, event: Envelope) -> None:
    a = event.attributes
    feedback_id = str(a["feedback_id"])
    item = items.feedback.get(feedback_id)
    if item is None:
        item = Feedback(feedback_id, event.source, _time(a.get("received_at")) or event.ts)
        items.feedback[feedback_id] = item
    stage = int(a["stage"])
    if stage == 2:
        item.assigned_at = event.ts  # the latest: after more information came back, the clock restarts
    elif stage == 3:
        if item.assigned_at is not None and all(requested != event.ts for _, requested in item.info_requests):
            item.info_requests.append((item.assigned_at, event.ts))
    else:
        attr = {4: "refused_at", 5: "answered_at", 6: "published_at"}.get(stage)
        if attr is not None and getattr(item, attr) is None:
            setattr(item, attr, event.ts)


@dataclass
class AgencyFigures:
    """What the events say of one agency: counts, and the ratios Decision 766 scores (None: no case)."""

    agency: str
    counts: dict[str, int]
    ratios: dict[str, float | None]
    costly: list[Cost]  # dossiers late or overdue, feedback late: open ones first, the most days late first
    by_procedure: dict[str, dict[str, int]] = field(default_factory=dict)  # procedure -> dossiers and each class


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(
    items: Items, at: datetime, calendar: HolidayCalendar, since: datetime | None = None
) -> dict[str, AgencyFigures]:
    """Per agency, the counts and ratios at ``at`` of the items received from ``since`` (all when None)."""
    by_agency: dict[str, list[Dossier]] = defaultdict(list)
    for d in items.dossiers.values():
        if since is None or d.received_at >= since:
            by_agency[d.agency].append(d)
    feedback_by: dict[str, list[Feedback]] = defaultdict(list)
    for f in items.feedback.values():
        if since is None or f.received_at >= since:
            feedback_by[f.agency].append(f)
    result = {}
    for agency in sorted(by_agency.keys() | feedback_by.keys()):
        result[agency] = _agency(agency, by_agency[agency], feedback_by[agency], at, calendar)
    return result


def _agency(agency: str, dossiers: list[Dossier], reports: list[Feedback], at: datetime,
            calendar: HolidayCalendar) -> AgencyFigures:  # fmt: skip
    classes = [d.classify(at) for d in dossiers]
    count = {name: classes.count(name) for name in DOSSIER_CLASSES}
    by_procedure: dict[str, dict[str, int]] = {}
    for d, kind in zip(dossiers, classes, strict=True):
        row = by_procedure.setdefault(d.procedure, {"dossiers": 0, "received": 0} | dict.fromkeys(DOSSIER_CLASSES, 0))
        row["dossiers"] += 1
        if kind is not None:
            row["received"] += 1
            row[kind] += 1
    received = sum(count.values())
    good = count["early"] + count["on_time"] + count["in_time"]
    online = [d for d in dossiers if d.channel == ONLINE]
    procedures = {d.procedure for d in dossiers}
    fee_due = [d for d in dossiers if d.fee_due]
    paid = [d for d in fee_due if d.paid_online]
    late_feedback = [c for f in reports if (c := f.late_step(at, calendar)) is not None]
    answered = [f for f in reports if f.answered_at is not None]
    counts = {
        "dossiers": len(dossiers),
        "received": received,
        **count,
        "online": len(online),
        "fee_due": len(fee_due),
        "paid_online": len(paid),
        "feedback": len(reports),
        "feedback_late": len(late_feedback),
        "feedback_answered": len(answered),
        "feedback_published": sum(1 for f in answered if f.published_at is not None),
    }
    ratios = {
        "timeliness": _ratio(good, received),
        "online_share": _ratio(len(online), len(dossiers)),
        "procedures_online": _ratio(len({d.procedure for d in online}), len(procedures)),
        "fees_paid_online": _ratio(len(paid), len(fee_due)),
        "procedures_paid_online": _ratio(len({d.procedure for d in paid}), len({d.procedure for d in fee_due})),
        "feedback_on_time": _ratio(len(reports) - len(late_feedback), len(reports)),
        "feedback_published": _ratio(counts["feedback_published"], len(answered)),
    }
    late_dossiers = [
        d.cost(c, at, calendar) for d, c in zip(dossiers, classes, strict=True) if c in ("late", "overdue")
    ]
    costly = sorted(late_dossiers + late_feedback, key=lambda c: (c.state != "overdue", -c.late_days, c.kind, c.id))
    return AgencyFigures(agency, counts, ratios, costly, dict(sorted(by_procedure.items())))


MEASURED = (
    "timeliness",
    "online_share",
    "procedures_online",
    "fees_paid_online",
    "procedures_paid_online",
    "feedback_on_time",
    "feedback_published",
)
