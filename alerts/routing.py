"""Receivers (officials and their channels, a duty roster) and the routing tree that picks them (pure).

Alertmanager's shape: routes are tried in order and the first that matches wins unless it says
``continue``; a matching child route replaces its parent's receivers. A route with ``duty: true`` keeps
only the receivers on duty at the transition's time (local time, Asia/Ho_Chi_Minh), or all of them
when nobody is, so that an alert is never routed to no one. ``match.kind`` routes by what a transition did:
e.g. a critical alert nobody acknowledged in time (``unacknowledged_escalation``) to the centre's leaders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from alerts.model import Kind, Severity, Transition

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MATCH_KEYS = ("domain", "severity", "feed", "rule", "source", "unit_prefix", "kind")


class RoutingError(ValueError):
    """The receivers file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Webhook:
    url: str
    secret_env: str | None = None  # the environment variable holding the HMAC secret


@dataclass(frozen=True)
class Shift:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time | None  # None: to midnight ("24:00")

    def covers(self, local: datetime) -> bool:
        now = local.time()
        return local.weekday() in self.days and self.start <= now and (self.end is None or now < self.end)


@dataclass(frozen=True)
class Receiver:
    id: str
    name: str
    language: str
    email: str | None = None
    webhook: Webhook | None = None
    on_duty: tuple[Shift, ...] = ()  # empty: always

    def on_duty_at(self, at: datetime) -> bool:
        local = at.astimezone(LOCAL)
        return not self.on_duty or any(shift.covers(local) for shift in self.on_duty)


@dataclass(frozen=True)
class Route:
    match: dict[str, tuple[str, ...]]
    receivers: tuple[str, ...]
    duty: bool = False
    continue_: bool = False
    routes: tuple[Route, ...] = ()

    def matches(self, t: Transition) -> bool:
        labels = {"domain": t.domain, "severity": t.severity.value, "feed": t.feed, "rule": t.rule, "source": t.source,
                  "kind": t.kind.value}  # fmt: skip
        for key, wanted in self.match.items():
            if key == "unit_prefix":
                if not any((t.unit_code or "").startswith(prefix) for prefix in wanted):
                    return False
            elif labels[key] not in wanted:
                return False
        return True


@dataclass(frozen=True)
class Routing:
    receivers: dict[str, Receiver]
    routes: tuple[Route, ...] = field(default_factory=tuple)

    def receivers_for(self, t: Transition) -> list[Receiver]:
        """The receivers of ``t``, each once, in route order."""
        chosen: list[Receiver] = []
        for receiver_id in _walk(self.routes, t, self.receivers):
            receiver = self.receivers[receiver_id]
            if receiver not in chosen:
                chosen.append(receiver)
        return chosen


def _walk(routes: tuple[Route, ...], t: Transition, receivers: dict[str, Receiver]) -> list[str]:
    out: list[str] = []
    for route in routes:
        if not route.matches(t):
            continue
        picked = _walk(route.routes, t, receivers) or list(route.receivers)
        if route.duty:
            on_duty = [r for r in picked if receivers[r].on_duty_at(t.at)]
            picked = on_duty or picked
        out.extend(picked)
        if not route.continue_:
            break
    return out


def _time(text: object, where: str) -> time | None:
    value = str(text)
    if value == "24:00":
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise RoutingError(f"{where}: {value!r} is not a time HH:MM") from None


def _receiver(raw: object, where: str) -> Receiver:
    if not isinstance(raw, dict) or "id" not in raw or "name" not in raw:
        raise RoutingError(f"{where}: a receiver needs 'id' and 'name'")
    language = str(raw.get("language", "vi"))
    if language not in ("vi", "en"):
        raise RoutingError(f"{where}.language: {language!r} is not vi or en")
    webhook = None
    if raw.get("webhook") is not None:
        hook = raw["webhook"]
        url = str(hook.get("url", "")) if isinstance(hook, dict) else ""
        if not url.startswith(("http://", "https://")):
            raise RoutingError(f"{where}.webhook.url: {url!r} is not an http(s) URL")
        webhook = Webhook(url, hook.get("secret_env"))
    email = raw.get("email")
    if email is not None and "@" not in str(email):
        raise RoutingError(f"{where}.email: {email!r} is not an e-mail address")
    if email is None and webhook is None:
        raise RoutingError(f"{where}: a receiver needs a channel (email or webhook)")
    shifts = []
    for i, shift in enumerate(raw.get("on_duty") or ()):
        spot = f"{where}.on_duty[{i}]"
        if not isinstance(shift, dict):
            raise RoutingError(f"{spot}: a shift is a mapping with days, from, to")
        unknown = [d for d in shift.get("days", ()) if d not in DAYS]
        if unknown or not shift.get("days"):
            raise RoutingError(f"{spot}.days: use {', '.join(DAYS)} (got {shift.get('days')!r})")
        start = _time(shift.get("from", "00:00"), f"{spot}.from") or time(0)
        shifts.append(
            Shift(frozenset(DAYS.index(d) for d in shift["days"]), start, _time(shift.get("to", "24:00"), f"{spot}.to"))
        )
    return Receiver(str(raw["id"]), str(raw["name"]), language, str(email) if email else None, webhook, tuple(shifts))


def _route(raw: object, where: str, known: dict[str, Receiver]) -> Route:
    if not isinstance(raw, dict):
        raise RoutingError(f"{where}: a route must be a mapping")
    match: dict[str, tuple[str, ...]] = {}
    for key, wanted in dict(raw.get("match") or {}).items():
        if key not in MATCH_KEYS:
            raise RoutingError(f"{where}.match.{key}: unknown key; use {', '.join(MATCH_KEYS)}")
        values = tuple(str(v) for v in (wanted if isinstance(wanted, list) else [wanted]))
        if key == "severity" and not set(values) <= {s.value for s in Severity}:
            raise RoutingError(f"{where}.match.severity: {list(values)} are not all of info, warning, critical")
        if key == "kind" and not set(values) <= {k.value for k in Kind}:
            raise RoutingError(f"{where}.match.kind: {list(values)} are not all of {', '.join(k.value for k in Kind)}")
        match[key] = values
    receivers = tuple(str(r) for r in raw.get("receivers") or ())
    for receiver in receivers:
        if receiver not in known:
            raise RoutingError(f"{where}.receivers: unknown receiver {receiver!r}")
    children = tuple(_route(child, f"{where}.routes[{i}]", known) for i, child in enumerate(raw.get("routes") or ()))
    if not receivers and not children:
        raise RoutingError(f"{where}: a route needs receivers or child routes")
    return Route(match, receivers, bool(raw.get("duty", False)), bool(raw.get("continue", False)), children)


def parse_routing(data: Any, origin: str) -> Routing:
    if not isinstance(data, dict) or not isinstance(data.get("receivers"), list):
        raise RoutingError(f"{origin}: expected a mapping with a list 'receivers' and a list 'routes'")
    receivers: dict[str, Receiver] = {}
    for i, raw in enumerate(data["receivers"]):
        receiver = _receiver(raw, f"{origin}.receivers[{i}]")
        if receiver.id in receivers:
            raise RoutingError(f"{origin}.receivers[{i}].id: {receiver.id!r} is listed twice")
        receivers[receiver.id] = receiver
    routes = tuple(_route(raw, f"{origin}.routes[{i}]", receivers) for i, raw in enumerate(data.get("routes") or ()))
    return Routing(receivers, routes)


def load_routing(path: Path) -> Routing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutingError(f"{path}: cannot read the receivers file (IOC_RECEIVERS_FILE): {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RoutingError(f"{path.name}: not valid YAML ({exc})") from None
    return parse_routing(data, path.name)
