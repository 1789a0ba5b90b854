import { describe, expect, it } from "vitest";
import type { Source } from "./api";
import { emptyValues, readingOf, sparkValue, tileFigure, type Values } from "./figures";

const src = (id: string, feed: string, extras: Record<string, unknown> = {}): Source => ({
  id, feeds: [feed], name: id, unit_code: "HUE.X", lat: 16.4, lon: 107.6, extras,
});
const sources = [
  src("AQ1", "air_quality"), src("AQ2", "air_quality"),
  src("WL1", "hydro", { alarm_levels: [1, 2, 3.5] }), src("WL2", "hydro", { alarm_levels: [4.5, 6, 7.5] }),
  src("TR1", "traffic", { free_flow_speed: 40 }), src("TR2", "traffic", { free_flow_speed: 60 }),
  { ...src("AG1", "dossier"), feeds: ["dossier", "feedback", "payment"] },
];
const values = (over: Partial<Values>): Values => ({ ...emptyValues(), ...over });

describe("tile figures", () => {
  it("has no figure before any data", () => {
    for (const domain of ["air", "water", "traffic", "service"] as const) {
      expect(tileFigure(domain, sources, emptyValues())).toEqual({ kind: "none" });
    }
  });
  it("shows the highest hourly VN_AQI, else the highest PM2.5", () => {
    expect(tileFigure("air", sources, values({ pm25: new Map([["AQ1", 40], ["AQ2", 12]]) }))).toEqual({ kind: "pm25", value: 40, source: "AQ1" });
    const aqi = tileFigure("air", sources, values({ aqi: new Map([["AQ1", 60], ["AQ2", 160]]), pm25: new Map([["AQ1", 40]]) }));
    expect(aqi).toMatchObject({ kind: "aqi", value: 160, source: "AQ2", reading: { category: 3 } });
  });
  it("shows the gauge highest against its own alarms", () => {
    // WL2 is higher in metres, WL1 is the one at alarm II.
    const figure = tileFigure("water", sources, values({ waterLevel: new Map([["WL1", 2.2], ["WL2", 5.0]]) }));
    expect(figure).toMatchObject({ kind: "water", source: "WL1", level: 2.2, reading: { category: 2 } });
    expect(sparkValue(figure)).toBeCloseTo(2.2);
  });
  it("counts segments at LOS E or F", () => {
    const figure = tileFigure("traffic", sources, values({ speed: new Map([["TR1", 10], ["TR2", 55]]) }));
    expect(figure).toEqual({ kind: "traffic", share: 0.5, bad: 1, total: 2 });
    expect(sparkValue(figure)).toBe(50);
  });
  it("adds up overdue dossiers once the index is known", () => {
    expect(tileFigure("service", sources, values({ overdue: new Map([["AG1", 3], ["AG2", 4]]) }))).toEqual({ kind: "service", overdue: 7 });
  });
});

describe("readings", () => {
  it("colours each source by its own domain", () => {
    const v = values({
      aqi: new Map([["AQ1", 120]]), waterLevel: new Map([["WL1", 0.5]]), speed: new Map([["TR1", 12]]),
      overdue: new Map([["AG1", 0]]),
    });
    expect(sources.map((s) => readingOf(s, v).level)).toEqual(["elevated", "unknown", "normal", "unknown", "severe", "unknown", "normal"]);
  });
});
