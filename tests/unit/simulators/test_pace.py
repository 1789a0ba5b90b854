"""Pacing: simulated time sped up (event time / speed on the wall clock), where it may start, a rate limit
that never exceeds its rate over a window (on an injected clock), and the rate achieved."""

import bisect
import random
from datetime import UTC, datetime, timedelta

import pytest

from simulators.clock import ticks
from simulators.pace import Meter, PaceError, RateLimit, SimClock, catch_up_seconds, sim_clock

NOW = datetime(2026, 11, 24, 8, tzinfo=UTC)


def test_with_speed_n_the_wall_schedule_is_event_time_over_n() -> None:
    clock = SimClock(NOW, 60)
    day = list(ticks(NOW, NOW + timedelta(days=1), 5))
    offsets = [clock.offset(ts) for ts in day]
    assert offsets[0] == 0 and offsets[-1] == pytest.approx((86400 - 5) / 60)  # a day in 24 minutes
    assert all(b - a == pytest.approx(5 / 60) for a, b in zip(offsets, offsets[1:], strict=False))
    assert [clock.at(o) for o in offsets[:100]] == day[:100]
    assert SimClock(NOW).offset(NOW + timedelta(seconds=5)) == 5  # speed 1: the wall clock itself


def test_faster_than_the_clock_starts_in_the_past_and_ends_at_now() -> None:
    assert sim_clock(NOW, 1, None, None) == SimClock(NOW, 1)
    clock = sim_clock(NOW, 60, None, 600)
    assert clock.start == NOW - timedelta(seconds=600 * 59)
    assert clock.at(600) == NOW + timedelta(seconds=600)  # simulated time reaches the real one as the run ends
    assert all(clock.at(w) <= NOW + timedelta(seconds=w) for w in range(0, 601, 10))
    assert sim_clock(NOW, 0.5, NOW - timedelta(days=1), None) == SimClock(NOW - timedelta(days=1), 0.5)


def test_a_start_from_which_time_would_pass_now_is_refused_naming_the_option() -> None:
    with pytest.raises(PaceError, match="needs --duration or --start") as error:
        sim_clock(NOW, 60, None, None)
    assert error.value.option == "--speed"
    with pytest.raises(PaceError, match="in the future") as error:
        sim_clock(NOW, 1, NOW + timedelta(minutes=1), None)
    assert error.value.option == "--start"
    with pytest.raises(PaceError, match="reaches now after 61 s") as error:
        sim_clock(NOW, 60, NOW - timedelta(hours=1), 600)
    assert error.value.option == "--duration"
    clock = sim_clock(NOW, 60, NOW - timedelta(hours=1), None)  # no duration: it stops when it catches up
    assert catch_up_seconds(clock, NOW) == pytest.approx(3600 / 59)
    assert catch_up_seconds(SimClock(NOW, 1), NOW) == float("inf")


def send_all(limit: RateLimit, count: int, seed: int = 1, stalls: bool = False) -> list[float]:
    """When ``count`` records go through ``limit`` on a fake clock: each wait oversleeps by up to 0.3 ms, each
    send costs 20-60 µs, and with ``stalls`` the sender stops for up to 50 ms about twice a second (producing
    more records), then catches up."""
    rng = random.Random(seed)
    now, sent = 100.0, list[float]()
    while len(sent) < count:
        while (wait := limit.admit(now)) > 0:
            now += wait + rng.uniform(0, 0.0003)
        sent.append(now)
        now += rng.uniform(0.00002, 0.00006)
        if stalls and rng.random() < 2 / limit.size:
            now += rng.uniform(0, 0.05)
    return sent


def most_in_a_window(times: list[float], window: float) -> int:
    return max(bisect.bisect_left(times, t + window) - i for i, t in enumerate(times))


@pytest.mark.parametrize("stalls", [False, True])
@pytest.mark.parametrize("rate", [1, 100, 2000])
def test_the_rate_limit_never_exceeds_the_rate_in_any_second_and_reaches_it(rate: int, stalls: bool) -> None:
    sent = send_all(RateLimit(rate), rate * 20 + 1, stalls=stalls)
    assert most_in_a_window(sent, 1.0) <= rate
    achieved = (len(sent) - 1) / (sent[-1] - sent[0])
    assert achieved <= rate * 1.01
    assert achieved >= rate * (0.9 if stalls else 0.99)  # the oversleeping is made up for


def test_a_fractional_rate_and_an_even_spacing() -> None:
    sent = send_all(RateLimit(2.5), 100)
    assert most_in_a_window(sent, 1.2) <= 3  # ceil(2.5) records in any ceil(2.5) / 2.5 seconds
    assert 2.45 <= (len(sent) - 1) / (sent[-1] - sent[0]) <= 2.5
    even = send_all(RateLimit(10, slack=0.0), 50)
    assert min(b - a for a, b in zip(even, even[1:], strict=False)) >= 0.1 - 1e-9


def test_the_meter_reports_every_ten_seconds_and_the_rate_achieved() -> None:
    meter = Meter(start=50.0)
    assert [meter.add(50.0 + t) for t in (1, 5, 9.9, 10, 12, 19.9, 20.5)] == [
        False, False, False, True, False, False, True,
    ]  # fmt: skip
    meter.add(70.0, count=13)
    assert meter.sent == 20 and meter.rate(70.0) == 1.0
    assert meter.line(70.0) == "sent 20 records in 20.0 s: 1.0/s"
    assert Meter(start=3.0).rate(3.0) == 0.0
