/** The operator desk's alert list as pure functions: which alerts the filters show, how a live
 * transition changes the list, and the optimistic state of an action before the server answers. */

import type { Alert, AlertState } from "./api";
import { alertTime } from "./store";

export interface Filters {
  domain: string;
  severity: string;
  state: string;
  unit: string;
}

export const NO_FILTERS: Filters = { domain: "", severity: "", state: "", unit: "" };

/** The REST query of the filters; without a state filter the desk shows the open alerts. */
export function queryOf(filters: Filters): Record<string, string> {
  return {
    status: filters.state === "resolved" ? "resolved" : "open",
    state: filters.state, domain: filters.domain, severity: filters.severity, unit: filters.unit.trim(),
  };
}

export function matches(alert: Alert, filters: Filters): boolean {
  if (filters.domain && alert.domain !== filters.domain) return false;
  if (filters.severity && alert.severity !== filters.severity) return false;
  if (filters.state ? alert.state !== filters.state : alert.state === "resolved") return false;
  const unit = filters.unit.trim();
  return !unit || (alert.unit_code ?? "").startsWith(unit);
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** The server's order: open before resolved, critical before warning, newest first. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(a.state === "resolved") - Number(b.state === "resolved") ||
      (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) ||
      alertTime(b) - alertTime(a),
  );
}

/** The list after a transition of the live channel. A shown alert is updated in place even when it no
 * longer matches (an operator sees the alert they just resolved turn resolved, until the next refresh);
 * a new one is added if it matches; an older transition than the one shown changes nothing. */
export function mergeAlert(list: readonly Alert[], alert: Alert, filters: Filters): Alert[] {
  const kept = list.find((a) => a.fingerprint === alert.fingerprint);
  if (kept && alert.seq < kept.seq) return [...list];
  const others = list.filter((a) => a.fingerprint !== alert.fingerprint);
  // A transition may lack what the stored row has (a comment carries no summary): keep the row's.
  const merged: Alert = kept ? { ...kept, ...alert, summary: alert.summary ?? kept.summary } : alert;
  return sortAlerts(kept || matches(merged, filters) ? [...others, merged] : others);
}

export type ActionName = "acknowledge" | "assign" | "comment" | "resolve" | "silence";
export const ACTIONS: readonly ActionName[] = ["acknowledge", "assign", "comment", "resolve", "silence"];

export interface ActionBody {
  assignee?: string;
  comment?: string;
  minutes?: number;
}

/** Whether ``action`` makes sense for an alert in ``state`` (the server checks again). */
export function allowed(action: ActionName, state: AlertState): boolean {
  if (state === "resolved") return action === "comment";
  if (action === "acknowledge") return state === "firing";
  return true;
}

/** The alert as it will look once the action is applied, shown while the server works on it. */
export function optimistic(alert: Alert, action: ActionName, body: ActionBody, now: number): Alert {
  switch (action) {
    case "acknowledge":
      return { ...alert, state: "acknowledged" };
    case "resolve":
      return { ...alert, state: "resolved" };
    case "assign":
      return { ...alert, assignee: body.assignee ?? alert.assignee };
    case "silence":
      return { ...alert, silenced_until: new Date(now + (body.minutes ?? 0) * 60_000).toISOString() };
    case "comment":
      return alert;
  }
}
