"""FIWARE Smart Data Models (SDM) observations in NGSI-LD → records of our feeds (pure, no I/O).

City platforms and context brokers publish NGSI-LD entities; the pipeline reads our envelope. An entity
is mapped to a plain record ``{"id", "feed", "source", "ts", "values", "geo"?}`` that ``parse_envelope``
then validates like any other record, so ranges stay in one place (the feed declarations): this module
renames attributes, converts units and picks the source, time and place, nothing more.

An attribute is read in normalized form (``{"type": "Property", "value": 12, "unitCode": "GQ",
"observedAt": ...}``) or key-values form (``"pm25": 12``, no unitCode: our unit is assumed).

SDM type → feed, then SDM attribute → our metric: unitCode → factor (none: no unitCode, key-values form)

    AirQualityObserved → air_quality
      pm25, pm10, o3, no2, so2, co → same name (µg/m³): GQ or none ×1, GP (mg/m³) ×1000; 59 ppm, 61 ppb refused
      temperature → temperature (°C): CEL or none ×1
      relativeHumidity → humidity (%): 0..1 as the model says, none or C62 ×100; P1 (already %) ×1
    TrafficFlowObserved → traffic
      intensity → intensity (xe/h): vehicles counted in the observation period ×3600/its seconds;
                  without a period (dateObservedFrom/To or an interval dateObserved) taken as per hour
      occupancy → occupancy (%): 0..1, none or C62 ×100; P1 ×1
      averageVehicleSpeed → speed (km/h): KMH or none ×1, MTS (m/s) ×3.6
      congested → congested (0/1): true → 1, false → 0
    WaterObserved → hydro
      waterLevel, else height → water_level (m): MTR or none ×1, CMT (cm) ×0.01, MMT (mm) ×0.001
      precipitation → rainfall (mm): MMT or none ×1; not in WaterObserved (it is in AirQualityObserved and
                      WeatherObserved, in l/m² = mm), taken when a gauge adds it

Ignored (no metric of ours): airQualityIndex, airQualityLevel, reliability, as, c6h6, cd, co2, coLevel, ni,
no, nox, pb, pm1, pm4, tpc, tsp, sh2, volatileOrganicCompoundsTotal, precipitation, pressure, windDirection,
windSpeed, charge (air); laneId, laneDirection, reversedLane, averageVehicleLength, averageGapDistance,
averageHeadwayTime, vehicleType, vehicleSubType, refRoadSegment (traffic); flow, waterDischarge,
swellHeight, swellPeriod, swellDirection, waveLength, measuredArea, objectArea, objectHeightAverage,
objectHeightMax, objectVolume (water); name, address, areaServed, refDevice and the other common ones.

- source: the entity id without ``urn:ngsi-ld:<Type>:``; id: ``default_id(source, feed, ts)``, so an
  entity sent twice is stored once.
- ts: ``dateObserved`` (its end when it is an ISO 8601 interval ``start/end``), else ``dateObservedTo``,
  else the ``observedAt`` of the first mapped attribute (table order) that has one. It needs a UTC offset
  like every record: the models say "UTC" but their examples sometimes omit the ``Z``, and we do not
  guess the zone of a station.
- A value out of range after conversion (relativeHumidity sent as 54 instead of 0.54 → 5400 %) is
  refused by ``parse_envelope``, not here. ``congested`` absent is not turned into 0 (the model reads
  absence as "not congested", but a partial update omits unchanged attributes too).
- geo: a ``location`` Point ``[lon, lat]`` (GeoJSON order) → ``{"lat", "lon"}``; other geometries are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ioc.envelope import RecordError, default_id, parse_time
from ioc.feeds import FeedKind
from ioc.ingest_batch import BodyError, Checked, check

MASS = {None: 1.0, "GQ": 1.0, "GP": 1000.0}  # → µg/m³
FRACTION = {None: 100.0, "C62": 100.0, "P1": 1.0}  # the models' 0..1 → %
LENGTH = {None: 1.0, "MTR": 1.0, "CMT": 0.01, "MMT": 0.001}  # → m
RATIOS = {"59": "ppm", "61": "ppb"}  # volume ratios: µg/m³ would need molar mass, temperature and pressure


@dataclass(frozen=True)
class Conversion:
    """How one SDM attribute becomes one of our metrics."""

    metric: str
    units: Mapping[str | None, float]  # unitCode → factor to our unit; None: the attribute has no unitCode
    per_hour: bool = False  # a count over the observation period, scaled to one hour
    flag: bool = False  # a boolean, sent as 1/0


@dataclass(frozen=True)
class Model:
    """An SDM entity type: the feed its observations go to and the attributes we read."""

    feed: str
    attributes: dict[str, Conversion]  # SDM attribute → conversion; the first present wins a metric


MODELS: dict[str, Model] = {
    "AirQualityObserved": Model(
        "air_quality",
        {
            **{name: Conversion(name, MASS) for name in ("pm25", "pm10", "o3", "no2", "so2", "co")},
            "temperature": Conversion("temperature", {None: 1.0, "CEL": 1.0}),
            "relativeHumidity": Conversion("humidity", FRACTION),
        },
    ),
    "TrafficFlowObserved": Model(
        "traffic",
        {
            "intensity": Conversion("intensity", {None: 1.0}, per_hour=True),
            "occupancy": Conversion("occupancy", FRACTION),
            "averageVehicleSpeed": Conversion("speed", {None: 1.0, "KMH": 1.0, "MTS": 3.6}),
            "congested": Conversion("congested", {None: 1.0}, flag=True),
        },
    ),
    "WaterObserved": Model(
        "hydro",
        {
            "waterLevel": Conversion("water_level", LENGTH),
            "height": Conversion("water_level", LENGTH),
            "precipitation": Conversion("rainfall", {None: 1.0, "MMT": 1.0}),
        },
    ),
}


@dataclass(frozen=True)
class Routed:
    """One entity of a request: the feed it goes to (None: not a type we map here), its check, and whether it
    became a record (then it goes to the feed's ingest topic, valid or not; else it is a dead letter at once)."""

    feed: str | None
    checked: Checked
    mapped: bool


def entities(body: object) -> list[object]:
    """The entities a POST carries: one entity, an array of them, or a broker's notification (its ``data``)."""
    if isinstance(body, dict) and "subscriptionId" in body and isinstance(body.get("data"), list):
        return list(body["data"])
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return list(body)
    raise BodyError("body must be an NGSI-LD entity, an array of entities or a notification")


def to_record(entity: object) -> tuple[str, dict[str, Any]]:
    """The feed of ``entity`` and its record in our envelope shape; RecordError names the entity's field."""
    body, name, model = _model(entity)
    return model.feed, _record(body, name, model)


def to_records(
    items: list[object], kinds: Mapping[str, FeedKind], now: datetime, max_future: timedelta
) -> list[Routed]:
    """Each entity mapped, then checked by the validate agent's rules (``check``), in order, for ``report``.

    A mapped record is forwarded as mapped, valid or not: its dead letter replays once the declaration is
    fixed. An entity that cannot be mapped keeps the sender's JSON for its dead letter, with the error
    naming the entity's field and rule.
    """
    out = []
    for entity in items:
        feed: str | None = None
        try:
            body, name, model = _model(entity)
            kind = kinds.get(model.feed)
            if kind is None:
                raise RecordError("type", "unknown_feed", f"feed {model.feed!r} of {name} is not declared here")
            feed = kind.name
            record = _record(body, name, model)
        except RecordError as error:
            out.append(Routed(feed, Checked(_json(entity), (feed or "").encode(), None, error), mapped=False))
            continue
        out.append(Routed(feed, check([_json(record)], kind, now, max_future)[0], mapped=True))
    return out


def _json(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _model(entity: object) -> tuple[dict[str, Any], str, Model]:
    """The entity as an object, its short type name and its model; RecordError when it is none of ours."""
    if not isinstance(entity, dict):
        raise RecordError("$", "type", "an entity must be a JSON object")
    raw = entity.get("type")
    if not isinstance(raw, str) or not raw:
        raise RecordError("type", "required", f"an entity type is required, one of {', '.join(MODELS)}")
    name = re.split(r"[/#:]", raw)[-1]  # a full URI ends in the short name
    model = MODELS.get(name)
    if model is None:
        raise RecordError("type", "unknown_type", f"{raw!r} is not one of {', '.join(MODELS)}")
    return entity, name, model


def _record(entity: dict[str, Any], name: str, model: Model) -> dict[str, Any]:
    source = _source(entity.get("id"), name)
    ts = _ts(entity, model)
    record: dict[str, Any] = {
        "id": default_id(source, model.feed, ts),
        "feed": model.feed,
        "source": source,
        "ts": ts.isoformat(),
        "values": _values(entity, name, model),
    }
    geo = _geo(entity.get("location"))
    if geo is not None:
        record["geo"] = geo
    return record


def _source(raw: object, name: str) -> str:
    prefix = f"urn:ngsi-ld:{name}:"
    if not isinstance(raw, str) or not raw.startswith(prefix) or raw == prefix:
        raise RecordError("id", "format", f"must be {prefix}<source>, got {raw!r}")
    return raw[len(prefix) :]


def _property(raw: object) -> tuple[object, object, object]:
    """Value, unitCode and observedAt of a normalized attribute; a key-values attribute is its bare value."""
    if isinstance(raw, dict) and "value" in raw:
        return raw["value"], raw.get("unitCode"), raw.get("observedAt")
    return raw, None, None


def _time(entity: dict[str, Any], name: str) -> object:
    value = _property(entity.get(name))[0]
    if isinstance(value, dict) and "@value" in value:  # {"@type": "DateTime", "@value": ...}
        return value["@value"]
    return value


def _interval(entity: dict[str, Any]) -> list[str] | None:
    observed = _time(entity, "dateObserved")
    return observed.split("/", 1) if isinstance(observed, str) and "/" in observed else None


def _ts(entity: dict[str, Any], model: Model) -> datetime:
    interval = _interval(entity)
    observed = interval[1] if interval else _time(entity, "dateObserved")
    if observed is not None:
        return parse_time(observed, "dateObserved")
    observed_to = _time(entity, "dateObservedTo")
    if observed_to is not None:
        return parse_time(observed_to, "dateObservedTo")
    for attribute in model.attributes:
        observed_at = _property(entity.get(attribute))[2]
        if observed_at is not None:
            return parse_time(observed_at, f"{attribute}.observedAt")
    raise RecordError("dateObserved", "required", "needs dateObserved, dateObservedTo or an attribute's observedAt")


def _period(entity: dict[str, Any]) -> timedelta | None:
    """The observation period, from an interval ``dateObserved`` or ``dateObservedFrom``/``dateObservedTo``."""
    interval = _interval(entity)
    if interval:
        start, end = parse_time(interval[0], "dateObserved"), parse_time(interval[1], "dateObserved")
        where = "dateObserved"
    else:
        start_raw, end_raw = _time(entity, "dateObservedFrom"), _time(entity, "dateObservedTo")
        if start_raw is None or end_raw is None:
            return None
        start, end = parse_time(start_raw, "dateObservedFrom"), parse_time(end_raw, "dateObservedTo")
        where = "dateObservedTo"
    if end <= start:
        raise RecordError(where, "period", "the observation period must end after it starts")
    return end - start


def _values(entity: dict[str, Any], name: str, model: Model) -> dict[str, float]:
    values: dict[str, float] = {}
    for attribute, conversion in model.attributes.items():
        if attribute in entity and conversion.metric not in values:
            values[conversion.metric] = _convert(entity, attribute, conversion)
    if not values:
        raise RecordError("values", "required", f"{name} carries none of {', '.join(model.attributes)}")
    return values


def _convert(entity: dict[str, Any], attribute: str, conversion: Conversion) -> float:
    value, unit, _ = _property(entity[attribute])
    if conversion.flag:
        if not isinstance(value, bool):
            raise RecordError(attribute, "type", f"must be true or false, got {value!r}")
        return 1.0 if value else 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(attribute, "type", f"must be a number, got {value!r}")
    factor = _factor(attribute, unit, conversion.units)
    if conversion.per_hour:
        period = _period(entity)
        if period is not None:
            factor *= timedelta(hours=1) / period
    return value * factor


def _factor(attribute: str, unit: object, units: Mapping[str | None, float]) -> float:
    if (unit is None or isinstance(unit, str)) and unit in units:
        return units[unit]
    where = f"{attribute}.unitCode"
    accepted = ", ".join(code for code in units if code is not None) or "none"
    if isinstance(unit, str) and unit in RATIOS and "GQ" in units:
        message = f"{RATIOS[unit]} is a volume ratio, not converted (it needs the gas's molar mass): send GQ or GP"
        raise RecordError(where, "unit", message)
    raise RecordError(where, "unit", f"{unit!r} is not accepted for {attribute} (accepted: {accepted})")


def _geo(raw: object) -> dict[str, object] | None:
    geometry = _property(raw)[0]
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
        raise RecordError("location", "type", "a Point's coordinates are [lon, lat] or [lon, lat, altitude]")
    return {"lat": coordinates[1], "lon": coordinates[0]}  # GeoJSON order is lon, lat
