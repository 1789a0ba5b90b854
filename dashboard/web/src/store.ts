/** What the live channels say now: the newest KPI per (kpi, source, metric), the open alerts and the
 * latest transitions for the ticker, feed health per source, the newest reading per source. */

import type { Alert, HealthRow, Kpi, Obs, TrafficStatus, WaterStatus } from "./api";
import type { Message } from "./live";

export type Channel = "kpi" | "alerts" | "health" | "obs";
export const TICKER_SIZE = 30;

export interface LiveData {
  kpi: Map<string, Kpi>;
  alerts: Map<string, Alert>;
  recent: Alert[];
  health: Map<string, HealthRow>;
  obs: Map<string, Obs>;
}

export function emptyData(): LiveData {
  return { kpi: new Map(), alerts: new Map(), recent: [], health: new Map(), obs: new Map() };
}

export const kpiKey = (k: Pick<Kpi, "kpi" | "source" | "metric">): string => `${k.kpi}|${k.source}|${k.metric}`;
export const healthKey = (h: Pick<HealthRow, "feed" | "source">): string => `${h.feed}|${h.source}`;

/** A later window, or a later revision of the same window, replaces the kept one (as the hub decides). */
export function supersedes(next: Kpi, kept: Kpi | undefined): boolean {
  if (!kept) return true;
  const a = Date.parse(next.window_start);
  const b = Date.parse(kept.window_start);
  return a > b || (a === b && (next.revision ?? 0) >= (kept.revision ?? 0));
}

/** When a transition happened: its own time, else the stored row's. */
export function alertTime(a: Alert): number {
  return Date.parse(a.at ?? a.updated_at ?? a.opened_at);
}

function addRecent(recent: Alert[], alert: Alert): Alert[] {
  return [alert, ...recent.filter((a) => a.fingerprint !== alert.fingerprint)].slice(0, TICKER_SIZE);
}

/** Apply one message; returns the channels whose data changed. */
export function applyMessage(data: LiveData, message: Message): Set<Channel> {
  const changed = new Set<Channel>();
  if (message.type === "snapshot") {
    if (Array.isArray(message.kpi)) {
      data.kpi = new Map((message.kpi as Kpi[]).map((k) => [kpiKey(k), k]));
      changed.add("kpi");
    }
    if (Array.isArray(message.alerts)) {
      const open = (message.alerts as Alert[]).filter((a) => a.state !== "resolved");
      data.alerts = new Map(open.map((a) => [a.fingerprint, a]));
      data.recent = [...open].sort((a, b) => alertTime(b) - alertTime(a)).slice(0, TICKER_SIZE);
      changed.add("alerts");
    }
    if (Array.isArray(message.health)) {
      data.health = new Map((message.health as HealthRow[]).map((h) => [healthKey(h), h]));
      changed.add("health");
    }
    if (Array.isArray(message.obs)) {
      data.obs = new Map((message.obs as Obs[]).map((o) => [o.source, o]));
      changed.add("obs");
    }
    return changed;
  }
  switch (message.type) {
    case "kpi": {
      const k = message.data as unknown as Kpi;
      if (supersedes(k, data.kpi.get(kpiKey(k)))) {
        data.kpi.set(kpiKey(k), k);
        changed.add("kpi");
      }
      break;
    }
    case "alerts": {
      const a = message.data as unknown as Alert;
      const kept = data.alerts.get(a.fingerprint);
      if (kept && a.seq <= kept.seq) break; // an older transition arriving late
      if (a.state === "resolved") data.alerts.delete(a.fingerprint);
      else data.alerts.set(a.fingerprint, a);
      data.recent = addRecent(data.recent, a);
      changed.add("alerts");
      break;
    }
    case "health": {
      const h = message.data as unknown as HealthRow;
      data.health.set(healthKey(h), h);
      changed.add("health");
      break;
    }
    case "obs": {
      const o = message.data as unknown as Obs;
      const kept = data.obs.get(o.source);
      if (!kept || Date.parse(o.ts) >= Date.parse(kept.ts)) {
        data.obs.set(o.source, o);
        changed.add("obs");
      }
      break;
    }
  }
  return changed;
}

/** Per source, the newest value of ``metric``: a reading, or the 1-minute mean, whichever is newer. */
export function currentValues(data: LiveData, metric: string, kpi = "mean_60s"): Map<string, number> {
  const newest = new Map<string, { value: number; at: number }>();
  for (const k of data.kpi.values()) {
    if (k.kpi !== kpi || k.metric !== metric) continue;
    newest.set(k.source, { value: k.value, at: Date.parse(k.window_end) });
  }
  if (kpi === "mean_60s") {
    for (const o of data.obs.values()) {
      const value = o.values[metric];
      if (typeof value !== "number") continue;
      const at = Date.parse(o.ts);
      if ((newest.get(o.source)?.at ?? -Infinity) <= at) newest.set(o.source, { value, at });
    }
  }
  return new Map([...newest].map(([source, v]) => [source, v.value]));
}

/** Per source, the detail of its newest status KPI: ``water_status`` of a gauge (rate of rise, time to the next
 * level, rainfall), ``traffic_status`` of a road segment (level of service, congestion). */
export function statuses<T extends WaterStatus | TrafficStatus>(data: LiveData, kpi: "water_status" | "traffic_status"): Map<string, T> {
  const found = new Map<string, T>();
  for (const k of data.kpi.values()) {
    if (k.kpi === kpi && k.detail) found.set(k.source, k.detail as unknown as T);
  }
  return found;
}
