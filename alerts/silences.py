"""Silences: maintenance windows and area silences (pure, no I/O).

A silence mutes the notifications of every alert transition it matches while its window lasts; the
alerts themselves still fire, escalate and resolve, and are shown as usual. It matches on the
transition's event time, so a backlog notified late is judged by when things happened. Matchers are
exact, except ``unit_code``, which names an admin unit or a prefix of codes (``HUE.`` is the province),
as the alerts API filters by unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.model import Transition

MATCHERS = ("pack", "rule", "domain", "feed", "source", "unit_code", "severity")
LONGEST = timedelta(days=30)


class SilenceError(ValueError):
    """A silence cannot be made as asked; the message names the field."""


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_by: str

    def mutes(self, t: Transition) -> bool:
        if not self.starts_at <= t.at < self.ends_at:
            return False
        for name, wanted in self.matchers.items():
            value = getattr(t, name)
            value = getattr(value, "value", value)  # severity is an enum
            if value is None or not (str(value).startswith(wanted) if name == "unit_code" else value == wanted):
                return False
        return True


def parse_silence(body: Any, now: datetime, new_id: str, created_by: str) -> Silence:
    """A silence from an operator's request: ``matchers`` (at least one of MATCHERS), ``comment``, an end
    (``ends_at`` or ``minutes``) in the future, an optional ``starts_at`` (default now; may be past)."""
    if not isinstance(body, dict):
        raise SilenceError("body: must be an object with matchers, comment and ends_at or minutes")
    matchers = body.get("matchers")
    if not isinstance(matchers, dict) or not matchers:
        raise SilenceError(f"matchers: at least one of {', '.join(MATCHERS)}")
    for name, value in matchers.items():
        if name not in MATCHERS:
            raise SilenceError(f"matchers.{name}: unknown; matchers are {', '.join(MATCHERS)}")
        if not isinstance(value, str) or not 0 < len(value) <= 128:
            raise SilenceError(f"matchers.{name}: must be a string of 1-128 characters")
    comment = body.get("comment")
    if not isinstance(comment, str) or not comment.strip() or len(comment) > 500:
        raise SilenceError("comment: say why (1-500 characters), e.g. the maintenance it covers")
    starts_at = _time(body.get("starts_at"), "starts_at") or now
    if body.get("minutes") is not None:
        minutes = body["minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
            raise SilenceError("minutes: a whole number of minutes, at least 1")
        ends_at = max(starts_at, now) + timedelta(minutes=minutes)
    else:
        until = _time(body.get("ends_at"), "ends_at")
        if until is None:
            raise SilenceError("ends_at: a silence needs an end (ends_at or minutes)")
        ends_at = until
    if ends_at <= now or ends_at <= starts_at:
        raise SilenceError("ends_at: must be after starts_at and in the future")
    if ends_at - starts_at > LONGEST:
        raise SilenceError(f"ends_at: a silence lasts at most {LONGEST.days} days")
    return Silence(new_id, dict(matchers), starts_at, ends_at, comment.strip(), created_by)


def _time(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise SilenceError(f"{name}: an ISO 8601 time with its UTC offset, e.g. 2026-12-03T08:00:00+07:00")
    return parsed
