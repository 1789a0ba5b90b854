"""Evaluates the rules in force on one partition's records, commands and clock ticks (pure, no I/O).

The alert agent owns one ``AlertEngine`` and calls it inside stream iteration, so the two mappings it
writes (Faust tables in the worker, dicts in tests) are changelogged on the partition being processed:
rule memory and alert state of a source live in its partition, and every input that can touch them
(observations and KPIs keyed by source, commands keyed by the alert's source, ticks sent to each
partition) arrives on that partition. One writer per fingerprint follows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from alerts.lifecycle import (
    Alert,
    Command,
    CommandError,
    Labels,
    Policy,
    check_command,
    on_command,
    on_condition,
    on_tick,
)
from alerts.model import Transition
from alerts.packs import Bound, RuleBook
from alerts.rules import Composite, Sample

log = logging.getLogger(__name__)
RECENT = 20  # transitions kept with each alert, sent again after a restart (see ``tick``)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
Meta = Callable[[str, str], dict[str, Any]]  # (feed, source) -> the source's metadata


class AlertEngine:
    def __init__(
        self,
        memory: MutableMapping[str, dict[str, Any]],
        alerts: MutableMapping[str, dict[str, Any]],
        book: RuleBook,
        policy: Policy,
        meta: Meta,
    ) -> None:
        self.memory = memory
        self.alerts = alerts
        self.book = book
        self.policy = policy
        self.meta = meta
        self.rejected = 0
        # Per partition, when this process began ticking it: its recent transitions were sent again then,
        # and silence is counted from then (a worker that was down saw nothing).
        self.watched_since: dict[int, float] = {}

    def _store(self, alert: Alert, partition: int, new: list[Transition]) -> None:
        stored = self.alerts.get(alert.labels.fingerprint)
        recent = [*(stored.get("recent", []) if stored else []), *(t.to_dict() for t in new)][-RECENT:]
        self.alerts[alert.labels.fingerprint] = {"p": partition, "alert": alert.to_dict(), "recent": recent}

    def _member(self, fingerprint: str) -> tuple[bool, float | None]:
        """(active now, last active time) of a composite's member rule for one source."""
        stored = self.memory.get(fingerprint)
        return (bool(stored.get("a")), stored.get("on")) if stored else (False, None)

    def silent(self, source: str, now: datetime) -> bool:
        """Whether an absence alert of ``source`` is open: its other alerts are inhibited (not notified,
        not escalated), as a station that is offline says nothing new about its air or water."""
        for bound in self.book.ticking(now.astimezone(LOCAL).date()):
            alert = self.alert(bound.fingerprint(source))
            if alert is not None and alert.open:
                return True
        return False

    def alert(self, fingerprint: str) -> Alert | None:
        stored = self.alerts.get(fingerprint)
        return Alert.from_dict(stored["alert"]) if stored else None

    def _evaluate(
        self, bound: Bound, sample: Sample, feed: str, unit_code: str | None, partition: int, now: datetime
    ) -> list[Transition]:
        fingerprint = bound.fingerprint(sample.source)
        stored = self.memory.get(fingerprint)
        memory = dict(stored["m"]) if stored else {}
        # Data not newer than what the rule has seen (a replay after a restart, a late record) is not
        # evaluated again: alerts follow the newest state of a source, and a replay must change nothing.
        newest = stored.get("t") if stored else None
        at = sample.at.timestamp()
        if sample.value is not None and not bound.rule.ticks and newest is not None and at <= newest:
            return []
        cond = bound.rule.evaluate(memory, sample)
        seen = at if sample.value is not None and not bound.rule.ticks else newest
        # Whether the rule is active, and when it last was (composites of its pack read both). A clock
        # tick of a rule that stays active changes nothing, so it writes nothing.
        was = bool(stored and stored.get("a"))
        active = cond.active if cond is not None else was
        on = stored.get("on") if stored else None
        if active and (not was or not bound.rule.ticks):
            on = at
        entry = {"p": partition, "m": memory, "t": seen, "on": on, "a": active}
        if entry != stored:  # a clock tick that changes nothing writes nothing (the table is changelogged)
            self.memory[fingerprint] = entry
        if cond is None:
            return []
        alert = self.alert(fingerprint)
        if alert is None:
            if not cond.active:
                return []
            labels = Labels(
                fingerprint, bound.rule.name, bound.rule.kind, bound.pack.name, bound.pack.domain,
                sample.source, feed, unit_code, bound.rule.metric,
            )  # fmt: skip
            alert = Alert(labels)
        if cond.active and not cond.summary and bound.rule.title:
            cond = type(cond)(cond.active, cond.severity, cond.value, cond.threshold, dict(bound.rule.title))
        out = on_condition(alert, cond, sample.at, self.policy, now)
        if out and not bound.rule.ticks and self.silent(sample.source, now):
            out = [replace(t, inhibited=True) for t in out]
        if out or fingerprint in self.alerts:
            self._store(alert, partition, out)
        return out

    def observe(self, body: dict[str, Any], input: str, partition: int, received: datetime) -> list[Transition]:
        """An observation (``input`` obs) or a KPI record (``kpi``) of one source."""
        feed, source = str(body.get("feed")), str(body.get("source"))
        at = datetime.fromisoformat(body["ts"] if input == "obs" else body["window_end"])
        day = at.astimezone(LOCAL).date()
        out: list[Transition] = []
        meta: dict[str, Any] | None = None
        bounds = self.book.rules_for(input, feed, day)
        # Composites last: they read what their members concluded about this very record.
        for bound in sorted(bounds, key=lambda b: isinstance(b.rule, Composite)):
            rule = bound.rule
            if isinstance(rule, Composite):
                meta = meta if meta is not None else self.meta(feed, source)
                members = {name: self._member(f"{bound.pack.name}/{name}|{source}") for name in rule.members}
                sample = Sample(source, at, 1.0, {**meta, "members": members})
                out.extend(self._evaluate(bound, sample, feed, body.get("unit_code"), partition, received))
                continue
            if rule.ticks:  # absence: the arrival counts, on the clock of the ticks that judge it
                value: float | None = 1.0
                when = received
            elif input == "obs":
                value = body.get("values", {}).get(rule.metric)
                when = at
            else:
                value = body.get("value") if body.get("kpi") == rule.metric else None
                when = at
            if value is None:
                continue
            meta = meta if meta is not None else self.meta(feed, source)
            # A clock-judged rule of an event feed (deadlines) reads the record's attributes and time.
            extra = {"attributes": body.get("attributes") or {}, "ts": body.get("ts")} if rule.ticks else {}
            sample = Sample(source, when, float(value), {**meta, **extra})
            out.extend(self._evaluate(bound, sample, feed, body.get("unit_code"), partition, received))
        return out

    def tick(self, partition: int, now: datetime) -> list[Transition]:
        """The clock: silent sources and unacknowledged critical alerts of this partition.

        The first tick of a partition in a process also sends its alerts' recent transitions again. The
        state is changelogged as it changes, the transitions sent beside it: a worker killed between the
        two restores a state whose transitions may never have left. Sent again, they are deduplicated
        by id downstream (sinks, notifier, receivers)."""
        out: list[Transition] = []
        if partition not in self.watched_since:
            self.watched_since[partition] = now.timestamp()
            for stored in self.alerts.values():
                if stored["p"] == partition:
                    out.extend(Transition.from_dict(body) for body in stored.get("recent", []))
        ticking = {f"{b.pack.name}/{b.rule.name}": b for b in self.book.ticking(now.astimezone(LOCAL).date())}
        for fingerprint, stored in list(self.memory.items()):
            bound = ticking.get(fingerprint.split("|", 1)[0])
            if bound is None or stored["p"] != partition:
                continue
            source = fingerprint.split("|", 1)[1]
            alert = self.alert(fingerprint)
            unit_code = alert.labels.unit_code if alert else self.meta(bound.rule.feed, source).get("unit_code")
            meta = {**self.meta(bound.rule.feed, source), "watched_since": self.watched_since[partition]}
            sample = Sample(source, now, None, meta)
            out.extend(self._evaluate(bound, sample, bound.rule.feed, unit_code, partition, now))
        for stored in list(self.alerts.values()):
            if stored["p"] != partition:
                continue
            alert = Alert.from_dict(stored["alert"])
            if alert.labels.rule_type != "absence" and self.silent(alert.labels.source, now):
                continue
            escalated = on_tick(alert, now, self.policy)
            if escalated:
                self._store(alert, partition, escalated)
                out.extend(escalated)
        return out

    def command(self, cmd: Command, partition: int) -> list[Transition]:
        """An operator's command; one that cannot apply (checked again here: the state may have moved
        since the API checked it) is logged and counted, never applied."""
        alert = self.alert(cmd.fingerprint)
        try:
            if alert is None:
                check_command(None, cmd)
            assert alert is not None
            transition = on_command(alert, cmd, self.policy)
        except CommandError as exc:
            self.rejected += 1
            log.warning("alert command %s (%s by %s) not applied: %s", cmd.id, cmd.action, cmd.by, exc)
            return []
        self._store(alert, partition, [transition])
        return [transition]
