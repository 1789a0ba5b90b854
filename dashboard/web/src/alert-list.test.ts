import { describe, expect, it } from "vitest";
import { allowed, matches, mergeAlert, NO_FILTERS, optimistic, queryOf, sortAlerts } from "./alert-list";
import type { Alert } from "./api";

const alert = (over: Partial<Alert>): Alert => ({
  fingerprint: "fp", seq: 1, state: "firing", severity: "warning", rule: "r", domain: "water", source: "S",
  feed: "hydro", unit_code: "HUE.KIMLONG", metric: "water_level", value: 2.1, threshold: 2, summary: null,
  assignee: null, silenced_until: null, opened_at: "2026-11-24T10:00:00+00:00", at: "2026-11-24T10:00:00+00:00", ...over,
});

describe("filters", () => {
  it("shows open alerts without a state filter", () => {
    expect(matches(alert({}), NO_FILTERS)).toBe(true);
    expect(matches(alert({ state: "resolved" }), NO_FILTERS)).toBe(false);
    expect(matches(alert({ state: "resolved" }), { ...NO_FILTERS, state: "resolved" })).toBe(true);
  });
  it("matches an area by unit code prefix", () => {
    expect(matches(alert({}), { ...NO_FILTERS, unit: "HUE." })).toBe(true);
    expect(matches(alert({}), { ...NO_FILTERS, unit: "HUE.PHU" })).toBe(false);
    expect(matches(alert({ unit_code: null }), { ...NO_FILTERS, unit: "HUE" })).toBe(false);
  });
  it("asks the server for resolved alerts only when filtering on them", () => {
    expect(queryOf({ ...NO_FILTERS, state: "resolved" }).status).toBe("resolved");
    expect(queryOf({ ...NO_FILTERS, unit: " HUE.VYDA " })).toMatchObject({ status: "open", unit: "HUE.VYDA" });
  });
});

describe("mergeAlert", () => {
  it("adds a matching alert in severity order", () => {
    const list = [alert({ fingerprint: "w" })];
    const merged = mergeAlert(list, alert({ fingerprint: "c", severity: "critical" }), NO_FILTERS);
    expect(merged.map((a) => a.fingerprint)).toEqual(["c", "w"]);
  });
  it("ignores an older transition and keeps the row's summary", () => {
    const list = [alert({ seq: 3, state: "acknowledged", summary: { vi: "x" } })];
    expect(mergeAlert(list, alert({ seq: 2 }), NO_FILTERS)[0]!.state).toBe("acknowledged");
    const merged = mergeAlert(list, alert({ seq: 4, state: "acknowledged", assignee: "an", summary: null }), NO_FILTERS);
    expect(merged[0]).toMatchObject({ assignee: "an", summary: { vi: "x" } });
  });
  it("keeps a shown alert that got resolved, but does not add new ones that do not match", () => {
    const list = [alert({})];
    expect(mergeAlert(list, alert({ seq: 2, state: "resolved" }), NO_FILTERS)[0]!.state).toBe("resolved");
    expect(mergeAlert([], alert({ state: "resolved" }), NO_FILTERS)).toEqual([]);
    expect(mergeAlert([], alert({ domain: "air" }), { ...NO_FILTERS, domain: "water" })).toEqual([]);
  });
  it("sorts resolved last and newest first within a severity", () => {
    const sorted = sortAlerts([
      alert({ fingerprint: "old", at: "2026-11-24T09:00:00Z" }),
      alert({ fingerprint: "done", severity: "critical", state: "resolved" }),
      alert({ fingerprint: "new", at: "2026-11-24T11:00:00Z" }),
    ]);
    expect(sorted.map((a) => a.fingerprint)).toEqual(["new", "old", "done"]);
  });
});

describe("actions", () => {
  it("shows the expected state at once", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(optimistic(alert({}), "acknowledge", {}, now).state).toBe("acknowledged");
    expect(optimistic(alert({}), "resolve", {}, now).state).toBe("resolved");
    expect(optimistic(alert({}), "assign", { assignee: "Tổ trực" }, now).assignee).toBe("Tổ trực");
    expect(optimistic(alert({}), "silence", { minutes: 30 }, now).silenced_until).toBe("2026-11-24T10:30:00.000Z");
  });
  it("offers only what fits the state", () => {
    expect(allowed("acknowledge", "acknowledged")).toBe(false);
    expect(allowed("resolve", "resolved")).toBe(false);
    expect(allowed("comment", "resolved")).toBe(true);
    expect(allowed("silence", "firing")).toBe(true);
  });
});
