"""Feed registry: a feed kind is one YAML declaration, in this folder (shipped) or in the folder
IOC_FEEDS_DIR names (an integrator's own), discovered when a process starts.

Adding a feed is adding a file; agents and validation read the declaration and never name a feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DECLARATIONS = Path(__file__).parent
INDICATORS = {"vn_aqi", "flood", "traffic"}  # derived indicators an agent computes for the feeds that ask for them


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    min: float
    max: float


ATTRIBUTE_TYPES = ("text", "code", "enum", "time")


@dataclass(frozen=True)
class Attribute:
    """A non-numeric field of an event feed (a dossier's status, its appointment time).

    ``code``: an integer from ``codes`` (code → label, e.g. the portal's dossier statuses); ``enum``: a
    string from ``choices``; ``time``: ISO 8601 with a UTC offset; ``text``: 1..``max_length`` characters.
    """

    name: str
    type: str
    required: bool = False
    codes: dict[int, str] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    max_length: int = 200


@dataclass(frozen=True)
class FeedKind:
    name: str
    description: str
    entity: str
    interval_seconds: int
    metrics: dict[str, Metric]
    kpis: tuple[str, ...]
    indicators: tuple[str, ...] = ()  # derived indicators computed for this feed, e.g. vn_aqi
    attributes: dict[str, Attribute] = field(default_factory=dict)  # event feeds: dossier status, times...
    # ``sources: registered`` in the declaration: only the ids of the source metadata (``registered``) may report.
    only_registered: bool = False
    registered: frozenset[str] = frozenset()


class FeedDeclarationError(ValueError):
    """A declaration file is malformed; the message names the file and the field."""


def parse_declaration(data: object, origin: str) -> FeedKind:
    if not isinstance(data, dict):
        raise FeedDeclarationError(f"{origin}: a feed declaration must be a mapping")
    try:
        metrics = {
            name: Metric(name, str(spec["unit"]), float(spec["min"]), float(spec["max"]))
            for name, spec in dict(data.get("metrics") or {}).items()
        }
        attributes = {
            str(name): _attribute(str(name), spec, f"{origin}: attributes.{name}")
            for name, spec in dict(data.get("attributes") or {}).items()
        }
        kind = FeedKind(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            entity=str(data["entity"]),
            interval_seconds=int(data["interval_seconds"]),
            metrics=metrics,
            kpis=tuple(data.get("kpis", ())),
            indicators=tuple(data.get("indicators", ())),
            attributes=attributes,
            only_registered=_sources_policy(data.get("sources", "any"), origin),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FeedDeclarationError(f"{origin}: missing or invalid field {exc}") from exc
    if not metrics and not attributes:
        raise FeedDeclarationError(f"{origin}: a feed needs metrics, attributes or both")
    clash = set(metrics) & set(attributes)
    if clash:
        raise FeedDeclarationError(f"{origin}: {sorted(clash)} declared both as metric and attribute")
    unknown = set(kind.kpis) - set(metrics)
    if unknown:
        raise FeedDeclarationError(f"{origin}: kpis name unknown metrics {sorted(unknown)}")
    unknown = set(kind.indicators) - INDICATORS
    if unknown:
        raise FeedDeclarationError(f"{origin}: unknown indicators {sorted(unknown)}; known: {sorted(INDICATORS)}")
    return kind


def _sources_policy(value: object, origin: str) -> bool:
    if value not in ("any", "registered"):
        raise FeedDeclarationError(f"{origin}: sources: {value!r} is not 'any' or 'registered'")
    return value == "registered"


def _attribute(name: str, spec: Any, where: str) -> Attribute:
    if not isinstance(spec, dict):
        raise FeedDeclarationError(f"{where}: must be a mapping with a 'type'")
    kind = spec.get("type")
    if kind not in ATTRIBUTE_TYPES:
        raise FeedDeclarationError(f"{where}.type: {kind!r} is not one of {', '.join(ATTRIBUTE_TYPES)}")
    codes = {int(code): str(label) for code, label in dict(spec.get("codes") or {}).items()}
    choices = tuple(str(choice) for choice in spec.get("choices") or ())
    if kind == "code" and not codes:
        raise FeedDeclarationError(f"{where}.codes: a code attribute lists its codes")
    if kind == "enum" and not choices:
        raise FeedDeclarationError(f"{where}.choices: an enum attribute lists its choices")
    return Attribute(name, kind, bool(spec.get("required", False)), codes, choices, int(spec.get("max_length", 200)))


def load_feeds(*folders: Path) -> dict[str, FeedKind]:
    """The declarations of ``folders`` (*.yaml), in order; a feed name declared twice is an error."""
    feeds: dict[str, FeedKind] = {}
    origin: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            raise FeedDeclarationError(f"{folder}: no such folder of feed declarations (IOC_FEEDS_DIR)")
        for path in sorted(folder.glob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise FeedDeclarationError(f"{path}: not readable YAML ({exc})") from exc
            kind = parse_declaration(data, path.name)
            if kind.name in feeds:
                raise FeedDeclarationError(f"{path}: feed {kind.name!r} is already declared in {origin[kind.name]}")
            feeds[kind.name], origin[kind.name] = kind, path
    return feeds


@lru_cache
def registry() -> dict[str, FeedKind]:
    """The shipped feed kinds and those of the folder IOC_FEEDS_DIR names, by name; a kind that takes
    registered sources only carries their ids (shipped metadata and IOC_SOURCES_DIR)."""
    from ioc.settings import get_settings
    from ioc.sources import sources

    extra = get_settings().feeds_dir
    kinds = load_feeds(DECLARATIONS, *([extra] if extra is not None else []))
    known = sources()
    return {
        name: replace(kind, registered=frozenset(s.id for s in known.values() if name in s.feeds))
        if kind.only_registered
        else kind
        for name, kind in kinds.items()
    }
