/** From current values to what the wall shows: each source's reading (marker colour, area tint) and each
 * domain's tile figure. Pure: the same functions turn history buckets into sparkline points. */

import type { Source, TrafficStatus, WaterStatus } from "./api";
import { aqiReading, floodReading, losReading, overdueReading, type Reading, UNKNOWN } from "./colours";
import { alarmLevels, type Domain, domainOf, freeFlowSpeed } from "./sources";

/** Per source id, the values the figures read; ``overdue`` is null until the index was fetched. */
export interface Values {
  aqi: Map<string, number>;
  pm25: Map<string, number>;
  waterLevel: Map<string, number>;
  speed: Map<string, number>;
  overdue: Map<string, number> | null;
  water: Map<string, WaterStatus>;
  traffic: Map<string, TrafficStatus>;
}

export function emptyValues(): Values {
  return { aqi: new Map(), pm25: new Map(), waterLevel: new Map(), speed: new Map(), overdue: null, water: new Map(), traffic: new Map() };
}

export function readingOf(source: Source, values: Values): Reading {
  switch (domainOf(source)) {
    case "air": {
      const aqi = values.aqi.get(source.id);
      return aqi === undefined ? UNKNOWN : aqiReading(aqi);
    }
    case "water": {
      const level = values.waterLevel.get(source.id);
      const alarms = alarmLevels(source);
      return level === undefined || alarms.length === 0 ? UNKNOWN : floodReading(level, alarms);
    }
    case "traffic": {
      const speed = values.speed.get(source.id);
      const freeFlow = freeFlowSpeed(source);
      return speed === undefined || freeFlow === null ? UNKNOWN : losReading(speed, freeFlow);
    }
    case "service": {
      const overdue = values.overdue?.get(source.id);
      return overdue === undefined ? UNKNOWN : overdueReading(overdue);
    }
    default:
      return UNKNOWN;
  }
}

export type TileFigure =
  | { kind: "none" }
  | { kind: "aqi"; value: number; reading: Reading; source: string }
  | { kind: "pm25"; value: number; source: string }
  | { kind: "water"; level: number; ratio: number; reading: Reading; source: string }
  | { kind: "traffic"; share: number; bad: number; total: number }
  | { kind: "service"; overdue: number };

function highest(values: Map<string, number>, among: readonly Source[]): [string, number] | null {
  let best: [string, number] | null = null;
  for (const s of among) {
    const v = values.get(s.id);
    if (v !== undefined && (best === null || v > best[1])) best = [s.id, v];
  }
  return best;
}

/** The figure of a domain's tile; "none" when nothing is computed yet (the tile then shows "—"). */
export function tileFigure(domain: Domain, sources: readonly Source[], values: Values): TileFigure {
  const mine = sources.filter((s) => domainOf(s) === domain);
  switch (domain) {
    case "air": {
      const aqi = highest(values.aqi, mine);
      if (aqi) return { kind: "aqi", value: aqi[1], reading: aqiReading(aqi[1]), source: aqi[0] };
      const pm = highest(values.pm25, mine);
      return pm ? { kind: "pm25", value: pm[1], source: pm[0] } : { kind: "none" };
    }
    case "water": {
      let worst: Extract<TileFigure, { kind: "water" }> | null = null;
      for (const s of mine) {
        const level = values.waterLevel.get(s.id);
        const alarms = alarmLevels(s);
        if (level === undefined || alarms.length === 0) continue;
        const reading = floodReading(level, alarms);
        const ratio = level / alarms[0]!;
        if (!worst || reading.category > worst.reading.category || (reading.category === worst.reading.category && ratio > worst.ratio)) {
          worst = { kind: "water", level, ratio, reading, source: s.id };
        }
      }
      return worst ?? { kind: "none" };
    }
    case "traffic": {
      let bad = 0;
      let total = 0;
      for (const s of mine) {
        const speed = values.speed.get(s.id);
        const freeFlow = freeFlowSpeed(s);
        if (speed === undefined || freeFlow === null) continue;
        total += 1;
        if (losReading(speed, freeFlow).category >= 4) bad += 1; // E or F
      }
      return total ? { kind: "traffic", share: bad / total, bad, total } : { kind: "none" };
    }
    case "service": {
      if (!values.overdue) return { kind: "none" };
      let overdue = 0;
      for (const n of values.overdue.values()) overdue += n;
      return { kind: "service", overdue };
    }
  }
}

/** The number a tile's sparkline plots. */
export function sparkValue(figure: TileFigure): number | null {
  switch (figure.kind) {
    case "none":
      return null;
    case "aqi":
    case "pm25":
      return figure.value;
    case "water":
      return figure.ratio; // level over its alarm I: comparable across gauges
    case "traffic":
      return figure.share * 100;
    case "service":
      return figure.overdue;
  }
}
