"""Source metadata: stations, gauges, segments, agencies; one YAML file per feed in ``ioc/data/sources``.

Metadata is data (versioned with the code, editable by a province): id, Vietnamese name, admin unit,
coordinates, and per-kind extras such as a gauge's alarm levels, which rules read by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).parent / "data" / "sources"
CORE = ("id", "name", "unit_code", "lat", "lon")


class SourceError(ValueError):
    """A metadata file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Source:
    id: str
    feeds: tuple[str, ...]  # the feeds it reports: one for a station, several for an agency
    name: str
    unit_code: str
    lat: float
    lon: float
    extras: dict[str, Any] = field(default_factory=dict)


def parse_sources(data: object, origin: str) -> list[Source]:
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or "feed" not in data:
        raise SourceError(f"{origin}: expected a mapping with 'feed' (a name or a list) and a list 'sources'")
    feeds = tuple(map(str, data["feed"])) if isinstance(data["feed"], list) else (str(data["feed"]),)
    out: list[Source] = []
    for i, raw in enumerate(data["sources"]):
        where = f"{origin}.sources[{i}]"
        if not isinstance(raw, dict):
            raise SourceError(f"{where}: a source must be a mapping")
        missing = [name for name in CORE if name not in raw]
        if missing:
            raise SourceError(f"{where}: missing field {missing[0]!r}")
        try:
            lat, lon = float(raw["lat"]), float(raw["lon"])
        except (TypeError, ValueError):
            raise SourceError(f"{where}: lat and lon must be numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SourceError(f"{where}.lat: coordinates out of range")
        extras = {k: v for k, v in raw.items() if k not in CORE}
        out.append(Source(str(raw["id"]), feeds, str(raw["name"]), str(raw["unit_code"]), lat, lon, extras))
    return out


def load_sources(*folders: Path) -> dict[str, Source]:
    """Every source of ``folders`` by id; an id listed twice is an error."""
    found: dict[str, Source] = {}
    for folder in folders:
        if not folder.is_dir():
            raise SourceError(f"{folder}: no such folder of source metadata (IOC_SOURCES_DIR)")
        for path in sorted(folder.glob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise SourceError(f"{path}: not readable YAML ({exc})") from exc
            for source in parse_sources(data, path.name):
                if source.id in found:
                    raise SourceError(f"{path.name}: source {source.id!r} is listed twice")
                found[source.id] = source
    return found


@lru_cache
def sources() -> dict[str, Source]:
    """The shipped metadata and that of the folder IOC_SOURCES_DIR names (an integrator's own), by source id."""
    from ioc.settings import get_settings

    extra = get_settings().sources_dir
    return load_sources(FOLDER, *([extra] if extra is not None else []))


def of_feed(feed: str) -> tuple[Source, ...]:
    return tuple(s for s in sources().values() if feed in s.feeds)


def metadata(feed: str, source: str) -> dict[str, Any]:
    """What alert rules may read about a source: its feed's reporting interval and its metadata
    (name, admin unit, extras such as alarm levels)."""
    from ioc.feeds import registry

    kind = registry().get(feed)
    meta: dict[str, Any] = {"interval_seconds": kind.interval_seconds} if kind else {}
    known = sources().get(source)
    if known is not None:
        meta |= {"name": known.name, "unit_code": known.unit_code, **known.extras}
    return meta
