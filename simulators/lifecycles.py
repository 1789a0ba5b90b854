"""Event feeds in simulation: items (dossiers, feedback) arrive each day, and each item's whole life is
decided at its arrival from (seed, source, day); a window of time plays the events that fall in it.

So a replay or a restart gives the same events with the same ids, and the live stream continues the lives
of items that arrived before it began. Lives are cached by arrival day, events by the local day they fall on.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import numpy as np

from ioc.envelope import Envelope
from ioc.sources import Source
from ioc.workdays import HolidayCalendar, vietnam
from simulators.air_quality import LOCAL

OPENS, CLOSES = time(7, 30), time(17, 0)  # office hours of the one-stop shops (bộ phận một cửa)


@dataclass(frozen=True)
class Event:
    """One step of an item's life: what the feed reports at ``ts``."""

    ts: datetime
    feed: str
    source: Source
    id: str
    attributes: dict[str, Any]
    values: dict[str, float]
    unit_code: str | None = None  # the place it is about, when not the source's own

    def envelope(self) -> Envelope:
        return Envelope(
            feed=self.feed,
            source=self.source.id,
            ts=self.ts.astimezone(UTC).replace(microsecond=0),
            values=self.values,
            id=self.id,
            unit_code=self.unit_code or self.source.unit_code,
            attributes=self.attributes,
        )


Lives = Callable[[date], list[Event]]  # every event of the items that arrive on one local day


T = TypeVar("T")


def pick(rng: np.random.Generator, options: Sequence[T], weights: Sequence[float]) -> T:
    """One of ``options`` by ``weights`` (summing to 1); a draw of rng.random(), much cheaper than rng.choice."""
    return options[min(bisect.bisect(list(itertools.accumulate(weights)), rng.random()), len(options) - 1)]


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).replace(microsecond=0).isoformat()


def off_hours(day: date, rng: np.random.Generator, clock: OfficeClock) -> datetime:
    """A random instant of ``day`` outside office hours (evening or early morning): online arrivals."""
    return clock.at(day, rng.uniform(17.0, 31.5) % 24)


class OfficeClock:
    """Instants in office hours of working days, and working days ahead (the holiday calendar)."""

    def __init__(self, calendar: HolidayCalendar | None = None) -> None:
        self.calendar = calendar or vietnam()

    def at(self, day: date, hours: float) -> datetime:
        """``hours`` after midnight, local time, on ``day``."""
        return datetime.combine(day, time(), LOCAL) + timedelta(hours=hours)

    def during_office(self, day: date, rng: np.random.Generator) -> datetime:
        """A random instant of ``day``'s office hours."""
        opens, closes = OPENS.hour + OPENS.minute / 60, CLOSES.hour + CLOSES.minute / 60
        return self.at(day, rng.uniform(opens, closes))

    def next_open(self, ts: datetime) -> datetime:
        """``ts`` if the office is open then, else the next opening (plus a few minutes)."""
        local = ts.astimezone(LOCAL)
        day = local.date()
        if self.calendar.is_working_day(day) and OPENS <= local.time() < CLOSES:
            return local
        if local.time() >= CLOSES or not self.calendar.is_working_day(day):
            day = self.calendar.add(day, 1)
        return self.at(day, OPENS.hour + OPENS.minute / 60 + 0.25)

    def working_days_after(self, ts: datetime, n: int, rng: np.random.Generator) -> datetime:
        """An instant in office hours ``n`` working days after ``ts`` (the same day for 0, not before ``ts``)."""
        day = self.calendar.add(self.next_open(ts).date(), n)
        return max(self.during_office(day, rng), self.next_open(ts) + timedelta(minutes=5))


class Player:
    """Plays the events of ``lives`` that fall in a window of time. Items that arrived before the local day
    of ``since`` are left out, so an item played from ``first`` on is played from its first event."""

    def __init__(self, lives: Lives, lifetime_days: int, since: datetime) -> None:
        self.lives = lives
        self.lifetime_days = lifetime_days
        self.since = since.astimezone(LOCAL).date()
        self.first = datetime.combine(self.since, time(), LOCAL)  # where a history should start
        self._arrived: set[date] = set()  # arrival days whose lives are spread into the buckets
        self._buckets: dict[date, list[Event]] = {}  # events by the local day they fall on
        self._days: dict[date, tuple[list[datetime], list[Event]]] = {}

    def _day(self, day: date) -> tuple[list[datetime], list[Event]]:
        """The events that fall on local ``day``, by time: from the lives of the items arrived up to it."""
        if day not in self._days:
            first = max(self.since, day - timedelta(days=self.lifetime_days))
            for arrival in (first + timedelta(days=n) for n in range((day - first).days + 1)):
                if arrival not in self._arrived:
                    self._arrived.add(arrival)
                    for event in self.lives(arrival):
                        self._buckets.setdefault(event.ts.astimezone(LOCAL).date(), []).append(event)
            events = sorted(self._buckets.get(day, []), key=lambda event: event.ts)
            self._days[day] = ([event.ts for event in events], events)
            self._forget(day)
        return self._days[day]

    def _forget(self, today: date) -> None:
        """Keep the caches to the days a live window can still need."""
        horizon = today - timedelta(days=2)
        for cache in (self._buckets, self._days):
            for day in [d for d in cache if d < horizon]:
                del cache[day]

    def between(self, start: datetime, end: datetime) -> list[Envelope]:
        """Every event in [start, end), oldest first."""
        out: list[Envelope] = []
        day = max(start.astimezone(LOCAL).date(), self.since)
        while day <= end.astimezone(LOCAL).date():
            times, events = self._day(day)
            lo, hi = bisect.bisect_left(times, start), bisect.bisect_left(times, end)
            out.extend(event.envelope() for event in events[lo:hi])
            day += timedelta(days=1)
        return out
