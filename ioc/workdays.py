"""The working-day clock of Vietnamese state agencies: Monday to Friday, minus public holidays and
compensatory days off, plus make-up Saturdays. Holidays are data (ioc/data/holidays_vn.yaml), per year.

Dossier appointments and feedback deadlines are counted on this clock. A date in a year the calendar
does not cover raises CalendarError rather than silently ignoring that year's holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "holidays_vn.yaml"


class CalendarError(ValueError):
    """The holiday calendar does not cover a date (or its file is malformed)."""


@dataclass(frozen=True)
class HolidayCalendar:
    days_off: dict[date, str]
    working_days: dict[date, str]
    years: dict[int, str]  # year -> official | provisional

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def is_working_day(self, day: date) -> bool:
        if not self.covers(day):
            raise CalendarError(f"no holiday calendar for {day.year}; add it to {DATA.name}")
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def add(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (before it when ``n`` < 0); ``start`` itself for 0."""
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``. add(a, between(a, b)) == b
        for a working day b."""
        if end < start:
            return -self.between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def parse_calendar(data: object) -> HolidayCalendar:
    if not isinstance(data, dict):
        raise CalendarError(f"{DATA.name}: must map years to their schedule")
    days_off: dict[date, str] = {}
    working: dict[date, str] = {}
    years: dict[int, str] = {}
    for year, spec in data.items():
        if not isinstance(year, int) or not isinstance(spec, dict):
            raise CalendarError(f"{DATA.name}: {year!r} must be a year with days_off and working_days")
        years[year] = str(spec.get("status", "official"))
        for target, key in ((days_off, "days_off"), (working, "working_days")):
            for day, name in (spec.get(key) or {}).items():
                if not isinstance(day, date) or day.year != year:
                    raise CalendarError(f"{DATA.name}: {year}.{key}: {day!r} is not a date of {year}")
                target[day] = str(name)
    return HolidayCalendar(days_off, working, years)


@lru_cache
def vietnam() -> HolidayCalendar:
    """The shipped calendar."""
    return parse_calendar(yaml.safe_load(DATA.read_text(encoding="utf-8")))
