"""The Decision 766 index (Bộ chỉ số phục vụ người dân, doanh nghiệp) per agency (pure, no I/O but the
configuration file).

Weights, targets and band cut-offs are versioned configuration (index766.yaml); the measured ratios come
from public_services.figures, the others from an inputs mapping (agency or "*" -> part id -> ratio).
Agencies are ranked within their peer group (provincial departments, communes), never across groups.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ioc.envelope import Envelope, RecordError, parse_envelope
from ioc.feeds import registry
from ioc.indicators.public_services import MEASURED, AgencyFigures, Cost, figures, fold, local_day
from ioc.sources import sources
from ioc.workdays import vietnam

CONFIG = Path(__file__).with_name("index766.yaml")
ALL = "*"  # inputs for every agency
COSTLY_SHOWN = 50  # items listed per agency: open ones first, the most days late first
FAR = timedelta(days=36500)  # a file of events may be read long after: no "future" check


class Index766Error(ValueError):
    """The configuration or an input breaks its contract; the message names the field."""


@dataclass(frozen=True)
class Part:
    id: str
    name: str
    max: float
    target: float
    ratio: str  # a MEASURED name, or "input"
    if_no_data: str = "full"  # full | zero


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    max: float
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Version:
    version: str
    effective_from: date
    source: str
    bands: tuple[tuple[str, float], ...]  # (name, minimum total), highest first
    groups: tuple[Group, ...]

    def parts(self) -> dict[str, Part]:
        return {part.id: part for group in self.groups for part in group.parts}

    def band(self, total: float) -> str:
        return next(name for name, minimum in self.bands if total >= minimum)


def _number(body: dict[str, Any], key: str, where: str, low: float, high: float) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise Index766Error(f"{where}.{key}: must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def _part(body: Any, where: str) -> Part:
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body.get("name"):
        raise Index766Error(f"{where}: a part needs an id (text) and a name")
    where = f"{where} {body['id']}"
    ratio, if_no_data = body.get("ratio"), body.get("if_no_data", "full")
    if ratio != "input" and ratio not in MEASURED:
        raise Index766Error(f"{where}.ratio: {ratio!r} is neither input nor one of {', '.join(MEASURED)}")
    if if_no_data not in ("full", "zero"):
        raise Index766Error(f"{where}.if_no_data: must be full or zero, got {if_no_data!r}")
    max_points, target = _number(body, "max", where, 0, 100), _number(body, "target", where, 0.01, 1)
    return Part(body["id"], str(body["name"]), max_points, target, ratio, if_no_data)


def _group(body: Any, where: str) -> Group:
    if not isinstance(body, dict) or not isinstance(body.get("key"), str) or not body.get("parts"):
        raise Index766Error(f"{where}: a group needs a key and parts")
    where = f"{where} {body['key']}"
    parts = tuple(_part(p, f"{where}.parts") for p in body["parts"])
    max_points = _number(body, "max", where, 0, 100)
    if abs(sum(p.max for p in parts) - max_points) > 1e-9:
        raise Index766Error(f"{where}: its parts' maxima sum to {sum(p.max for p in parts):g}, not {max_points:g}")
    return Group(body["key"], str(body.get("name", body["key"])), max_points, parts)


def parse_version(body: Any) -> Version:
    if not isinstance(body, dict) or not isinstance(body.get("effective_from"), date):
        raise Index766Error("versions: each needs a version and an effective_from date")
    where = f"version {body.get('version')}"
    groups = tuple(_group(g, f"{where}.groups") for g in body.get("groups") or ())
    total = sum(g.max for g in groups)
    if abs(total - 100) > 1e-9:
        raise Index766Error(f"{where}: the groups' maxima sum to {total:g}, not 100")
    ids = [p.id for g in groups for p in g.parts]
    if len(ids) != len(set(ids)):
        raise Index766Error(f"{where}: part ids repeat")
    bands = tuple((str(b["name"]), _number(b, "min", f"{where}.bands", 0, 100)) for b in body.get("bands") or ())
    if not bands or bands[-1][1] != 0 or any(a[1] <= b[1] for a, b in zip(bands, bands[1:], strict=False)):
        raise Index766Error(f"{where}.bands: minima must fall from the highest band to a last one at 0")
    return Version(str(body.get("version")), body["effective_from"], str(body.get("source", "")), bands, groups)


@lru_cache
def versions(path: Path = CONFIG) -> tuple[Version, ...]:
    """Every configured version, oldest first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("versions"):
        raise Index766Error(f"{path.name}: needs a list of versions")
    return tuple(sorted((parse_version(v) for v in data["versions"]), key=lambda v: v.effective_from))


def version_at(day: date, path: Path = CONFIG) -> Version:
    """The version in force on ``day``."""
    in_force = [v for v in versions(path) if v.effective_from <= day]
    if not in_force:
        raise Index766Error(f"no Decision 766 configuration in force on {day.isoformat()}")
    return in_force[-1]


Inputs = dict[str, dict[str, float]]  # agency (or "*") -> part id -> ratio


def parse_inputs(body: Any, version: Version) -> Inputs:
    """Check an inputs mapping: known input parts, ratios in [0, 1]."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise Index766Error("inputs: must map agencies (or '*') to {part id: ratio}")
    input_parts = {p.id for p in version.parts().values() if p.ratio == "input"}
    inputs: Inputs = {}
    for agency, parts in body.items():
        if not isinstance(parts, dict):
            raise Index766Error(f"inputs.{agency}: must map part ids to ratios")
        for part_id, ratio in parts.items():
            where = f"inputs.{agency}.{part_id}"
            if str(part_id) not in input_parts:
                raise Index766Error(
                    f"{where}: not an input part of {version.version} ({', '.join(sorted(input_parts))})"
                )
            _number({"ratio": ratio}, "ratio", where, 0, 1)
        inputs[str(agency)] = {str(k): float(v) for k, v in parts.items()}
    return inputs


@dataclass(frozen=True)
class Score:
    """One agency's index: per group, total, band; rank within its peer group is set by rank()."""

    agency: str
    peer_group: str
    groups: dict[str, float]
    parts: dict[str, float]
    total: float
    band: str
    missing_inputs: tuple[str, ...]
    figures: AgencyFigures
    rank: int = 0
    of: int = 0


def part_points(part: Part, ratio: float | None) -> float:
    """min(max, max * ratio / target); a part without data scores its ``if_no_data``."""
    if ratio is None:
        return part.max if part.if_no_data == "full" else 0.0
    return min(part.max, part.max * ratio / part.target)


def score(version: Version, figures: AgencyFigures, inputs: Inputs, peer_group: str) -> Score:
    """The agency's points; an input part with no input scores 0 and is named in missing_inputs."""
    given = {**inputs.get(ALL, {}), **inputs.get(figures.agency, {})}
    parts: dict[str, float] = {}
    missing: list[str] = []
    for part in version.parts().values():
        if part.ratio == "input":
            if part.id not in given:
                missing.append(part.id)
                parts[part.id] = 0.0
                continue
            parts[part.id] = part_points(part, given[part.id])
        else:
            parts[part.id] = part_points(part, figures.ratios[part.ratio])
    groups = {g.key: round(sum(parts[p.id] for p in g.parts), 2) for g in version.groups}
    total = round(sum(parts.values()), 2)
    rounded = {k: round(v, 2) for k, v in parts.items()}
    return Score(figures.agency, peer_group, groups, rounded, total, version.band(total), tuple(missing), figures)


def rank(scores: list[Score]) -> list[Score]:
    """Rank within each peer group by total, highest first; equal totals share a rank (1, 2, 2, 4)."""
    by_group: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        by_group[s.peer_group].append(s)
    ranked: list[Score] = []
    for group in sorted(by_group):
        members = sorted(by_group[group], key=lambda s: (-s.total, s.agency))
        for s in members:
            position = 1 + sum(1 for other in members if other.total > s.total)
            ranked.append(replace(s, rank=position, of=len(members)))
    return ranked


def cost_json(c: Cost) -> dict[str, Any]:
    return {
        **asdict(c),
        "received_at": c.received_at.isoformat(),
        "due": c.due.isoformat() if c.due else None,
    }


def to_json(s: Score, name: str | None = None) -> dict[str, Any]:
    return {
        "agency": s.agency,
        "name": name,
        "peer_group": s.peer_group,
        "groups": s.groups,
        "total": s.total,
        "band": s.band,
        "rank": s.rank,
        "of": s.of,
        "parts": s.parts,
        "ratios": {k: None if v is None else round(v, 4) for k, v in s.figures.ratios.items()},
        "counts": s.figures.counts,
        "by_procedure": s.figures.by_procedure,
        "missing_inputs": list(s.missing_inputs),
        "costly": [cost_json(c) for c in s.figures.costly[:COSTLY_SHOWN]],
    }


EVENT_FEEDS = ("dossier", "feedback", "payment")


def parse_events(lines: Iterable[str]) -> list[Envelope]:
    """Envelopes of the event feeds, one JSON object per line (blank lines skipped), each validated
    against its feed's declaration; the first broken one raises Index766Error naming line and field."""
    kinds = registry()
    events = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            feed = json.loads(line).get("feed") if line.lstrip().startswith("{") else None
            if feed not in EVENT_FEEDS:
                raise RecordError("feed", "feed", f"{feed!r} is not one of {', '.join(EVENT_FEEDS)}")
            events.append(parse_envelope(line.encode(), kinds[feed], datetime.now(UTC), FAR))
        except (json.JSONDecodeError, RecordError) as exc:
            raise Index766Error(f"line {number}: {exc}") from exc
    return events


def report(events: list[Envelope], at: datetime, inputs: Any = None, since: datetime | None = None) -> dict[str, Any]:
    """The index at ``at`` of every agency found in ``events`` (dossiers received from ``since``), ranked."""
    version = version_at(local_day(at))
    checked = parse_inputs(inputs, version)
    known = sources()
    scores = []
    seen = [e for e in events if e.ts <= at]
    for agency, figs in figures(fold(seen), at, vietnam(), since).items():
        source = known.get(agency)
        peer_group = str(source.extras.get("group", "other")) if source is not None else "other"
        scores.append(score(version, figs, checked, peer_group))
    ranked = rank(scores)
    return {
        "version": version.version,
        "effective_from": version.effective_from.isoformat(),
        "at": at.isoformat(),
        "since": since.isoformat() if since else None,
        "agencies": [to_json(s, known[s.agency].name if s.agency in known else None) for s in ranked],
    }
