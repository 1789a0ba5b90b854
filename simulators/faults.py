"""Fault injection between the simulators and Kafka (pure, no I/O): what real feeds do to a stream.

A spec gives each fault a share of records from 0 to 1, e.g.
``dropout=0.05,stuck=0.01,spike=0.01,late=0.02,reorder=0.02,duplicate=0.01,malformed=0.01``.
Each record's draws come from (seed, record id), so the same records meet the same faults in every run
that plays them, whatever else the spec holds or when the run began:

- ``dropout``: the share of records never sent; a source goes quiet for 3-12 records in a row (so many
  reporting intervals) at a time, as a station losing power or its link does;
- ``stuck``: the share of records sent with the values of the source's record before the episode (same
  id and time, frozen values), for 3-12 records in a row, as a sensor that hangs;
- ``spike``: one non-zero metric of the record multiplied by 5-10 (it may then break its range);
- ``late``: held back and sent once the feed's newest event time is 90-300 s past the record's own time
  (unchanged): beyond its 1-minute KPI window, and in part beyond the 2 minutes of allowed lateness;
- ``reorder``: sent right after the source's next record, so the source's event times go backwards;
- ``duplicate``: the same bytes (same id) sent twice in a row, as a retried send does;
- ``malformed``: bytes that break the contract instead of the record, still keyed by source on the feed's
  ingest topic so the validator dead-letters them: in turn missing ts, a wrong type (numbers as strings),
  not JSON (cut short), not UTF-8 (a legacy gateway's Windows-1258), an unknown metric.

Sensor faults (stuck, spike) need values; records of event feeds without values pass them unchanged.
"""

from __future__ import annotations

import heapq
import json
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ioc.envelope import Envelope

KINDS = ("dropout", "stuck", "spike", "late", "reorder", "duplicate", "malformed")
MALFORMED = ("missing_ts", "wrong_type", "not_json", "non_utf8", "unknown_metric")
EPISODE = (3, 12)  # records in a row a dropout or a stuck sensor lasts
MEAN_EPISODE = sum(EPISODE) / 2
SPIKE = (5.0, 10.0)
LATE_SECONDS = (90.0, 300.0)
UNKNOWN_METRIC = "noise"  # no shipped feed declares it
LEGACY_LABEL = "Trạm đo"  # the label a legacy gateway adds, in Windows-1258 (unencodable characters: ?)


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message names the bad part."""


def parse_spec(text: str) -> dict[str, float]:
    """``name=share`` pairs separated by commas (blank: no faults) into {fault: share of records}."""
    spec: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep:
            raise FaultSpecError(f"{part!r}: expected name=share, e.g. late=0.02")
        if name not in KINDS:
            raise FaultSpecError(f"{part!r}: unknown fault {name!r}; the faults are {', '.join(KINDS)}")
        if name in spec:
            raise FaultSpecError(f"{part!r}: {name} is given twice")
        try:
            share = float(value)
        except ValueError:
            share = -1.0
        if not 0.0 <= share <= 1.0:
            raise FaultSpecError(f"{part!r}: the share of records must be a number from 0 to 1")
        spec[name] = share
    return spec


@dataclass(frozen=True)
class Message:
    """What goes to Kafka: the feed (its ingest topic), the key (the source) and the bytes."""

    feed: str
    key: bytes
    value: bytes


def message(env: Envelope) -> Message:
    return Message(env.feed, env.source.encode(), env.to_bytes())


def malformed(env: Envelope, kind: str) -> Message:
    """The record as bytes that break the contract in the way ``kind`` (one of MALFORMED) names."""
    body = env.to_dict()
    if kind == "missing_ts":
        del body["ts"]
    elif kind == "wrong_type":
        body["values"] = {name: str(value) for name, value in env.values.items()} or []
    elif kind == "unknown_metric":
        body["values"] = {**env.values, UNKNOWN_METRIC: 1.0}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if kind == "not_json":
        raw = text[: len(text) // 2].encode()
    elif kind == "non_utf8":
        labelled = json.dumps({**body, "label": LEGACY_LABEL}, ensure_ascii=False, separators=(",", ":"))
        raw = unicodedata.normalize("NFD", labelled).encode("cp1258", errors="replace")
    else:
        raw = text.encode()
    return Message(env.feed, env.source.encode(), raw)


def start_probability(share: float) -> float:
    """The chance that a record starts an episode, so that episodes of MEAN_EPISODE records cover ``share``
    of a source's records (a renewal: share = p L / (p L + 1 - p))."""
    return share / (MEAN_EPISODE * (1 - share) + share)


class Draws:
    """The random numbers of one record, from (seed, its id), all drawn in the same order whatever the spec:
    so whether a fault falls on a record, and how, does not depend on the other faults of the spec."""

    def __init__(self, seed: int, record_id: str) -> None:
        rng = random.Random(f"{seed}:faults:{record_id}")
        self.hits = {kind: rng.random() for kind in KINDS}
        self.outage, self.hang = rng.randint(*EPISODE), rng.randint(*EPISODE)  # records a dropout, stuck lasts
        self.pick, self.factor = rng.random(), rng.uniform(*SPIKE)  # which metric spikes, by how much
        self.delay = timedelta(seconds=rng.uniform(*LATE_SECONDS))

    def hit(self, kind: str, probability: float) -> bool:
        return self.hits[kind] < probability


@dataclass
class SourceState:
    """What the faults remember of a source: the rest of its episodes, its last values, a held record."""

    silent: int = 0  # records still to drop
    stuck: int = 0  # records still to send with ``frozen`` values
    frozen: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] | None = None
    reordered: Message | None = None  # sent after the source's next record


class Faults:
    """Applies a spec to a stream of envelopes, yielding the messages to send; ``counts`` per fault kind
    (records dropped, stuck, spiked, late, reordered, duplicated, malformed)."""

    def __init__(self, spec: Mapping[str, float], seed: int) -> None:
        self.spec = {kind: spec.get(kind, 0.0) for kind in KINDS}
        self.seed = seed
        self.active = any(self.spec.values())
        self.counts: Counter[str] = Counter({kind: 0 for kind in KINDS if kind in spec})
        self._starts = {kind: start_probability(self.spec[kind]) for kind in ("dropout", "stuck")}
        self._sources: dict[tuple[str, str], SourceState] = {}
        self._clocks: dict[str, datetime] = {}  # per feed: the newest event time sent (valid, in place)
        self._late: dict[str, list[tuple[datetime, int, Message]]] = {}  # per feed: held until a time
        self._held = 0

    def apply(self, envelopes: Iterable[Envelope]) -> Iterator[Message]:
        if not self.active:
            yield from map(message, envelopes)
            return
        for env in envelopes:
            yield from self._record(env)
            yield from self._due(env.feed)

    def drain(self) -> list[Message]:
        """The records still held back (late ones, reordered ones waiting for a next record): at the end."""
        held = sorted(item for items in self._late.values() for item in items)
        self._late.clear()
        out = [msg for _, _, msg in held]
        for state in self._sources.values():
            if state.reordered is not None:
                out.append(state.reordered)
                state.reordered = None
        return out

    def _record(self, env: Envelope) -> list[Message]:
        draws = Draws(self.seed, env.id)
        state = self._sources.setdefault((env.feed, env.source), SourceState())
        if self._dropped(state, draws):
            return []
        env = self._spiked(self._stuck(env, state, draws), draws)
        if draws.hit("malformed", self.spec["malformed"]):
            self.counts["malformed"] += 1
            out = [malformed(env, MALFORMED[(self.counts["malformed"] - 1) % len(MALFORMED)])]
        elif draws.hit("late", self.spec["late"]):
            self.counts["late"] += 1
            self._hold_late(env, draws)
            return []
        elif draws.hit("reorder", self.spec["reorder"]) and state.reordered is None:
            self.counts["reorder"] += 1
            state.reordered = message(env)
            return []
        else:
            twice = draws.hit("duplicate", self.spec["duplicate"])
            self.counts["duplicate"] += int(twice)
            out = [message(env)] * (1 + twice)
            self._clocks[env.feed] = max(env.ts, self._clocks.get(env.feed, env.ts))
        if state.reordered is not None:
            out.append(state.reordered)
            state.reordered = None
        return out

    def _dropped(self, state: SourceState, draws: Draws) -> bool:
        """Whether the source is silent for this record (an outage going on, or one that starts with it)."""
        if state.silent == 0 and draws.hit("dropout", self._starts["dropout"]):
            state.silent = draws.outage
        if state.silent == 0:
            return False
        state.silent -= 1
        self.counts["dropout"] += 1
        return True

    def _stuck(self, env: Envelope, state: SourceState, draws: Draws) -> Envelope:
        """The record with the frozen values of a hung sensor, during an episode; remembers the last values."""
        if env.values and state.stuck == 0 and draws.hit("stuck", self._starts["stuck"]):
            state.stuck = draws.hang
            state.frozen = state.last or env.values
        if env.values and state.stuck > 0:
            state.stuck -= 1
            if state.frozen != env.values:
                env = replace(env, values=dict(state.frozen))
                self.counts["stuck"] += 1
        state.last = env.values or state.last
        return env

    def _spiked(self, env: Envelope, draws: Draws) -> Envelope:
        """The record with one non-zero metric multiplied by 5-10."""
        metrics = [name for name, value in env.values.items() if value]
        if not metrics or not draws.hit("spike", self.spec["spike"]):
            return env
        name = metrics[int(draws.pick * len(metrics))]
        self.counts["spike"] += 1
        return replace(env, values={**env.values, name: round(env.values[name] * draws.factor, 3)})

    def _hold_late(self, env: Envelope, draws: Draws) -> None:
        release = env.ts + draws.delay
        self._held += 1  # keeps the heap's order stable between records released at the same time
        heapq.heappush(self._late.setdefault(env.feed, []), (release, self._held, message(env)))

    def _due(self, feed: str) -> list[Message]:
        """The late records of ``feed`` whose time has come: a record at least that recent has been sent."""
        held, clock = self._late.get(feed, []), self._clocks.get(feed)
        out = []
        while held and clock is not None and held[0][0] <= clock:
            out.append(heapq.heappop(held)[2])
        return out
