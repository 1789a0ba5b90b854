"""Feed registry: a feed kind is one YAML declaration in this folder, discovered at import.

Adding a feed is adding a file; agents and validation read the declaration and never name a feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DECLARATIONS = Path(__file__).parent
INDICATORS = {"vn_aqi"}  # derived indicators an agent computes for the feeds that ask for them


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    min: float
    max: float


@dataclass(frozen=True)
class FeedKind:
    name: str
    description: str
    entity: str
    interval_seconds: int
    metrics: dict[str, Metric]
    kpis: tuple[str, ...]
    indicators: tuple[str, ...] = ()  # derived indicators computed for this feed, e.g. vn_aqi


class FeedDeclarationError(ValueError):
    """A declaration file is malformed; the message names the file and the field."""


def parse_declaration(data: object, origin: str) -> FeedKind:
    if not isinstance(data, dict):
        raise FeedDeclarationError(f"{origin}: a feed declaration must be a mapping")
    try:
        metrics = {
            name: Metric(name, str(spec["unit"]), float(spec["min"]), float(spec["max"]))
            for name, spec in dict(data["metrics"]).items()
        }
        kind = FeedKind(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            entity=str(data["entity"]),
            interval_seconds=int(data["interval_seconds"]),
            metrics=metrics,
            kpis=tuple(data.get("kpis", ())),
            indicators=tuple(data.get("indicators", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FeedDeclarationError(f"{origin}: missing or invalid field {exc}") from exc
    unknown = set(kind.kpis) - set(metrics)
    if unknown:
        raise FeedDeclarationError(f"{origin}: kpis name unknown metrics {sorted(unknown)}")
    unknown = set(kind.indicators) - INDICATORS
    if unknown:
        raise FeedDeclarationError(f"{origin}: unknown indicators {sorted(unknown)}; known: {sorted(INDICATORS)}")
    return kind


def load_feeds(folder: Path = DECLARATIONS) -> dict[str, FeedKind]:
    feeds: dict[str, FeedKind] = {}
    for path in sorted(folder.glob("*.yaml")):
        kind = parse_declaration(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        feeds[kind.name] = kind
    return feeds


@lru_cache
def registry() -> dict[str, FeedKind]:
    """The shipped feed kinds, by name."""
    return load_feeds()
