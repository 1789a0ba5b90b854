"""The working-day clock, checked against the 2025 schedule (official, as published for state agencies)
and the rules of Labour Code 2019 art. 112; dates worked out on a calendar by hand."""

from datetime import date

import pytest
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.workdays import CalendarError, parse_calendar, vietnam

D = date.fromisoformat
CAL = vietnam()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # Tết Dương lịch, a Wednesday
        ("2025-01-02", True),
        ("2025-01-29", False),  # mùng 1 Tết Ất Tỵ
        ("2025-02-03", True),  # first Monday after Tết
        ("2025-04-26", True),  # a Saturday worked to pay back 2 May
        ("2025-05-02", False),
        ("2025-09-01", False),  # the day next to National Day
        ("2025-11-22", False),  # an ordinary Saturday
        ("2025-11-24", True),
    ],
)
def test_2025_official_schedule(day: str, working: bool) -> None:
    assert CAL.is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-01-24", 1, "2025-02-03"),  # Friday before Tết: the next working day is after the 9-day break
        ("2025-04-25", 1, "2025-04-26"),  # Friday, then the make-up Saturday
        ("2025-04-29", 1, "2025-05-05"),  # 30/4, 1/5, 2/5 and the weekend are off
        ("2025-11-24", 5, "2025-12-01"),
        ("2025-11-24", 15, "2025-12-15"),  # the 15-working-day feedback deadline from a Monday
        ("2025-12-31", 1, "2026-01-02"),  # across the year and New Year's Day
        ("2025-02-03", -1, "2025-01-24"),
        ("2025-11-22", 0, "2025-11-22"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert CAL.add(D(start), n) == D(expected)


def test_between_is_the_inverse_of_add() -> None:
    assert CAL.between(D("2025-01-24"), D("2025-02-03")) == 1
    assert CAL.between(D("2025-11-24"), D("2025-12-15")) == 15
    assert CAL.between(D("2025-12-15"), D("2025-11-24")) == -15
    for n in range(0, 60, 7):
        assert CAL.between(D("2025-03-03"), CAL.add(D("2025-03-03"), n)) == n


def test_a_year_without_data_is_an_error_not_a_guess() -> None:
    with pytest.raises(CalendarError, match="no holiday calendar for 2031"):
        CAL.add(D("2030-12-31"), 1)


def test_every_shipped_year_has_eleven_holidays_on_weekdays() -> None:
    # 1 + 5 (Tết) + 1 (Hùng Kings) + 1 + 1 + 2 = 11 paid holidays; those on a weekend move to a weekday.
    for year in CAL.years:
        off = [d for d in CAL.days_off if d.year == year]
        assert all(d.weekday() < 5 for d in off), year
        assert len(off) - sum(1 for d in CAL.working_days if d.year == year) == 11, year
    assert CAL.years[2025] == "official"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must map years"),
        ({2025: {"days_off": {"2025-01-01": "x"}}}, "'2025-01-01' is not a date"),
        ({2025: {"days_off": {D("2024-01-01"): "x"}}}, "is not a date of 2025"),
    ],
)
def test_malformed_calendar_data_is_refused(data: object, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_calendar(data)


def test_cli_add_and_between() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["workdays", "add", "2025-01-24", "1"]).output.strip() == "2025-02-03"
    assert runner.invoke(cli, ["workdays", "between", "2025-11-24", "2025-12-15"]).output.strip() == "15"
    bad = runner.invoke(cli, ["workdays", "add", "24/11/2025", "1"])
    assert bad.exit_code == 2 and "START" in bad.output
