/** Words for what the map and lists show, shared by the wall and the desk. */

import type { RainClass, Source, TrafficStatus, WaterStatus } from "../api";
import { LOS, type Reading } from "../colours";
import type { Context } from "../context";
import type { Values } from "../figures";
import { type Key, type Lang, lang, t } from "../i18n";
import { currentValues, statuses } from "../store";
import { type Domain, domainOf } from "../sources";
import { formatNumber } from "../time";

export const DOMAIN_KEYS: Record<string, Key> = {
  air: "domainAir", water: "domainWater", traffic: "domainTraffic", service: "domainService", feed: "domainFeed",
};
export const SEVERITY_KEYS: Record<string, Key> = {
  critical: "severityCritical", warning: "severityWarning", info: "severityInfo",
};
export const STATE_KEYS: Record<string, Key> = {
  firing: "stateFiring", acknowledged: "stateAcknowledged", resolved: "stateResolved",
};

export function domainName(domain: string): string {
  const key = DOMAIN_KEYS[domain];
  return key ? t(key) : domain;
}

/** Flood alarm levels by number: ROMAN[2] is "II" (0 is below level I). */
export const ROMAN = ["", "I", "II", "III"];

export const aqiName = (category: number): string => t(`aqi${Math.max(0, Math.min(5, category))}` as Key);
export const floodName = (category: number): string => t(`flood${Math.max(0, Math.min(3, category))}` as Key);

/** The current values of every figure, from the live data (and the fetched overdue counts). */
export function currentFigures(ctx: Context, overdue: Map<string, number> | null): Values {
  return {
    aqi: currentValues(ctx.data, "aqi", "vn_aqi_1h"),
    pm25: currentValues(ctx.data, "pm25"),
    waterLevel: currentValues(ctx.data, "water_level"),
    speed: currentValues(ctx.data, "speed"),
    overdue,
    water: statuses<WaterStatus>(ctx.data, "water_status"),
    traffic: statuses<TrafficStatus>(ctx.data, "traffic_status"),
  };
}

const RAIN_KEYS: Record<RainClass, Key> = {
  light: "rainLight", moderate: "rainModerate", heavy: "rainHeavy", very_heavy: "rainVeryHeavy",
};

/** A gauge's trend in words: rate of rise, when the next alarm level comes at that rate, the day's rain. */
export function waterTrend(w: WaterStatus, language: Lang = lang()): string {
  const n = (v: number, d?: number) => formatNumber(v, language, d);
  const lines = [];
  if (w.rate_cm_h !== null) {
    lines.push(w.hours_to_next !== null
      ? t("waterRising", { rate: n(w.rate_cm_h, 1), level: ROMAN[w.alarm + 1] ?? "", hours: n(w.hours_to_next, 1) }, language)
      : t("waterRate", { rate: n(w.rate_cm_h, 1) }, language));
  }
  lines.push(t("rain24", { mm: n(w.rain_mm["24h"], 1), class: t(RAIN_KEYS[w.rain_class_24h], {}, language) }, language));
  return lines.join("\n");
}

/** A marker's tooltip: the source's name and what its reading means. */
export function describeReading(source: Source, reading: Reading, values: Values): string {
  const n = (v: number) => formatNumber(v, lang());
  const domain: Domain | null = domainOf(source);
  let what = t("notComputed");
  if (reading.category >= 0) {
    if (domain === "air") what = `VN_AQI ${n(values.aqi.get(source.id) ?? 0)} — ${aqiName(reading.category)}`;
    if (domain === "water") {
      const status = values.water.get(source.id);
      what = `${n(values.waterLevel.get(source.id) ?? 0)} m — ${floodName(reading.category)}${status ? `\n${waterTrend(status)}` : ""}`;
    }
    if (domain === "traffic") {
      const status = values.traffic.get(source.id);
      const jam = status?.congested ? `\n${t("congestedFor", { minutes: n(status.congested_minutes) })}` : "";
      what = `${n(values.speed.get(source.id) ?? 0)} km/h — ${t("losLabel", { los: LOS[reading.category] ?? "?" })}${jam}`;
    }
    if (domain === "service") what = t("overdueLabel", { count: values.overdue?.get(source.id) ?? 0 });
  }
  return `${source.name} (${source.unit_code})\n${what}`;
}

/** A unit's short name: its commune's or ward's people's committee without "UBND", else its code. */
export function unitLabeller(sources: readonly Source[]): (code: string) => string {
  const names = new Map<string, string>();
  for (const s of sources) {
    if (s.name.startsWith("UBND ")) names.set(s.unit_code, s.name.replace(/^UBND (phường |xã )?/u, ""));
  }
  return (code) => names.get(code) ?? code.split(".").pop() ?? code;
}

/** Overdue dossiers per agency, from the Decision 766 index. */
export function overdueOf(agencies: readonly { agency: string; counts: Record<string, number> }[]): Map<string, number> {
  return new Map(agencies.map((a) => [a.agency, a.counts["overdue"] ?? 0]));
}
