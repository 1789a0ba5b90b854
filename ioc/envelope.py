"""The record envelope every topic after ingest carries, and its validation (pure, no I/O).

Called by the validate agent for each raw ingest message; a failure raises RecordError naming the field
and the rule, which the agent turns into a dead letter.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ioc.feeds import Attribute, FeedKind

SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
SURROGATE = re.compile("[\ud800-\udfff]")  # a lone "\\ud800" escape parses, but no UTF-8 can carry it on


class RecordError(ValueError):
    """A record breaks the contract; ``field`` and ``rule`` say where and why."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Envelope:
    feed: str
    source: str
    ts: datetime
    values: dict[str, float]
    id: str
    unit_code: str | None = None
    geo: dict[str, float] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  # event feeds; times normalised to UTC ISO 8601

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "feed": self.feed,
            "source": self.source,
            "ts": self.ts.isoformat(),
            "values": self.values,
        }
        if self.unit_code is not None:
            body["unit_code"] = self.unit_code
        if self.geo is not None:
            body["geo"] = self.geo
        if self.attributes:
            body["attributes"] = self.attributes
        return body

    def to_bytes(self) -> bytes:
        """orjson: the validate agent encodes every record (its checks leave nothing orjson refuses)."""
        return orjson.dumps(self.to_dict())


def default_id(source: str, feed: str, ts: datetime) -> str:
    return f"{source}|{feed}|{ts.astimezone(UTC).isoformat()}"


def parse_time(value: object, field_name: str = "ts") -> datetime:
    if not isinstance(value, str):
        raise RecordError(field_name, "type", "must be an ISO 8601 string with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(field_name, "format", f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise RecordError(field_name, "offset", f"needs a UTC offset (e.g. +07:00): {value!r}")
    return parsed


def _values(raw: object, kind: FeedKind) -> dict[str, float]:
    if raw is None and kind.attributes:
        return {}  # an event feed's record may carry attributes only
    if not isinstance(raw, dict) or not (raw or kind.attributes):
        raise RecordError("values", "type", "must be a non-empty object of metric: number")
    values: dict[str, float] = {}
    for name, value in raw.items():
        metric = kind.metrics.get(name)
        where = f"values.{name}"
        if metric is None:
            raise RecordError(where, "unknown_metric", f"feed {kind.name!r} has no metric {name!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RecordError(where, "type", f"must be a finite number, got {value!r}")
        if not metric.min <= value <= metric.max:
            raise RecordError(where, "range", f"{value} {metric.unit} is outside [{metric.min:g}, {metric.max:g}]")
        values[name] = float(value)
    return values


def _attribute(value: object, spec: Attribute, where: str) -> Any:
    if spec.type == "time":
        return parse_time(value, where).astimezone(UTC).isoformat()
    if spec.type == "code":
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(where, "type", f"must be an integer code, got {value!r}")
        if value not in spec.codes:
            raise RecordError(where, "code", f"{value} is not one of the codes {', '.join(map(str, spec.codes))}")
        return value
    if not isinstance(value, str):
        raise RecordError(where, "type", f"must be a string, got {value!r}")
    _check_text(value, where)
    if spec.type == "enum" and value not in spec.choices:
        raise RecordError(where, "choice", f"{value!r} is not one of {', '.join(spec.choices)}")
    if not 0 < len(value) <= spec.max_length:
        raise RecordError(where, "length", f"must be 1-{spec.max_length} characters")
    return value


def _attributes(raw: object, kind: FeedKind) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RecordError("attributes", "type", "must be an object of attribute: value")
    for name in raw:
        if name not in kind.attributes:
            message = f"feed {kind.name!r} has no attribute {name!r}"
            raise RecordError(f"attributes.{name}", "unknown_attribute", message)
    for spec in kind.attributes.values():
        if spec.required and raw.get(spec.name) is None:
            raise RecordError(f"attributes.{spec.name}", "required", "is required")
    return {
        name: _attribute(value, kind.attributes[name], f"attributes.{name}")
        for name, value in raw.items()
        if value is not None
    }


def parse_envelope(raw: bytes, kind: FeedKind, now: datetime, max_future: timedelta) -> Envelope:
    """Validate one raw message of feed ``kind``; raises RecordError on the first broken rule."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError("$", "json", f"not valid UTF-8 JSON ({exc})") from exc
    except RecursionError as exc:  # a hostile nesting must be a dead letter, not a crash of the agent
        raise RecordError("$", "json", "JSON nested too deeply") from exc
    if not isinstance(body, dict):
        raise RecordError("$", "type", "must be a JSON object")
    feed = body.get("feed", kind.name)
    if feed != kind.name:
        raise RecordError("feed", "topic", f"{feed!r} sent to the topic of feed {kind.name!r}")
    source = body.get("source")
    if not isinstance(source, str) or not SOURCE_PATTERN.match(source):
        raise RecordError("source", "format", "must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    if kind.only_registered and source not in kind.registered:
        message = f"{source!r} is not a registered source of feed {kind.name!r} (add it to the source metadata)"
        raise RecordError("source", "unknown_source", message)
    if "ts" not in body:
        raise RecordError("ts", "required", "is required")
    ts = parse_time(body["ts"])
    if ts - now > max_future:
        raise RecordError("ts", "future", f"{body['ts']} is more than {max_future} ahead of now")
    values = _values(body.get("values"), kind)
    attributes = _attributes(body.get("attributes"), kind)
    if not values and not attributes:
        raise RecordError("values", "required", "a record carries values, attributes or both")
    record_id = body.get("id") or default_id(source, kind.name, ts)
    if not isinstance(record_id, str) or len(record_id) > 200:
        raise RecordError("id", "type", "must be a string of at most 200 characters")
    _check_text(record_id, "id")
    unit_code = body.get("unit_code")
    if unit_code is not None and not isinstance(unit_code, str):
        raise RecordError("unit_code", "type", "must be a string")
    if unit_code is not None:
        _check_text(unit_code, "unit_code")
    geo = body.get("geo")
    if geo is not None and not _valid_geo(geo):
        raise RecordError("geo", "range", "must be {lat: -90..90, lon: -180..180}")
    return Envelope(kind.name, source, ts, values, record_id, unit_code, geo, attributes)


def _check_text(value: str, where: str) -> None:
    if not value.isascii() and SURROGATE.search(value):
        raise RecordError(where, "encoding", "escapes a lone UTF-16 surrogate, which is not text")


def _valid_geo(geo: object) -> bool:
    if not isinstance(geo, dict):
        return False
    lat, lon = geo.get("lat"), geo.get("lon")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    return numbers and -90 <= lat <= 90 and -180 <= lon <= 180  # type: ignore[operator]


def envelope_from_dict(body: dict[str, Any]) -> Envelope:
    """Rebuild an already validated envelope (from ioc.obs); trusts its contents."""
    return Envelope(
        feed=body["feed"],
        source=body["source"],
        ts=datetime.fromisoformat(body["ts"]),
        values=body["values"],
        id=body["id"],
        unit_code=body.get("unit_code"),
        geo=body.get("geo"),
        attributes=body.get("attributes", {}),
    )
