/** Categories and colours of what the map and tiles show: VN_AQI, flood alarm levels, traffic level of
 * service, overdue dossiers, and the shared scale of "how bad" (level) that tints areas. */

/** How bad a source is, comparable across domains: the worst source tints its area. */
export const LEVELS = ["unknown", "normal", "elevated", "high", "severe"] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_COLOURS: Record<Level, string> = {
  unknown: "rgb(100,116,139)",
  normal: "rgb(34,197,94)",
  elevated: "rgb(250,204,21)",
  high: "rgb(249,115,22)",
  severe: "rgb(239,68,68)",
};

export function worstLevel(levels: Iterable<Level>): Level {
  let worst: Level = "unknown";
  for (const level of levels) if (LEVELS.indexOf(level) > LEVELS.indexOf(worst)) worst = level;
  return worst;
}

/** What a marker shows: its category (index into the domain's scale), colour and level. */
export interface Reading {
  category: number;
  colour: string;
  level: Level;
}

export const UNKNOWN: Reading = { category: -1, colour: LEVEL_COLOURS.unknown, level: "unknown" };

// Decision 1459/QĐ-TCMT: upper bounds and colours of the VN_AQI categories.
const AQI_BANDS: readonly [number, string, Level][] = [
  [50, "rgb(0,228,0)", "normal"],
  [100, "rgb(255,255,0)", "normal"],
  [150, "rgb(255,126,0)", "elevated"],
  [200, "rgb(255,0,0)", "high"],
  [300, "rgb(143,63,151)", "severe"],
  [Infinity, "rgb(126,0,35)", "severe"],
];

/** VN_AQI category 0 (Tốt) … 5 (Nguy hại). The index is a whole number; 50.4 still counts as 50. */
export function aqiReading(aqi: number): Reading {
  const rounded = Math.round(aqi);
  const category = AQI_BANDS.findIndex(([upper]) => rounded <= upper);
  const [, colour, level] = AQI_BANDS[category] ?? AQI_BANDS[AQI_BANDS.length - 1]!;
  return { category, colour, level };
}

const FLOOD_COLOURS = ["rgb(56,189,248)", "rgb(250,204,21)", "rgb(249,115,22)", "rgb(239,68,68)"];
const FLOOD_LEVELS: Level[] = ["normal", "elevated", "high", "severe"];

/** 0 below báo động 1, else the highest alarm level (1, 2, 3) the water reached. */
export function floodReading(level: number, alarms: readonly number[]): Reading {
  const category = alarms.filter((alarm) => level >= alarm).length;
  return { category, colour: FLOOD_COLOURS[category]!, level: FLOOD_LEVELS[category]! };
}

export const LOS = ["A", "B", "C", "D", "E", "F"] as const;
// HCM 2010 exhibit 16-4 (urban streets): a class needs speed above this share of free flow; F is the rest.
// The same table as ioc/indicators/traffic.py, so the map and the stored traffic_status agree.
const LOS_FLOORS = [0.85, 0.67, 0.5, 0.4, 0.3];
const LOS_COLOURS = ["rgb(34,197,94)", "rgb(132,204,22)", "rgb(234,179,8)", "rgb(249,115,22)", "rgb(239,68,68)", "rgb(153,27,27)"];
const LOS_LEVELS: Level[] = ["normal", "normal", "normal", "elevated", "high", "severe"];

/** Level of service A (category 0) … F (5) from mean speed over free-flow speed. */
export function losReading(speed: number, freeFlow: number): Reading {
  const ratio = freeFlow > 0 ? speed / freeFlow : 0;
  const found = LOS_FLOORS.findIndex((floor) => ratio > floor);
  const category = found === -1 ? LOS.length - 1 : found;
  return { category, colour: LOS_COLOURS[category]!, level: LOS_LEVELS[category]! };
}

/** An agency by its overdue dossiers: none, a few (1–4), many (5–9), very many (10+). */
export function overdueReading(overdue: number): Reading {
  const category = overdue <= 0 ? 0 : overdue < 5 ? 1 : overdue < 10 ? 2 : 3;
  return { category, colour: FLOOD_COLOURS[category]!, level: FLOOD_LEVELS[category]! };
}

export const SEVERITY_COLOURS: Record<string, string> = {
  critical: "rgb(239,68,68)",
  warning: "rgb(245,158,11)",
  info: "rgb(56,189,248)",
};

/** Black or white text, whichever reads better on ``rgb(r,g,b)``. */
export function textOn(colour: string): string {
  const [r = 0, g = 0, b = 0] = (colour.match(/\d+/g) ?? []).map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#000" : "#fff";
}
