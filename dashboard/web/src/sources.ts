/** Source metadata as the pages use it: which domain a source belongs to, its main series, its extras. */

import type { Source } from "./api";

export const DOMAINS = ["air", "water", "traffic", "service"] as const;
export type Domain = (typeof DOMAINS)[number];

const DOMAIN_OF_FEED: Record<string, Domain> = {
  air_quality: "air",
  hydro: "water",
  traffic: "traffic",
  dossier: "service",
  feedback: "service",
  payment: "service",
};

/** The domain of a source (an agency reports several service feeds), null for feeds the map does not know. */
export function domainOf(source: Pick<Source, "feeds">): Domain | null {
  for (const feed of source.feeds) {
    const domain = DOMAIN_OF_FEED[feed];
    if (domain) return domain;
  }
  return null;
}

/** The series a source's history chart shows first. */
export const MAIN_METRIC: Record<Domain, string | null> = {
  air: "pm25",
  water: "water_level",
  traffic: "speed",
  service: null,
};

export function alarmLevels(source: Source): number[] {
  const levels = source.extras["alarm_levels"];
  return Array.isArray(levels) ? levels.filter((v): v is number => typeof v === "number") : [];
}

export function freeFlowSpeed(source: Source): number | null {
  const speed = source.extras["free_flow_speed"];
  return typeof speed === "number" && speed > 0 ? speed : null;
}

/** Names of places in the metadata, and their parts ("Lê Lợi" of "Lê Lợi (Cầu Trường Tiền – Hà Nội)"):
 * streets named after people must not be masked as if they were citizens. */
export function placeNames(sources: readonly Source[]): string[] {
  const names = new Set<string>();
  for (const { name } of sources) {
    names.add(name);
    for (const part of name.split(/[()–,-]/)) {
      const trimmed = part.replace(/^(Trạm|UBND|Sở|Quốc lộ|Tỉnh lộ|Cao tốc|Đường)\s+/u, "").trim();
      if (trimmed.length > 2) names.add(trimmed);
      if (part.trim().length > 2) names.add(part.trim());
    }
  }
  return [...names];
}
