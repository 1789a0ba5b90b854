"""Citizen-feedback simulator: reports about places, each handled by the agency of its category.

A report is received (the app and Zalo at any hour, the hotline and the web portal in the day), assigned
within a working day, sometimes refused (within 2 working days) or sent back for more information
(within 5), answered within the 15-working-day target (one in ten later) and its answer published within
2 (one in twenty later): the handling targets of DOMAIN.md, so the feed has on-time and late cases.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

from ioc.sources import Source, of_feed
from simulators.lifecycles import Event, Lives, OfficeClock, iso, off_hours, pick

FEED = "feedback"
AGENCIES: tuple[Source, ...] = of_feed(FEED)
LIFETIME_DAYS = 60
PER_DAY = 60.0  # reports a day across the province
CATEGORIES = ("giao_thong", "moi_truong", "do_thi", "an_ninh_trat_tu", "dich_vu_cong", "y_te", "giao_duc", "khac")
SHARES = (0.22, 0.2, 0.2, 0.1, 0.1, 0.07, 0.04, 0.07)
HANDLER = {"giao_thong": "HUE-AG-SXD", "moi_truong": "HUE-AG-SNNMT", "y_te": "HUE-AG-SYT", "giao_duc": "HUE-AG-SGDDT"}
CHANNELS = ("app", "hotline", "web", "zalo")


def life(rng: np.random.Generator, clock: OfficeClock, handler: Source, area: str, feedback_id: str,
         t0: datetime, channel: str, category: str) -> list[Event]:  # fmt: skip
    """Every handling step of one report received at ``t0``."""
    base = {"feedback_id": feedback_id, "category": category, "channel": channel, "received_at": iso(t0)}
    events: list[Event] = []

    def step(ts: datetime, stage: int) -> None:
        attributes = {**base, "stage": stage}
        events.append(Event(ts, FEED, handler, f"{feedback_id}#{len(events) + 1}", attributes, {}, area))

    step(t0, 1)
    t = clock.working_days_after(t0, int(rng.integers(0, 2)), rng)
    if rng.random() < 0.05:
        step(t, 4)
        return events
    step(t, 2)
    if rng.random() < 0.1:
        t = clock.working_days_after(t, int(rng.integers(1, 6)), rng)
        step(t, 3)
        t = clock.working_days_after(t, int(rng.integers(1, 4)), rng)
        step(t, 2)
    answer_days = int(rng.integers(16, 26)) if rng.random() < 0.1 else int(rng.integers(1, 16))
    t = clock.working_days_after(t, answer_days, rng)
    step(t, 5)
    publish_days = int(rng.integers(3, 6)) if rng.random() < 0.05 else int(rng.integers(0, 3))
    step(clock.working_days_after(t, publish_days, rng), 6)
    return events


def lives(seed: int, clock: OfficeClock, agencies: tuple[Source, ...] = AGENCIES, prefix: str = "PA") -> Lives:
    """The reports the province receives on a local day, numbered ``<prefix>-<yymmdd>-<n>``."""
    by_id = {agency.id: agency for agency in agencies}
    communes = [agency for agency in agencies if agency.extras.get("group") == "commune"]

    def on(day: date) -> list[Event]:
        rng = np.random.default_rng([seed, 7000, day.toordinal()])
        events: list[Event] = []
        for k in range(rng.poisson(PER_DAY)):
            channel = pick(rng, CHANNELS, (0.45, 0.2, 0.15, 0.2))
            daytime = channel in ("hotline", "web") or rng.random() < 0.7
            t0 = clock.during_office(day, rng) if daytime else off_hours(day, rng, clock)
            category = pick(rng, CATEGORIES, SHARES)
            commune = communes[int(rng.integers(len(communes)))]
            handler = by_id.get(HANDLER.get(category, ""), commune)
            feedback_id = f"{prefix}-{day:%y%m%d}-{k + 1:04d}"
            events += life(rng, clock, handler, commune.unit_code, feedback_id, t0, channel, category)
        return events

    return on
