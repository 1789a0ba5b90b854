"""Dossier and online-payment simulator: each agency's dossiers of a day, each with its whole life.

A dossier is registered, accepted (or, rarely, refused) with an appointment a procedure's number of
working days later (the holiday calendar), processed, sometimes sent back for a supplement (the waiting
days move the appointment), sometimes withdrawn, then done and its result returned. About one in ten
finishes after its appointment (a third in the ``service-backlog`` scenario, which also doubles the
arrivals); a dossier with a fee reports ``fee due`` and its online payment (feed ``payment``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from ioc.sources import Source, of_feed
from simulators.lifecycles import Event, Lives, OfficeClock, iso, off_hours, pick
from simulators.scenario import Scenario

FEED, PAYMENT = "dossier", "payment"
AGENCIES: tuple[Source, ...] = of_feed(FEED)
LIFETIME_DAYS = 70  # the longest life: late, two supplements, a holiday


@dataclass(frozen=True)
class Procedure:
    code: str
    deadline: int  # working days
    fee: int  # VND, 0 when free


# A small plausible catalogue per peer group (codes are ours, names in comments).
PROCEDURES = {
    "department": (
        Procedure("CAP-GPXD", 15, 150_000),  # cấp giấy phép xây dựng
        Procedure("LY-LICH-TU-PHAP", 10, 200_000),  # cấp phiếu lý lịch tư pháp
        Procedure("DANG-KY-DOANH-NGHIEP", 3, 50_000),  # đăng ký thành lập doanh nghiệp
        Procedure("CHUNG-CHI-HANH-NGHE", 10, 0),  # cấp chứng chỉ hành nghề
        Procedure("GIAY-PHEP-MOI-TRUONG", 15, 0),  # cấp giấy phép môi trường
    ),
    "commune": (
        Procedure("DANG-KY-KHAI-SINH", 1, 0),  # đăng ký khai sinh
        Procedure("CHUNG-THUC-BAN-SAO", 1, 10_000),  # chứng thực bản sao từ bản chính
        Procedure("XAC-NHAN-TINH-TRANG-HON-NHAN", 3, 0),  # xác nhận tình trạng hôn nhân
        Procedure("DANG-KY-KET-HON", 5, 0),  # đăng ký kết hôn
        Procedure("TRO-CAP-XA-HOI", 15, 0),  # trợ cấp xã hội hằng tháng
    ),
}
METHODS = ("bank_transfer", "card", "e_wallet", "qr")


class DossierLife:
    """Builds the events of one dossier in time order."""

    def __init__(self, agency: Source, dossier_id: str, base: dict[str, Any]) -> None:
        self.agency, self.dossier_id, self.base = agency, dossier_id, base
        self.events: list[Event] = []
        self.payments = 0

    def status(self, ts: datetime, code: int, **extra: str) -> None:
        attributes = {**self.base, "status": code, **extra}
        self.events.append(Event(ts, FEED, self.agency, f"{self.dossier_id}#{len(self.events) + 1}", attributes, {}))

    def payment(self, ts: datetime, amount: int, status: int, method: str) -> None:
        self.payments += 1
        payment_id = f"{self.dossier_id}-P{self.payments}"
        attributes = {"payment_id": payment_id, "dossier_id": self.dossier_id, "status": status, "method": method}
        self.events.append(Event(ts, PAYMENT, self.agency, payment_id, attributes, {"amount": amount}))


def life(
    rng: np.random.Generator, clock: OfficeClock, agency: Source, dossier_id: str, t0: datetime, online_only: bool,
    late_share: float,
) -> list[Event]:  # fmt: skip
    """Every event of one dossier received at ``t0``."""
    catalogue = PROCEDURES[str(agency.extras.get("group", "commune"))]
    procedure = catalogue[int(rng.integers(len(catalogue)))]
    channel = 2 if online_only else pick(rng, (1, 2, 3), (0.42, 0.53, 0.05))
    dossier = DossierLife(agency, dossier_id, {"dossier_id": dossier_id, "channel": channel,
                                               "procedure": procedure.code, "received_at": iso(t0)})  # fmt: skip
    dossier.status(t0, 1)
    if channel == 1:  # at the counter: accepted on the spot
        accepted = t0 + timedelta(minutes=10)
    else:
        accepted = clock.next_open(t0 + timedelta(hours=rng.uniform(0.3, 4)))
    if rng.random() < 0.03:
        dossier.status(accepted, 3)
        return dossier.events
    appointment = clock.at(clock.calendar.add(accepted.date(), procedure.deadline), 17.0)
    dossier.status(accepted, 2, appointment_at=iso(appointment))
    t = accepted + timedelta(minutes=20)
    dossier.status(t, 4, appointment_at=iso(appointment))
    if procedure.fee and (channel == 2 or rng.random() < 0.5):
        dossier.status(t + timedelta(minutes=5), 6, appointment_at=iso(appointment))
        t += timedelta(minutes=5 + rng.exponential(90))
        if rng.random() < 0.04:
            dossier.payment(t, procedure.fee, 2, METHODS[int(rng.integers(len(METHODS)))])
            t += timedelta(minutes=10)
        dossier.payment(t, procedure.fee, 1, METHODS[int(rng.integers(len(METHODS)))])
        t += timedelta(minutes=5)
        dossier.status(t, 4, appointment_at=iso(appointment))
    if rng.random() < late_share:  # working days of work: past the appointment day, or on or before it
        work = procedure.deadline + max(1, round(procedure.deadline * rng.uniform(0.1, 0.8)))
    else:
        work = math.floor(procedure.deadline * rng.uniform(0.15, 1.0))
    supplements = pick(rng, (0, 1, 2), (0.85, 0.12, 0.03))
    for _ in range(supplements):
        t = clock.working_days_after(t, work // (supplements + 1), rng)
        dossier.status(t, 5, appointment_at=iso(appointment))
        waited = int(rng.integers(1, 5))  # the citizen's days: not counted against the agency
        t = clock.working_days_after(t, waited, rng)
        appointment = clock.at(clock.calendar.add(appointment.date(), waited), 17.0)
        dossier.status(t, 4, appointment_at=iso(appointment))
    if rng.random() < 0.01:
        dossier.status(clock.working_days_after(t, 1, rng), 7, appointment_at=iso(appointment))
        return dossier.events
    done = clock.working_days_after(t, work - supplements * (work // (supplements + 1)), rng)
    dossier.status(done, 9, appointment_at=iso(appointment), finished_at=iso(done))
    returned = clock.working_days_after(done, int(rng.integers(0, 3)), rng)
    dossier.status(returned, 10, appointment_at=iso(appointment), finished_at=iso(done))
    return dossier.events


def lives(seed: int, scenario: Scenario, clock: OfficeClock, agencies: tuple[Source, ...] = AGENCIES) -> Lives:
    """The dossiers (and their payments) every agency receives on a local day."""

    def on(day: date) -> list[Event]:
        backlog = scenario.hours_in(clock.at(day, 12.0), "service-backlog") is not None
        working = clock.calendar.is_working_day(day)
        events: list[Event] = []
        for i, agency in enumerate(agencies):
            rng = np.random.default_rng([seed, 5000 + i, day.toordinal()])
            per_day = float(agency.extras.get("sim_dossiers_per_day", 5)) * (2.0 if backlog else 1.0)
            at_office = rng.poisson(per_day * 0.85) if working else 0
            arrivals = [(clock.during_office(day, rng), False) for _ in range(at_office)]
            arrivals += [(off_hours(day, rng, clock), True) for _ in range(rng.poisson(per_day * 0.15))]
            for k, (t0, online_only) in enumerate(sorted(arrivals)):
                dossier_id = f"{agency.id}-{day:%y%m%d}-{k + 1:04d}"
                events += life(rng, clock, agency, dossier_id, t0, online_only, 0.33 if backlog else 0.1)
        return events

    return on
