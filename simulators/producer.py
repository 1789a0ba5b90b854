"""Plays the simulators into ``ioc.ingest.<feed>`` with kafka-python (acks from all replicas): the history at
once, then live on a simulated clock (that may run faster than the wall clock), at most at a rate, with faults
injected on the way. The decisions are pure (simulators.pace, simulators.faults); this module sleeps and sends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka import KafkaProducer

from ioc.envelope import Envelope
from ioc.topics import ingest_topic
from simulators import air_quality, dossier, feedback, hydro, traffic
from simulators.clock import align
from simulators.faults import Faults, Message
from simulators.lifecycles import OfficeClock, Player
from simulators.pace import Meter, RateLimit, SimClock
from simulators.scenario import NORMAL, Scenario

log = logging.getLogger(__name__)
REPORT_EVERY = 10.0  # seconds between the progress lines (records sent, rate achieved)


def producer(bootstrap: list[str]) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, retries=10)


@dataclass(frozen=True)
class Report:
    sent: int
    seconds: float
    rate: float  # records per second achieved
    faults: dict[str, int] = field(default_factory=dict)  # records per fault kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "seconds": round(self.seconds, 1),
            "rate": round(self.rate, 1),
            "faults": self.faults,
        }


class Sender:
    """Sends envelopes to their ingest topics: through the faults, at most ``rate`` records a second, counted
    (the achieved rate in the log every REPORT_EVERY seconds and at the end)."""

    def __init__(self, prod: KafkaProducer, faults: Faults, rate: float | None, started: float) -> None:
        self.prod = prod
        self.faults = faults
        self.limit = RateLimit(rate) if rate else None
        self.meter = Meter(started, REPORT_EVERY)

    def send(self, envelopes: Iterable[Envelope]) -> None:
        for msg in self.faults.apply(envelopes):
            self._send(msg)

    def _send(self, msg: Message) -> None:
        while self.limit is not None and (wait := self.limit.admit(time.monotonic())) > 0:
            time.sleep(wait)
        self.prod.send(ingest_topic(msg.feed), key=msg.key, value=msg.value)
        if self.meter.add(time.monotonic()):
            log.info("simulators: %s", self.meter.line(time.monotonic()))

    def flush(self) -> None:
        self.prod.flush()

    def finish(self) -> Report:
        """Send what the faults still hold back, wait for the acks; what was sent, how fast, which faults."""
        for msg in self.faults.drain():
            self._send(msg)
        self.prod.flush()
        now = time.monotonic()
        faults = dict(self.faults.counts)
        log.info(
            "simulators: %s; faults: %s",
            self.meter.line(now),
            ", ".join(f"{k} {n}" for k, n in faults.items()) or "none",
        )
        return Report(self.meter.sent, self.meter.seconds(now), self.meter.rate(now), faults)


@dataclass(frozen=True)
class History:
    """What is played at once before going live: ``hours`` every ``hour_interval`` s, then the last
    ``minutes`` at the live interval."""

    hours: int = 0
    hour_interval: float = 300.0
    minutes: int = 0
    event_days: int = 0  # event feeds (dossiers, feedback): items received in the last days, whole lives


Play = Callable[[datetime, datetime, float], list[Envelope]]  # readings of one feed in [start, end)


def plays(seed: int, scenario: Scenario) -> list[Play]:
    """The sensor feeds (a reading per source every interval, in ``scenario``): air quality, gauges, roads."""
    return [
        lambda start, end, interval: air_quality.readings_between(seed, start, end, interval, scenario),
        lambda start, end, interval: hydro.readings_between(seed, start, end, interval, scenario),
        lambda start, end, interval: traffic.readings_between(seed, start, end, interval, scenario),
    ]


def players(seed: int, scenario: Scenario, since: datetime) -> list[Player]:
    """The event feeds (lives of items): dossiers with their payments, citizen feedback."""
    clock = OfficeClock()
    return [
        Player(dossier.lives(seed, scenario, clock), dossier.LIFETIME_DAYS, since),
        Player(feedback.lives(seed, clock), feedback.LIFETIME_DAYS, since),
    ]


class Simulation:
    """What the simulators report (no sending, no waiting): the history before an instant, then each tick."""

    def __init__(self, seed: int, scenario: Scenario, interval: float, since: datetime) -> None:
        self.feeds = plays(seed, scenario)
        self.events = players(seed, scenario, since)
        self.interval = interval

    def history(self, now: datetime, history: History) -> Iterator[list[Envelope]]:
        """``history.hours`` of readings every ``history.hour_interval``, the last ``history.minutes`` at the live
        interval, the events since each player's first day; all before ``now``."""
        recent = now - timedelta(minutes=history.minutes)
        for play in self.feeds:
            yield play(now - timedelta(hours=history.hours), recent, history.hour_interval)
            yield play(recent, now, self.interval)
        for player in self.events:
            yield player.between(player.first, align(now, self.interval))

    def at(self, tick: datetime) -> Iterator[list[Envelope]]:
        """The readings at ``tick`` and the events of the interval before it."""
        step = timedelta(seconds=self.interval)
        for play in self.feeds:
            yield play(tick, tick + step / 2, self.interval)
        for player in self.events:
            yield player.between(tick - step, tick)


def run_simulators(
    bootstrap: list[str],
    seed: int,
    interval: float,
    history: History,
    duration: float | None = None,
    scenario: Scenario = NORMAL,
    *,
    clock: SimClock | None = None,
    rate: float | None = None,
    faults: Mapping[str, float] | None = None,
) -> Report:
    """Play the history at once, then report live every ``interval`` seconds of simulated time (``clock``:
    from now at the wall clock's pace by default), at most ``rate`` records a second, through ``faults``
    (simulators.faults: share of records per fault kind).

    Runs until ``duration`` seconds have passed (forever when None), the process is interrupted, or a clock
    faster than the wall clock reaches the real time; returns what was sent."""
    prod = producer(bootstrap)
    started = time.monotonic()
    clock = clock or SimClock(datetime.now(UTC))
    sender = Sender(prod, Faults(faults or {}, seed), rate, started)
    simulation = Simulation(seed, scenario, interval, clock.start - timedelta(days=history.event_days))
    try:
        play_until_stopped(sender, simulation, history, clock, duration, scenario)
        report = sender.finish()
    finally:
        prod.close(timeout=10)
    return report


def play_until_stopped(
    sender: Sender,
    simulation: Simulation,
    history: History,
    clock: SimClock,
    duration: float | None,
    scenario: Scenario,
) -> None:
    """The history at once, then a tick every interval of simulated time, until stopped (Ctrl-C included)."""
    try:
        for batch in simulation.history(clock.start, history):
            sender.send(batch)
        log.info(
            "simulators (%s): played %d records at once (readings of the last %d h, event lives of the last %d days)",
            scenario.name, sender.meter.sent, history.hours, history.event_days,
        )  # fmt: skip
        first = align(clock.start, simulation.interval)
        for tick in live_ticks(first, simulation.interval, clock, sender.meter.start, duration, sender.flush):
            for batch in simulation.at(tick):
                sender.send(batch)
    except KeyboardInterrupt:
        pass


def live_ticks(
    tick: datetime,
    interval: float,
    clock: SimClock,
    started: float,
    duration: float | None,
    before_wait: Callable[[], None],
) -> Iterator[datetime]:
    """The ticks after ``tick``, each when the simulated clock (started at monotonic ``started``) reaches it,
    until ``duration`` wall seconds have passed since the start or a clock faster than the wall clock would
    pass the real time. ``before_wait`` (a flush) is called before each wait."""
    while duration is None or time.monotonic() - started < duration:
        tick += timedelta(seconds=interval)
        wait = started + clock.offset(tick) - time.monotonic()
        if wait > 0:
            before_wait()
            time.sleep(wait)
        if clock.speed > 1 and tick > datetime.now(UTC):
            log.info("simulators: simulated time has reached the real time")
            return
        yield tick
