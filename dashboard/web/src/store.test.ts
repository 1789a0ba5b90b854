import { describe, expect, it } from "vitest";
import type { Alert, Kpi } from "./api";
import type { Message } from "./live";
import { applyMessage, currentValues, emptyData, TICKER_SIZE } from "./store";

const kpi = (over: Partial<Kpi>): Kpi => ({
  kpi: "mean_60s", feed: "air_quality", source: "S1", metric: "pm25", unit_code: "HUE.PHUHOI",
  window_start: "2026-11-24T10:00:00+00:00", window_end: "2026-11-24T10:01:00+00:00",
  value: 10, count: 1, min: 10, max: 10, revision: 0, ...over,
});
const alert = (over: Partial<Alert>): Alert => ({
  fingerprint: "fp1", seq: 1, state: "firing", severity: "warning", rule: "r", domain: "air", source: "S1",
  feed: "air_quality", unit_code: "HUE.PHUHOI", metric: "pm25", value: 80, threshold: 50,
  summary: { vi: "PM2.5 cao", en: "PM2.5 high" }, assignee: null, silenced_until: null,
  opened_at: "2026-11-24T10:00:00+00:00", at: "2026-11-24T10:00:00+00:00", ...over,
});
const msg = (type: "kpi" | "alerts" | "obs" | "health", seq: number, data: object): Message =>
  ({ type, seq, data }) as Message;

describe("applyMessage", () => {
  it("replaces channels from a snapshot and keeps open alerts only", () => {
    const data = emptyData();
    const changed = applyMessage(data, {
      type: "snapshot", epoch: "e", seq: 5, kpi: [kpi({})],
      alerts: [alert({}), alert({ fingerprint: "fp2", state: "resolved", at: "2026-11-24T11:00:00+00:00" })],
    });
    expect([...changed].sort()).toEqual(["alerts", "kpi"]);
    expect(data.kpi.size).toBe(1);
    expect([...data.alerts.keys()]).toEqual(["fp1"]);
  });

  it("keeps the newest window and the highest revision of one window", () => {
    const data = emptyData();
    applyMessage(data, msg("kpi", 1, kpi({ value: 1, window_start: "2026-11-24T10:01:00+00:00" })));
    expect(applyMessage(data, msg("kpi", 2, kpi({ value: 2 }))).size).toBe(0); // an older window
    applyMessage(data, msg("kpi", 3, kpi({ value: 3, window_start: "2026-11-24T10:01:00+00:00", revision: 1 })));
    expect([...data.kpi.values()][0]!.value).toBe(3);
  });

  it("moves alerts through their states and lists the newest transition first", () => {
    const data = emptyData();
    applyMessage(data, msg("alerts", 1, alert({ fingerprint: "a" })));
    applyMessage(data, msg("alerts", 2, alert({ fingerprint: "b" })));
    applyMessage(data, msg("alerts", 3, alert({ fingerprint: "a", seq: 2, state: "resolved" })));
    expect([...data.alerts.keys()]).toEqual(["b"]);
    expect(data.recent.map((a) => `${a.fingerprint}:${a.state}`)).toEqual(["a:resolved", "b:firing"]);
    applyMessage(data, msg("alerts", 4, alert({ fingerprint: "b", seq: 0, state: "resolved" }))); // late, older
    expect(data.alerts.has("b")).toBe(true);
  });

  it("keeps the ticker short", () => {
    const data = emptyData();
    for (let i = 0; i < TICKER_SIZE + 5; i++) applyMessage(data, msg("alerts", i, alert({ fingerprint: `f${i}` })));
    expect(data.recent).toHaveLength(TICKER_SIZE);
    expect(data.recent[0]!.fingerprint).toBe(`f${TICKER_SIZE + 4}`);
  });
});

describe("currentValues", () => {
  it("takes a reading or a 1-minute mean, whichever is newer", () => {
    const data = emptyData();
    applyMessage(data, msg("kpi", 1, kpi({ value: 20 })));
    applyMessage(data, msg("kpi", 2, kpi({ source: "S2", value: 30 })));
    applyMessage(data, msg("obs", 3, { feed: "air_quality", source: "S1", ts: "2026-11-24T10:01:30+00:00", values: { pm25: 25 } }));
    applyMessage(data, msg("obs", 4, { feed: "air_quality", source: "S2", ts: "2026-11-24T10:00:30+00:00", values: { pm25: 99 } }));
    expect(Object.fromEntries(currentValues(data, "pm25"))).toEqual({ S1: 25, S2: 30 });
  });
  it("reads hourly VN_AQI by its own kpi", () => {
    const data = emptyData();
    applyMessage(data, msg("kpi", 1, kpi({ kpi: "vn_aqi_1h", metric: "aqi", value: 87 })));
    expect(currentValues(data, "aqi", "vn_aqi_1h").get("S1")).toBe(87);
    expect(currentValues(data, "aqi").size).toBe(0);
  });
});
