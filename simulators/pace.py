"""Pacing of sends, pure (the caller owns the clock and the sleeping): simulated time running ``speed`` times
faster than the wall clock, a rate limit, and the rate achieved. Shared by `ioc simulate` and `ioc replay`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta


class PaceError(ValueError):
    """A speed-up that cannot be played; ``option`` names the command-line option at fault."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class SimClock:
    """Simulated time: ``start`` at the wall instant the run starts, then ``speed`` simulated seconds a second."""

    start: datetime
    speed: float = 1.0

    def offset(self, ts: datetime) -> float:
        """Wall seconds after the start at which simulated time reaches ``ts``."""
        return (ts - self.start).total_seconds() / self.speed

    def at(self, offset: float) -> datetime:
        """Simulated time ``offset`` wall seconds after the start."""
        return self.start + timedelta(seconds=offset * self.speed)


def sim_clock(now: datetime, speed: float, start: datetime | None, duration: float | None) -> SimClock:
    """The simulated clock of a run starting at ``now``, checked so that it never runs ahead of the real clock
    (records further ahead than IOC_MAX_FUTURE_SECONDS are rejected, and a watermark ahead of the clock
    would close the windows of the real records).

    ``start`` defaults to ``now``; faster than the clock (``speed`` > 1) it must lie in the past, and by
    default it lies ``duration`` x (speed - 1) before ``now``, so that simulated time reaches ``now`` exactly
    when the run ends."""
    if start is not None and start > now:
        raise PaceError("--start", f"{start.isoformat()} is in the future; simulated time may not run ahead of now")
    if speed <= 1:
        return SimClock(start or now, speed)
    if start is None:
        if duration is None:
            message = "faster than the clock needs --duration or --start: simulated time starts in the past"
            raise PaceError("--speed", message + " so that it never passes now")
        return SimClock(now - timedelta(seconds=duration * (speed - 1)), speed)
    longest = catch_up_seconds(SimClock(start, speed), now)
    if duration is not None and duration > longest:
        message = f"at speed {speed:g} from {start.isoformat()}, simulated time reaches now after {longest:.0f} s"
        raise PaceError("--duration", message + ": start earlier or run shorter")
    return SimClock(start, speed)


def catch_up_seconds(clock: SimClock, now: datetime) -> float:
    """How long (wall seconds) a run of ``clock`` starting at ``now`` lasts before its simulated time reaches the
    real time; inf for a clock no faster than the real one."""
    if clock.speed <= 1:
        return math.inf
    return max(0.0, (now - clock.start).total_seconds()) / (clock.speed - 1)


class RateLimit:
    """At most ``rate`` records in any window of one second (a whole rate; a rate r in general: ceil(r) records
    in any ceil(r)/r seconds), sent about ``1/rate`` apart rather than in bursts of a second's worth.

    Two rules: the spacing of a virtual schedule (GCRA) that lets a record go up to ``slack`` seconds early, so
    that the oversleeping of each wait is made up for and the rate achieved reaches ``rate`` (at the cost of at
    most slack x rate records at once); and a log of the last ceil(rate) sends, so that what the slack lets
    through never exceeds the rate over a window."""

    def __init__(self, rate: float, slack: float = 0.02) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.spacing = 1.0 / rate
        self.slack = slack
        self.size = math.ceil(rate)
        self.window = self.size / rate
        self._log: deque[float] = deque(maxlen=self.size)
        self._next = -math.inf  # the theoretical instant of the next record

    def admit(self, now: float) -> float:
        """0 when a record may go at ``now`` (it is then counted as sent), else the seconds to wait first."""
        due = self._next - self.slack
        if len(self._log) == self.size:
            due = max(due, self._log[0] + self.window)
        if now < due:
            return due - now
        self._next = max(self._next, now) + self.spacing
        self._log.append(now)
        return 0.0


class Meter:
    """Records sent since ``start`` (monotonic seconds) and the rate achieved; says when a progress line is due."""

    def __init__(self, start: float, every: float = 10.0) -> None:
        self.start = start
        self.every = every
        self.sent = 0
        self._next_report = start + every

    def add(self, now: float, count: int = 1) -> bool:
        """Count ``count`` records sent at ``now``; True when ``every`` seconds have passed since the last report."""
        self.sent += count
        if now < self._next_report:
            return False
        self._next_report = now + self.every
        return True

    def seconds(self, now: float) -> float:
        return now - self.start

    def rate(self, now: float) -> float:
        """Records per second since the start."""
        seconds = self.seconds(now)
        return self.sent / seconds if seconds > 0 else 0.0

    def line(self, now: float) -> str:
        return f"sent {self.sent} records in {self.seconds(now):.1f} s: {self.rate(now):.1f}/s"
