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
from simulators import air_quality, dossier, feedback, hydro, traffic
from simulators.clock import align
from simulators.lifecycles import OfficeClock, Player
from simulators.scenario import NORMAL, Scenario

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
    event_days: int = 0  # event feeds (dossiers, feedback): items received in the last days, whole lives


Play = Callable[[datetime, datetime, float], list[Envelope]]  # readings of one feed in [start, end)


def plays(seed: int, scenario: Scenario) -> list[Play]:
    """The sensor feeds (a reading per source every interval): air quality, gauges (in ``scenario``), roads."""
    return [
        lambda start, end, interval: air_quality.readings_between(seed, start, end, interval),
        lambda start, end, interval: hydro.readings_between(seed, start, end, interval, scenario),
        lambda start, end, interval: traffic.readings_between(seed, start, end, interval),
    ]


def players(seed: int, scenario: Scenario, since: datetime) -> list[Player]:
    """The event feeds (lives of items): dossiers with their payments, citizen feedback."""
    clock = OfficeClock()
    return [
        Player(dossier.lives(seed, scenario, clock), dossier.LIFETIME_DAYS, since),
        Player(feedback.lives(seed, clock), feedback.LIFETIME_DAYS, since),
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
    tick = align(now, interval)
    events = players(seed, scenario, now - timedelta(days=history.event_days))
    recent = now - timedelta(minutes=history.minutes)
    sent = 0
    for play in feeds:
        sent += send(prod, play(now - timedelta(hours=history.hours), recent, history.hour_interval))
        sent += send(prod, play(recent, now, interval))
    for player in events:
        sent += send(prod, player.between(player.first, tick))
    log.info(
        "simulators (%s): played %d records at once (readings of the last %d h, event lives of the last %d days)",
        scenario.name, sent, history.hours, history.event_days,
    )  # fmt: skip
    try:
        while duration is None or time.monotonic() - started < duration:
            tick += timedelta(seconds=interval)
            wait = (tick - datetime.now(UTC)).total_seconds()
            if wait > 0:
                time.sleep(wait)
            for play in feeds:
                sent += send(prod, play(tick, tick + timedelta(seconds=interval / 2), interval))
            for player in events:
                sent += send(prod, player.between(tick - timedelta(seconds=interval), tick))
    except KeyboardInterrupt:
        pass
    finally:
        prod.close(timeout=10)
    log.info("simulators: sent %d readings", sent)
    return sent
