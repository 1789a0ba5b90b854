"""Plays simulator readings into ``ioc.ingest.<feed>`` with kafka-python (acks from all replicas)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kafka import KafkaProducer

from ioc.envelope import Envelope
from ioc.topics import ingest_topic
from simulators import air_quality, hydro
from simulators.clock import align
from simulators.hydro import NORMAL, Scenario

log = logging.getLogger(__name__)


def producer(bootstrap: list[str]) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, retries=10)


def send(prod: KafkaProducer, envelopes: Iterable[Envelope]) -> int:
    sent = 0
    for env in envelopes:
        prod.send(ingest_topic(env.feed), key=env.source.encode(), value=env.to_bytes())
        sent += 1
    prod.flush()
    return sent


@dataclass(frozen=True)
class History:
    """What is played at once before going live: ``hours`` every ``hour_interval`` s, then the last
    ``minutes`` at the live interval."""

    hours: int = 0
    hour_interval: float = 300.0
    minutes: int = 0


Play = Callable[[datetime, datetime, float], list[Envelope]]  # readings of one feed in [start, end)


def plays(seed: int, scenario: Scenario) -> list[Play]:
    """Every simulated feed: air quality, and the gauges (in ``scenario``)."""
    return [
        lambda start, end, interval: air_quality.readings_between(seed, start, end, interval),
        lambda start, end, interval: hydro.readings_between(seed, start, end, interval, scenario),
    ]


def run_simulators(
    bootstrap: list[str],
    seed: int,
    interval: float,
    history: History,
    duration: float | None = None,
    scenario: Scenario = NORMAL,
) -> int:
    """Play the history at once, then report live every ``interval`` seconds.

    Runs until ``duration`` seconds have passed (forever when None) or the process is interrupted;
    returns the number of records sent.
    """
    prod = producer(bootstrap)
    feeds = plays(seed, scenario)
    started = time.monotonic()
    now = datetime.now(UTC)
    recent = now - timedelta(minutes=history.minutes)
    sent = 0
    for play in feeds:
        sent += send(prod, play(now - timedelta(hours=history.hours), recent, history.hour_interval))
        sent += send(prod, play(recent, now, interval))
    log.info("simulators (%s): played %d readings of the last %d h at once", scenario.name, sent, history.hours)
    tick = align(now, interval)
    try:
        while duration is None or time.monotonic() - started < duration:
            tick += timedelta(seconds=interval)
            wait = (tick - datetime.now(UTC)).total_seconds()
            if wait > 0:
                time.sleep(wait)
            for play in feeds:
                sent += send(prod, play(tick, tick + timedelta(seconds=interval / 2), interval))
    except KeyboardInterrupt:
        pass
    finally:
        prod.close(timeout=10)
    log.info("simulators: sent %d readings", sent)
    return sent
