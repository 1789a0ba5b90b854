import { describe, expect, it } from "vitest";
import { unitCentroids, unitLevels } from "./map";
import type { Source } from "./api";

const at = (id: string, unit_code: string, lon: number, lat: number): Source => ({ id, feeds: ["hydro"], name: id, unit_code, lat, lon, extras: {} });

describe("admin unit areas", () => {
  const sources = [at("a", "HUE.A", 107.0, 16.0), at("b", "HUE.A", 107.2, 16.2), at("c", "HUE.B", 108.0, 16.5), at("d", "HUE", 107.1, 16.1)];

  it("puts each unit at the mean of its sources, leaving out parent units", () => {
    const units = unitCentroids(sources);
    expect(units.map((u) => u.code)).toEqual(["HUE.A", "HUE.B"]);
    expect(units[0]!.lon).toBeCloseTo(107.1);
    expect(units[0]!.lat).toBeCloseTo(16.1);
  });

  it("tints a unit by its worst source; a parent unit's source counts where it stands", () => {
    const units = unitCentroids(sources);
    const level = { a: "normal", b: "high", c: "elevated", d: "severe" } as const;
    const levels = unitLevels(units, sources, (s) => level[s.id as keyof typeof level], () => 1);
    expect(Object.fromEntries(levels)).toEqual({ "HUE.A": "high", "HUE.B": "severe" });
  });
});
