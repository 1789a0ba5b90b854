"""Storm mode (pure): which transitions wait for their incident's summary, when a summary is due, what it says.

Alertmanager's shape (a group is notified at once, then at most every ``group_interval`` while it changes),
per incident: below ``IOC_INCIDENT_STORM_ALERTS`` alerts each alert is notified alone; from the alert that
makes the incident a storm on, its alerts' transitions are left to one summary per incident and receiver,
sent at once, then at most every ``IOC_STORM_SUMMARY_MINUTES`` while there is news, and once more when the
incident resolves. A summary compares the incident's stored alerts with what the receiver's previous summary
reported, so what it says depends on the stored state alone, not on which transitions a notifier saw, when,
or how often.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.model import Kind, Severity

GROUPED_KINDS = frozenset({Kind.FIRED, Kind.ESCALATED, Kind.RESOLVED})
WORST = 3  # alerts a summary names
PLACES = 5  # places a summary names before "+n"


def grouped(kind: Kind, position: int | None, alert_count: int, threshold: int) -> bool:
    """Whether a notifiable transition is left to its incident's summaries instead of going out alone.

    A firing by its place in the incident, fixed when it joined (the ``threshold``-th alert starts the storm),
    so the decision is the same on every redelivery; an escalation or a resolve by the incident's size. An
    unacknowledged critical alert always goes out alone: it is the alarm that nobody acted, not news."""
    if kind not in GROUPED_KINDS:
        return False
    if kind is Kind.FIRED:
        return position is not None and position >= threshold
    return alert_count >= threshold


@dataclass(frozen=True)
class AlertView:
    """One alert of an incident as a summary shows it (its current stored state)."""

    fingerprint: str
    place: str  # the source's name from its metadata, with its id
    unit_code: str | None
    severity: Severity
    open: bool
    opened_at: datetime
    updated_at: datetime
    rule_type: str
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    summary: dict[str, str] = field(default_factory=dict)  # the rule's words, e.g. {"vi": "vượt báo động III"}
    muted: bool = False  # a silence covers it: shown in the counts, never news, never among the worst

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["opened_at"], body["updated_at"] = self.opened_at.isoformat(), self.updated_at.isoformat()
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> AlertView:
        return cls(**{**body, "severity": Severity(body["severity"]),
                      "opened_at": datetime.fromisoformat(body["opened_at"]),
                      "updated_at": datetime.fromisoformat(body["updated_at"])})  # fmt: skip

    @property
    def seen(self) -> list[Any]:
        """What a summary remembers of it: its opening, severity and whether it is open."""
        return [self.opened_at.isoformat(), self.severity.value, self.open]


@dataclass(frozen=True)
class IncidentView:
    id: str
    domain: str
    area: str  # the province part of the unit codes (HUE)
    severity: Severity  # the highest its alerts reached
    resolved_at: datetime | None


@dataclass(frozen=True)
class Previous:
    """The receiver's last summary of the incident."""

    n: int
    made_at: datetime
    resolved_at: datetime | None  # set: it was the resolution summary of the incident resolved then
    seen: dict[str, list[Any]]  # fingerprint -> AlertView.seen


@dataclass(frozen=True)
class Summary:
    """What one summary says; stored as JSON before it is sent, so every attempt sends the same."""

    incident: str
    domain: str
    area: str
    n: int
    final: bool  # the incident has resolved
    severity: Severity
    total: int
    open: int
    new: int  # alerts that opened since the previous summary (all, in the first)
    escalated: int
    resolved: int  # since the previous summary
    muted: int
    places: tuple[str, ...]  # the places of its alerts, worst first, at most PLACES
    more_places: int
    worst: tuple[AlertView, ...]
    seen: dict[str, list[Any]]

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["worst"] = [alert.to_json() for alert in self.worst]
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Summary:
        return cls(**{**body, "severity": Severity(body["severity"]), "places": tuple(body["places"]),
                      "worst": tuple(AlertView.from_json(a) for a in body["worst"])})  # fmt: skip


def _worst_first(alert: AlertView) -> tuple[int, float, str]:
    return (-alert.severity.rank, -alert.updated_at.timestamp(), alert.fingerprint)


def summarise(
    incident: IncidentView, alerts: list[AlertView], previous: Previous | None, now: datetime, every: timedelta
) -> Summary | None:
    """The summary due for one receiver of a storm incident (``alerts``: those routed to it), or None.

    Due: the first as soon as an alert not muted is there; then, while the incident is open, once ``every``
    has passed since the previous one and something changed (an alert opened, rose in severity or
    resolved; muted alerts do not count); at once when the incident resolves (again if it reopened and
    resolved later)."""
    seen = {a.fingerprint: a.seen for a in alerts if not a.muted}
    before = previous.seen if previous is not None else {}
    new = [fp for fp, s in seen.items() if fp not in before or before[fp][0] != s[0]]
    resolved = [fp for fp, s in seen.items() if not s[2] and (fp in new or before[fp][2])]
    escalated = [
        fp for fp, s in seen.items()
        if fp not in new and s[2] and before[fp][2] and Severity(s[1]).rank > Severity(before[fp][1]).rank
    ]  # fmt: skip
    news = bool(new or resolved or escalated)
    final = incident.resolved_at is not None
    if previous is None:
        due = bool(seen)
    elif final:
        due = previous.resolved_at != incident.resolved_at
    else:
        due = news and (previous.resolved_at is not None or now - previous.made_at >= every)
    if not due:
        return None
    ranked = sorted(alerts, key=_worst_first)
    places = list(dict.fromkeys(a.place for a in ranked))
    shown = [a for a in ranked if not a.muted]
    worst = [a for a in shown if a.open] or shown
    return Summary(
        incident=incident.id,
        domain=incident.domain,
        area=incident.area,
        n=previous.n + 1 if previous is not None else 1,
        final=final,
        severity=incident.severity,
        total=len(alerts),
        open=sum(a.open for a in alerts),
        new=len(new),
        escalated=len(escalated),
        resolved=len(resolved),
        muted=sum(a.muted for a in alerts),
        places=tuple(places[:PLACES]),
        more_places=max(0, len(places) - PLACES),
        worst=tuple(worst[:WORST]),
        seen=seen,
    )
