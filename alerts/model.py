"""What an alert is and what travels on ioc.alerts: one message per transition of one alert.

An alert is identified by its fingerprint (rule + source), has one writer (the alert agent) and a
sequence number per fingerprint, so a transition's id ``<fingerprint>#<seq>`` is the same however
often the transition is re-sent: sinks, notifiers and receivers dedup by it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class State(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Kind(StrEnum):
    """What a transition did. Notifications go out for the kinds in ``NOTIFIED``."""

    FIRED = "fired"
    ESCALATED = "escalated"  # severity rose while open (e.g. alarm level II -> III)
    DEESCALATED = "deescalated"  # severity fell while still open (III -> II)
    UNACKNOWLEDGED = "unacknowledged_escalation"  # critical and not acknowledged in time
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    COMMENTED = "commented"
    SILENCED = "silenced"
    RESOLVED = "resolved"


NOTIFIED = {Kind.FIRED, Kind.ESCALATED, Kind.UNACKNOWLEDGED, Kind.RESOLVED}


def notifiable(t: Transition) -> bool:
    """Whether receivers hear of ``t``: the kinds that matter, not muted by a silence or by flapping
    (a resolve still goes out after a silence ended; escalations go out unless the source is silent,
    which its own absence alert already said)."""
    if t.kind not in NOTIFIED:
        return False
    if t.kind in (Kind.ESCALATED, Kind.UNACKNOWLEDGED):
        return True
    if t.inhibited:
        return False
    silenced = t.silenced_until is not None and t.at < t.silenced_until
    return not silenced and not t.flapping


@dataclass(frozen=True)
class Transition:
    """One change of one alert, as put on ioc.alerts (JSON) and stored in alert_event."""

    fingerprint: str
    seq: int
    kind: Kind
    state: State
    severity: Severity
    rule: str
    rule_type: str  # threshold, rate, absence, band, anomaly: picks the notification template
    pack: str
    domain: str  # air, water, traffic, service, feed
    source: str
    feed: str
    unit_code: str | None
    at: datetime  # when it happened (event time for evaluations, wall clock for commands)
    opened_at: datetime
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    summary: dict[str, str] = field(default_factory=dict)  # {"vi": ..., "en": ...}: what the rule saw
    by: str = "system"
    assignee: str | None = None
    comment: str | None = None
    silenced_until: datetime | None = None
    flapping: bool = False  # fired too often lately: fire/resolve notifications are held back
    inhibited: bool = False  # its source is silent (an absence alert is open): not notified
    command: str | None = None  # id of the operator's command this transition applied

    @property
    def id(self) -> str:
        return f"{self.fingerprint}#{self.seq}"

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["id"] = self.id
        for name in ("at", "opened_at", "silenced_until"):
            if body[name] is not None:
                body[name] = body[name].isoformat()
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Transition:
        data = {k: v for k, v in body.items() if k != "id"}
        data["kind"], data["state"], data["severity"] = (
            Kind(data["kind"]),
            State(data["state"]),
            Severity(data["severity"]),
        )
        for name in ("at", "opened_at", "silenced_until"):
            if data.get(name) is not None:
                data[name] = datetime.fromisoformat(data[name])
        data["summary"] = dict(data.get("summary") or {})
        return cls(**data)
