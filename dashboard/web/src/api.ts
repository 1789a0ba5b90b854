/** The dashboard's REST API: typed shapes of what the pages read, and one request helper that sends the
 * session's CSRF token with every change and turns 401/403 into what the page must do. */

export interface Me {
  username: string;
  display_name: string;
  role: Role;
  csrf_token: string | null;
  expires_at: string | null;
}
export type Role = "operator" | "official" | "integrator" | "admin";

export interface Config {
  tile_url: string | null;
  languages: string[];
}

export interface Source {
  id: string;
  feeds: string[];
  name: string;
  unit_code: string;
  lat: number;
  lon: number;
  extras: Record<string, unknown>;
}

export interface Kpi {
  kpi: string;
  feed: string;
  source: string;
  metric: string;
  unit_code: string | null;
  window_start: string;
  window_end: string;
  value: number;
  count: number;
  min: number;
  max: number;
  revision?: number;
  detail?: Record<string, unknown> | null;
}

/** A gauge's ``water_status`` detail (ioc/indicators/hydro.py). */
export interface WaterStatus {
  level: number;
  alarm: number;
  rate_cm_h: number | null;
  hours_to_next: number | null;
  rain_mm: Record<"1h" | "3h" | "12h" | "24h", number>;
  rain_class_12h: RainClass;
  rain_class_24h: RainClass;
}
export type RainClass = "light" | "moderate" | "heavy" | "very_heavy";

/** A road segment's ``traffic_status`` detail (ioc/indicators/traffic.py, streams/segment_status.py). */
export interface TrafficStatus {
  speed: number;
  ratio: number;
  los: string;
  congested: number | null;
  congested_minutes: number;
  congestion_ended_minutes: number | null;
}

export interface HistoryRow {
  bucket: string;
  kpi: string;
  source: string;
  metric: string;
  value: number;
  min: number;
  max: number;
  count: number;
}

export type Severity = "critical" | "warning" | "info";
export type AlertState = "firing" | "acknowledged" | "resolved";

export interface Alert {
  fingerprint: string;
  seq: number;
  id?: string;
  kind?: string;
  state: AlertState;
  severity: Severity;
  rule: string;
  domain: string;
  source: string;
  feed: string;
  unit_code: string | null;
  metric: string | null;
  value: number | null;
  threshold: number | null;
  summary: Partial<Record<"vi" | "en", string>> | null;
  assignee: string | null;
  silenced_until: string | null;
  opened_at: string;
  updated_at?: string;
  at?: string;
}

export interface Obs {
  feed: string;
  source: string;
  ts: string;
  values: Record<string, number>;
  unit_code?: string;
}

export interface HealthRow {
  feed: string;
  source: string;
  name: string | null;
  unit_code: string | null;
  status: "ok" | "silent" | "never";
  records: number;
  rejected: number;
  per_minute: number;
  rejected_share: number | null;
  last_seen: string | null;
  silent_since: string | null;
}

export interface AgencyIndex {
  agency: string;
  name: string | null;
  peer_group: string;
  total: number;
  band: string;
  rank: number;
  of: number;
  counts: Record<string, number>;
  costly: Cost[];
}

/** A dossier or feedback report that costs its agency points (see docs/public-services.md). */
export interface Cost {
  kind: "dossier" | "feedback";
  id: string;
  reason: string;
  state: "late" | "overdue";
  received_at: string;
  due: string | null;
  late_days: number;
  procedure: string | null;
  status: number | null;
}

export interface Named {
  source: string;
  name: string | null;
  unit_code: string | null;
}

export interface DailySummary {
  day: string;
  from: string;
  to: string;
  complete: boolean;
  receiver: string | null;
  air: {
    stations: number;
    reached: { vi: string; en: string; stations: number }[];
    worst: (Named & { aqi: number; at: string | null; category: { vi: string; en: string } })[];
  };
  water: {
    gauges: number;
    reached: Record<string, number>;
    rain_max_mm: number | null;
    worst: (Named & { level: number; at: string | null; alarm: number; rain_mm: number | null })[];
  };
  traffic: { segments: number; congested: number; worst: (Named & { congested_minutes: number })[] };
  services: Record<"accepted" | "refused" | "done" | "feedback" | "payments", number>;
  alerts: {
    raised: Record<string, Record<string, number>>;
    raised_total: number;
    resolved: number;
    open_at_end: Record<string, number>;
    acknowledged: number;
    ack_median_minutes: number | null;
  };
  notifications: Record<string, number>;
}

export interface Index766 {
  version: string;
  at: string;
  since: string | null;
  agencies: AgencyIndex[];
}

export interface Delivery {
  time: string;
  key: string;
  transition_id: string;
  receiver: string;
  channel: string;
  attempt: number;
  status: string;
  error: string | null;
}

export interface DeadLetter {
  dl_id: string;
  received_at: string;
  topic: string;
  feed: string | null;
  source: string | null;
  field: string;
  rule: string;
  reason: string;
  raw: string;
  raw_bytes: number;
  replayable: boolean;
  replayed_at: string | null;
}

export interface ApiKey {
  key_id: string;
  name: string;
  role: string;
  feeds: string[] | null;
  created_at: string;
  revoked_at: string | null;
}

export interface ActionAnswer {
  command: string;
  status: "applied" | "queued";
  transition?: { id: string; seq: number; kind: string; state: AlertState };
}

/** A refused request: the HTTP status and the server's ``detail`` text. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly detail: string, readonly retryAfter: number | null = null) {
    super(detail);
  }
}

const CSRF_KEY = "ioc.csrf";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** What the page does when the session is gone (401): back to the login form. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

// The token lives in sessionStorage: a reloaded tab keeps it, another site's page can never read it.
export function rememberCsrf(token: string | null): void {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

function detailOf(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    // FastAPI's validation errors: a list of {loc, msg}.
    if (Array.isArray(detail)) return detail.map((d: { msg?: string }) => d.msg ?? JSON.stringify(d)).join("; ");
  }
  return fallback;
}

export async function request<T>(method: string, path: string, body?: unknown, quiet401 = false): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (UNSAFE.has(method) && csrf) headers["X-CSRF-Token"] = csrf;
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    if (response.status === 401 && !quiet401) onUnauthorized();
    const retry = Number(response.headers.get("Retry-After"));
    throw new ApiError(response.status, detailOf(parsed, text || response.statusText), retry > 0 ? retry : null);
  }
  return parsed as T;
}

/** ``path`` with the given query parameters, leaving out empty ones. */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export const api = {
  config: () => request<Config>("GET", "/api/config"),
  me: () => request<Me>("GET", "/api/auth/me", undefined, true),
  login: (username: string, password: string) =>
    request<Me>("POST", "/api/auth/login", { username, password }, true),
  logout: () => request<void>("POST", "/api/auth/logout", undefined, true),
  sources: () => request<{ items: Source[] }>("GET", "/api/sources"),
  latestKpi: () => request<{ items: Kpi[] }>("GET", "/api/kpi"),
  history: (params: { source?: string; metric: string; bucket: string; start: string; end: string }) =>
    request<{ items: HistoryRow[] }>("GET", withQuery("/api/kpi", { ...params, limit: 20000 })),
  alerts: (filters: Record<string, string>) =>
    request<{ items: Alert[] }>("GET", withQuery("/api/alerts", filters)),
  act: (fingerprint: string, action: string, body: Record<string, unknown>) =>
    request<ActionAnswer>(
      "POST", `/api/alerts/${encodeURIComponent(fingerprint)}/actions/${action}`, body,
    ),
  deliveries: () => request<{ receiver: string | null; items: Delivery[] }>("GET", "/api/alerts/deliveries?limit=200"),
  dailySummary: (day: string) => request<DailySummary>("GET", withQuery("/api/summary/daily", { day })),
  index766: () => request<Index766>("GET", "/api/index766"),
  health: () => request<{ sources: HealthRow[] }>("GET", "/api/feeds/health"),
  deadLetters: (feed: string) =>
    request<{ items: DeadLetter[] }>("GET", withQuery("/api/deadletters", { feed, limit: 100 })),
  replay: (dlId: string) =>
    request<{ status: string }>("POST", `/api/deadletters/${encodeURIComponent(dlId)}/replay`),
  keys: () => request<{ items: ApiKey[] }>("GET", "/api/keys"),
};
