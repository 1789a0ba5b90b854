"""Rule types: each a small registered class that turns samples of one source into a condition (pure).

A rule sees the samples of one source in order and keeps its own small memory (a JSON-able dict the
alert agent stores per fingerprint). It answers with a ``Condition`` (active or not, how severe, why)
or ``None`` when it cannot decide yet; the lifecycle (alerts.lifecycle) turns conditions into alert
transitions. Rules never look at the clock: the sample carries the time (event time for data, the
wall clock for the agent's ticks), so tests replay hours in microseconds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from alerts.model import Severity

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> float:
    """Seconds of ``90``, ``"90s"``, ``"5m"``, ``"1.5h"`` or ``"1d"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like 90s, 5m, 2h or 1d")
    return float(match[1]) * SECONDS[match[2]]


Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]


@dataclass(frozen=True)
class Sample:
    """What a rule evaluates: one value of one source at a time, or a tick (value None) of the clock."""

    source: str
    at: datetime
    value: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # the source's metadata (alarm levels, name...)


@dataclass(frozen=True)
class Condition:
    active: bool
    severity: Severity
    value: float | None = None
    threshold: float | None = None
    summary: dict[str, str] = field(default_factory=dict)


class Rule(BaseModel):
    """Fields every rule has; ``type`` picks the class. Subclasses implement ``evaluate``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str]
    ticks: ClassVar[bool] = False  # evaluated on the clock's ticks (absence) rather than on data

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
    type: str
    feed: str
    input: Literal["obs", "kpi"] = "obs"  # observations, or KPI records (then ``metric`` names the KPI)
    metric: str | None = None
    severity: Severity = Severity.WARNING
    for_: Duration = Field(0.0, alias="for")
    title: dict[str, str] = Field(default_factory=dict)  # {"vi": ..., "en": ...}

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        raise NotImplementedError

    def attributes_read(self) -> tuple[str, ...]:
        """The fields of this rule that name an attribute of its feed (checked when the pack loads)."""
        return ()

    def held(self, memory: dict[str, Any], breach: bool, at: datetime) -> bool:
        """True once a breach has lasted ``for`` (continuously); remembers since when in ``memory``."""
        if not breach:
            memory.pop("since", None)
            return False
        since = memory.setdefault("since", at.timestamp())
        return bool(at.timestamp() - since >= self.for_)

    def latch(self, memory: dict[str, Any], breach: bool, holds: bool, at: datetime) -> bool:
        """Active once a breach has lasted ``for``; then active while ``holds`` (the clear bound not passed)."""
        if memory.get("active"):
            memory["active"] = holds
            if not holds:
                memory.pop("since", None)
        else:
            memory["active"] = self.held(memory, breach, at)
        return bool(memory["active"])


RULE_TYPES: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    RULE_TYPES[cls.kind] = cls
    return cls


@register
class Threshold(Rule):
    """Above (or below) a bound for ``for``; clears only past ``clear`` (hysteresis), default the bound."""

    kind = "threshold"
    above: float | None = None
    below: float | None = None
    clear: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        if self.metric is None:
            raise ValueError("'metric' is required")
        bound = self.bound
        if self.clear is not None and (self.clear > bound if self.above is not None else self.clear < bound):
            raise ValueError("'clear' must be on the safe side of the bound (hysteresis)")
        return self

    @property
    def bound(self) -> float:
        return self.above if self.above is not None else self.below  # type: ignore[return-value]

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        if sample.value is None:
            return None
        value, bound = sample.value, self.bound
        clear = self.clear if self.clear is not None else bound
        up = self.above is not None
        breach = value > bound if up else value < bound
        holds = value >= clear if up else value <= clear
        return Condition(self.latch(memory, breach, holds, sample.at), self.severity, value, bound)


@register
class Band(Rule):
    """Ordered levels (e.g. flood alarm levels I/II/III or VN_AQI category bounds), one severity each.

    One alert per source whose severity follows the highest level reached, so level III supersedes II
    (inhibition by construction). Levels come from the rule (``levels``) or from the source's metadata
    (``levels_from``: a key holding a list). Dropping a level needs ``clear_margin`` below it.
    """

    kind = "band"
    levels: list[float] | None = None
    levels_from: str | None = None
    severities: list[Severity]
    names: list[dict[str, str]] = Field(default_factory=list)  # per level: {"vi": "báo động II", ...}
    clear_margin: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _levels(self) -> Band:
        if (self.levels is None) == (self.levels_from is None):
            raise ValueError("give exactly one of 'levels' or 'levels_from'")
        if self.levels is not None and len(self.levels) != len(self.severities):
            raise ValueError("'levels' and 'severities' must have the same length")
        if self.levels is not None and sorted(self.levels) != self.levels:
            raise ValueError("'levels' must be ascending")
        if self.names and len(self.names) != len(self.severities):
            raise ValueError("'names' must have one entry per level")
        if self.metric is None:
            raise ValueError("'metric' is required")
        return self

    def bounds(self, meta: dict[str, Any]) -> list[float] | None:
        if self.levels is not None:
            return self.levels
        found = meta.get(self.levels_from or "")
        if not isinstance(found, list) or len(found) != len(self.severities):
            return None  # a source without these levels is not judged by this rule
        return [float(level) for level in found]

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        bounds = self.bounds(sample.meta)
        if sample.value is None or bounds is None:
            return None
        value = sample.value
        reached = sum(1 for bound in bounds if value >= bound)
        current = int(memory.get("level", 0))
        if reached < current:  # hysteresis: a level is left only once clearly below it
            kept = (i + 1 for i in range(current) if value >= bounds[i] - self.clear_margin)
            reached = max(reached, *kept, 0)
        entering = current == 0
        level = reached if not entering or self.held(memory, reached > 0, sample.at) else 0
        memory["level"] = level
        if level == 0 and not entering:
            memory.pop("since", None)
        if level == 0:
            return Condition(False, self.severities[0], value, bounds[0])
        summary = self.names[level - 1] if self.names else {}
        return Condition(True, self.severities[level - 1], value, bounds[level - 1], dict(summary))


@register
class Rate(Rule):
    """Rising (or falling) faster than ``per_hour`` over the last ``over`` (e.g. river > 0.2 m/h)."""

    kind = "rate"
    per_hour: float
    over: Duration = 3600.0
    clear_per_hour: float | None = None
    MAX_POINTS: ClassVar[int] = 240

    @model_validator(mode="after")
    def _metric(self) -> Rate:
        if self.metric is None:
            raise ValueError("'metric' is required")
        if self.over <= 0:
            raise ValueError("'over' must be positive")
        return self

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        if sample.value is None:
            return None
        now = sample.at.timestamp()
        points = [p for p in memory.get("points", []) if now - p[0] <= self.over and p[0] < now]
        points.append([now, sample.value])
        memory["points"] = points[-self.MAX_POINTS :]
        first = points[0]
        if now - first[0] < self.over / 2:
            return None  # not enough history to tell a rate
        rate = (sample.value - first[1]) / ((now - first[0]) / 3600)
        rising = self.per_hour > 0
        breach = rate > self.per_hour if rising else rate < self.per_hour
        clear = self.clear_per_hour if self.clear_per_hour is not None else self.per_hour / 2
        holds = rate >= clear if rising else rate <= clear
        return Condition(self.latch(memory, breach, holds, sample.at), self.severity, round(rate, 4), self.per_hour)


def _middle(ordered: np.ndarray) -> float:
    """The median of sorted values: np.median's own overhead is five times the sort for a history of 60."""
    half = len(ordered) // 2
    return float(ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2)


@register
class Anomaly(Rule):
    """Far from the source's own recent history. ``robust``: z-score against the median and MAD of the last
    ``history`` values (insensitive to past outliers). ``ewma``: against an exponentially weighted mean and
    variance (weight ``alpha`` for the newest value; constant memory, follows a slow drift), judged once
    ``history / 2`` values are in."""

    kind = "anomaly"
    method: Literal["robust", "ewma"] = "robust"
    history: int = Field(60, ge=10, le=1000)
    alpha: float = Field(0.1, gt=0, lt=1)
    z: float = Field(6.0, gt=0)

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        if sample.value is None:
            return None
        baseline = (self._ewma if self.method == "ewma" else self._robust)(memory, sample.value)
        if baseline is None:
            return None
        centre, spread = baseline
        spread = max(spread, 1e-9, abs(centre) * 1e-3)
        score = (sample.value - centre) / spread
        active = abs(score) > (self.z / 2 if memory.get("active") else self.z)
        memory["active"] = active
        bound = centre + math.copysign(self.z, score) * spread  # the value that would have been anomalous
        return Condition(active, self.severity, sample.value, round(bound, 4))

    def _robust(self, memory: dict[str, Any], value: float) -> tuple[float, float] | None:
        """Median and scaled MAD of the values before ``value``; None while fewer than history / 2."""
        past = memory.get("values", [])
        memory["values"] = [*past, value][-self.history :]
        if len(past) < self.history // 2:
            return None
        values = np.array(past, dtype=float)
        values.sort()
        median = _middle(values)
        deviations = np.abs(values - median)
        deviations.sort()
        return median, _middle(deviations) * 1.4826

    def _ewma(self, memory: dict[str, Any], value: float) -> tuple[float, float] | None:
        """Weighted mean and standard deviation before ``value`` (then updated with it); None while warming up."""
        count, mean, var = memory.get("n", 0), memory.get("mean", value), memory.get("var", 0.0)
        baseline = (mean, math.sqrt(var)) if count >= self.history // 2 else None
        diff = value - mean
        memory["n"], memory["mean"] = count + 1, mean + self.alpha * diff
        memory["var"] = (1 - self.alpha) * (var + diff * self.alpha * diff)
        return baseline


@register
class Absence(Rule):
    """A source silent for more than ``intervals`` times its feed's reporting interval (per source).

    Fed with the source's data (remembers the arrival time) and with the clock's ticks (judges); the
    engine passes ``watched_since`` (when this process began ticking) in the metadata."""

    kind = "absence"
    ticks = True
    intervals: float = Field(5.0, gt=0)
    interval_seconds: float | None = None  # default: the feed declaration's interval

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        interval = self.interval_seconds or float(sample.meta.get("interval_seconds", 60))
        limit = self.intervals * interval
        if sample.value is not None:
            memory["seen"] = sample.at.timestamp()
            return Condition(False, self.severity, 0.0, limit)
        seen = memory.get("seen")
        if seen is None:
            return None
        # A worker that was down saw nothing: silence counts from when it started watching again.
        silent = sample.at.timestamp() - max(seen, float(sample.meta.get("watched_since", seen)))
        return Condition(silent > limit, self.severity, round(silent), limit)


@register
class Deadline(Rule):
    """Items of an event feed (a source's dossiers) past their deadline while still open: active while at
    least ``count`` are overdue. Fed with the feed's records (the engine passes their attributes and event
    time in the metadata): each names its item, its state and its deadline; judged on the clock's ticks.

    A state in ``closed`` ends the item; one in ``paused`` stops its clock (waiting for the citizen). An
    event older than the item's last one is ignored, so a replay never reopens a closed item; closed items
    are remembered ``keep`` seconds for that."""

    kind = "deadline"
    ticks = True
    item: str
    due: str
    state: str
    closed: list[int | str]
    paused: list[int | str] = Field(default_factory=list)
    count: int = Field(1, ge=1)
    keep: Duration = 90 * 86400.0
    noun: dict[str, str] = Field(default_factory=lambda: {"vi": "mục", "en": "items"})

    def attributes_read(self) -> tuple[str, ...]:
        return ("item", "due", "state")

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        items: dict[str, list[Any]] = memory.setdefault("items", {})  # item -> [due, paused, last event]
        now = sample.at.timestamp()
        if sample.value is not None:
            self._update(items, sample.meta.get("attributes") or {}, sample.meta.get("ts"))
            return None
        for item, (due, _, last) in list(items.items()):
            if due is None and now - last > self.keep:
                del items[item]  # closed long ago: no replay will come
        overdue = sorted(
            item for item, (due, paused, _) in items.items() if due is not None and not paused and due < now
        )
        shown = ", ".join(overdue[:5]) + (" ..." if len(overdue) > 5 else "")
        summary = {"vi": f"{len(overdue)} {self.noun.get('vi', '')} quá hạn: {shown}",
                   "en": f"{len(overdue)} overdue {self.noun.get('en', '')}: {shown}"}  # fmt: skip
        return Condition(len(overdue) >= self.count, self.severity, float(len(overdue)), float(self.count), summary)

    def _update(self, items: dict[str, list[Any]], attributes: dict[str, Any], ts: str | None) -> None:
        item, state = attributes.get(self.item), attributes.get(self.state)
        if item is None or ts is None:
            return
        at = datetime.fromisoformat(ts).timestamp()
        kept = items.get(str(item))
        if kept is not None and at < kept[2]:
            return  # older than what the item already told
        if state in self.closed:
            items[str(item)] = [None, False, at]
            return
        due = attributes.get(self.due)
        deadline = datetime.fromisoformat(due).timestamp() if isinstance(due, str) else (kept[0] if kept else None)
        items[str(item)] = [deadline, state in self.paused, at]


@register
class Composite(Rule):
    """All (or any) of other rules of the pack active for the source now or within ``within`` (e.g. a
    river above an alarm level and rising fast). The engine passes each member's (active, last active)."""

    kind = "composite"
    all: list[str] | None = None
    any: list[str] | None = None
    within: Duration = 3600.0

    @model_validator(mode="after")
    def _members(self) -> Composite:
        if (self.all is None) == (self.any is None) or not (self.all or self.any):
            raise ValueError("give a non-empty list in exactly one of 'all' or 'any'")
        return self

    @property
    def members(self) -> list[str]:
        return list(self.all or self.any or [])

    def evaluate(self, memory: dict[str, Any], sample: Sample) -> Condition | None:
        members: dict[str, tuple[bool, float | None]] = sample.meta.get("members", {})
        now = sample.at.timestamp()

        def recent(name: str) -> bool:
            active, last_on = members.get(name, (False, None))
            return active or (last_on is not None and now - last_on <= self.within)

        recent_ones = [name for name in self.members if recent(name)]
        active = len(recent_ones) == len(self.members) if self.all else bool(recent_ones)
        return Condition(active, self.severity, float(len(recent_ones)), float(len(self.members) if self.all else 1))


def parse_rule(data: object, where: str) -> Rule:
    """One rule from a pack; raises ValueError naming ``where`` and the field."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: a rule must be a mapping")
    kind = data.get("type")
    cls = RULE_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"{where}.type: unknown rule type {kind!r}; known: {', '.join(sorted(RULE_TYPES))}")
    try:
        return cls.model_validate(data)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            loc = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{where}{'.' + loc if loc else ''}: {first['msg']}") from None
        raise ValueError(f"{where}: {exc}") from None
