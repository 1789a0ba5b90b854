"""The alert state machine (pure): conditions from rules, operators' commands and the clock's ticks in,
transitions out.

firing → acknowledged → resolved, and a new firing after a resolve (same fingerprint, next sequence
numbers). One alert per fingerprint is open at a time. Every command is an audit entry (a transition),
also one that changes nothing (a second acknowledge), so two operators acting at once both show in the
history and the state is the one the single writer applied last. A silence mutes notifications until
it expires but never stops an alert from resolving. A critical alert nobody acknowledges within the
escalation delay gets one ``unacknowledged_escalation`` transition, which routing sends further.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.model import Kind, Severity, State, Transition
from alerts.rules import Condition

ACTIONS = ("acknowledge", "assign", "comment", "resolve", "silence")


@dataclass(frozen=True)
class Labels:
    """What does not change over an alert's life: which rule, which source, where."""

    fingerprint: str
    rule: str
    rule_type: str
    pack: str
    domain: str
    source: str
    feed: str
    unit_code: str | None
    metric: str | None


TIMES = ("opened_at", "silenced_until", "raised_at")


@dataclass
class Alert:
    """The current state of one fingerprint, as the alert agent stores it."""

    labels: Labels
    seq: int = 0
    state: State = State.RESOLVED
    severity: Severity = Severity.INFO
    opened_at: datetime | None = None
    value: float | None = None
    threshold: float | None = None
    summary: dict[str, str] = field(default_factory=dict)
    assignee: str | None = None
    silenced_until: datetime | None = None
    escalated: bool = False
    raised_at: datetime | None = None  # wall clock when it fired: escalation counts from here, not event time
    fired: list[float] = field(default_factory=list)  # recent firing times (epoch), for flapping

    @property
    def open(self) -> bool:
        return self.state is not State.RESOLVED

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        for name in TIMES:
            body[name] = body[name].isoformat() if body[name] else None
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Alert:
        data = dict(body)
        data["labels"] = Labels(**data["labels"])
        data["state"], data["severity"] = State(data["state"]), Severity(data["severity"])
        for name in TIMES:
            data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
        return cls(**data)


@dataclass(frozen=True)
class Policy:
    """Noise control knobs (settings)."""

    escalate_after: timedelta = timedelta(minutes=15)
    flap_window: timedelta = timedelta(hours=1)
    flap_count: int = 4  # firings within the window that make an alert flapping


class CommandError(ValueError):
    """A command that cannot apply to the alert as it is (e.g. acknowledging a resolved alert)."""


def flapping(alert: Alert, at: datetime, policy: Policy) -> bool:
    """Fired ``flap_count`` times within ``flap_window``: its fire/resolve notifications are held back."""
    horizon = (at - policy.flap_window).timestamp()
    return sum(1 for t in alert.fired if t >= horizon) >= policy.flap_count


def _transition(alert: Alert, kind: Kind, at: datetime, policy: Policy, **extra: Any) -> Transition:
    alert.seq += 1
    assert alert.opened_at is not None
    labels = alert.labels
    return Transition(
        fingerprint=labels.fingerprint,
        seq=alert.seq,
        kind=kind,
        state=alert.state,
        severity=alert.severity,
        rule=labels.rule,
        rule_type=labels.rule_type,
        pack=labels.pack,
        domain=labels.domain,
        source=labels.source,
        feed=labels.feed,
        unit_code=labels.unit_code,
        metric=labels.metric,
        at=at,
        opened_at=alert.opened_at,
        value=alert.value,
        threshold=alert.threshold,
        summary=dict(alert.summary),
        assignee=alert.assignee,
        silenced_until=alert.silenced_until,
        flapping=flapping(alert, at, policy),
        **extra,
    )


def on_condition(
    alert: Alert, cond: Condition, at: datetime, policy: Policy, now: datetime | None = None
) -> list[Transition]:
    """Apply what a rule concluded about the data at ``at`` (event time), processed at ``now`` (wall
    clock, default ``at``); returns the transitions (none when nothing changed)."""
    if cond.active and not alert.open:
        horizon = (at - policy.flap_window).timestamp()
        alert.fired = [t for t in alert.fired if t >= horizon] + [at.timestamp()]
        alert.state, alert.severity, alert.opened_at = State.FIRING, cond.severity, at
        alert.raised_at = now or at
        alert.assignee, alert.escalated = None, False
        _observe(alert, cond)
        return [_transition(alert, Kind.FIRED, at, policy)]
    if cond.active and cond.severity != alert.severity:
        kind = Kind.ESCALATED if cond.severity.rank > alert.severity.rank else Kind.DEESCALATED
        alert.severity = cond.severity
        _observe(alert, cond)
        return [_transition(alert, kind, at, policy)]
    if cond.active:
        alert.value = cond.value
        return []
    if alert.open:
        alert.state, alert.value = State.RESOLVED, cond.value
        return [_transition(alert, Kind.RESOLVED, at, policy)]
    return []


def _observe(alert: Alert, cond: Condition) -> None:
    alert.value, alert.threshold, alert.summary = cond.value, cond.threshold, dict(cond.summary)


@dataclass(frozen=True)
class Command:
    """An operator's action, as it travels on ioc.alert-commands."""

    id: str  # the API's id for it: the transition it yields carries it, so the caller can find the outcome
    fingerprint: str
    action: str
    by: str
    at: datetime
    assignee: str | None = None
    comment: str | None = None
    until: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["at"] = self.at.isoformat()
        body["until"] = self.until.isoformat() if self.until else None
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Command:
        data = {name: body.get(name) for name in ("id", "fingerprint", "action", "by", "assignee", "comment")}
        until = body.get("until")
        return cls(
            **data,  # type: ignore[arg-type]
            at=datetime.fromisoformat(body["at"]),
            until=datetime.fromisoformat(until) if until else None,
        )


def check_command(state: State | None, cmd: Command) -> None:
    """Raise CommandError when ``cmd`` cannot apply to an alert in ``state`` (None: no such alert); the
    API calls it before sending, the agent again on the state it holds."""
    if cmd.action not in ACTIONS:
        raise CommandError(f"action: {cmd.action!r} is not one of {', '.join(ACTIONS)}")
    if state is None:
        raise CommandError(f"fingerprint: no alert {cmd.fingerprint!r}")
    if cmd.action in ("acknowledge", "assign", "resolve") and state is State.RESOLVED:
        raise CommandError(f"action: the alert is resolved; {cmd.action} applies to an open alert")
    if cmd.action == "assign" and not (cmd.assignee or "").strip():
        raise CommandError("assignee: required to assign")
    if cmd.action == "comment" and not (cmd.comment or "").strip():
        raise CommandError("comment: required and not empty")
    if cmd.action == "silence" and (cmd.until is None or cmd.until <= cmd.at):
        raise CommandError("until: a silence needs an end in the future")


def on_command(alert: Alert, cmd: Command, policy: Policy) -> Transition:
    """Apply an operator's command; every command is one audit transition."""
    check_command(alert.state if alert.opened_at is not None else None, cmd)
    kind = {
        "acknowledge": Kind.ACKNOWLEDGED,
        "assign": Kind.ASSIGNED,
        "comment": Kind.COMMENTED,
        "resolve": Kind.RESOLVED,
        "silence": Kind.SILENCED,
    }[cmd.action]
    if cmd.action == "acknowledge":
        alert.state = State.ACKNOWLEDGED
    elif cmd.action == "assign":
        alert.assignee = cmd.assignee
    elif cmd.action == "resolve":
        alert.state = State.RESOLVED
    elif cmd.action == "silence":
        alert.silenced_until = cmd.until
    return _transition(alert, kind, cmd.at, policy, by=cmd.by, comment=cmd.comment, command=cmd.id)


def on_tick(alert: Alert, at: datetime, policy: Policy) -> list[Transition]:
    """Time passing: a critical alert still unacknowledged after the delay escalates, once per opening.
    The delay runs on the wall clock from when the alert was raised: replayed old data gives operators
    the same time to react as live data."""
    raised = alert.raised_at or alert.opened_at
    due = raised is not None and at - raised >= policy.escalate_after
    if alert.state is State.FIRING and alert.severity is Severity.CRITICAL and not alert.escalated and due:
        alert.escalated = True
        return [_transition(alert, Kind.UNACKNOWLEDGED, at, policy)]
    return []
