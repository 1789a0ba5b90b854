import { describe, expect, it } from "vitest";
import { bucketSeconds, chooseBucket } from "./buckets";
import { landing, parseHash, viewsOf } from "./routes";
import { nextSort, sortRows } from "./sorting";
import { placeNames } from "./sources";
import { addSample, sparkPath } from "./spark";
import { tileHref, tilesFor, zoomFor } from "./tiles";

describe("chart buckets", () => {
  it.each([
    [3_600_000, "1m"], [21_600_000, "1m"], [86_400_000, "5m"], [604_800_000, "30m"], [60_000, "1m"], [400 * 86_400_000, "1d"],
  ])("a range of %d ms gets %s", (range, bucket) => {
    expect(chooseBucket(range)).toBe(bucket);
    expect(range / 1000 / bucketSeconds(bucket)).toBeLessThanOrEqual(500);
  });
});

describe("routes", () => {
  it("parses hashes", () => {
    expect(parseHash("#/desk")).toBe("desk");
    expect(parseHash("#/wall?x=1")).toBe("wall");
    expect(parseHash("")).toBe("login");
    expect(parseHash("#/nope")).toBe("login");
  });
  it("lands each role on its first allowed view", () => {
    expect(landing("operator", "login")).toBe("wall");
    expect(landing("operator", "desk")).toBe("desk");
    expect(landing("operator", "integrators")).toBe("wall");
    expect(landing("official", "wall")).toBe("officials");
    expect(landing("integrator", "login")).toBe("integrators");
    expect(viewsOf("admin")).toEqual(["wall", "desk", "officials", "integrators"]);
  });
});

describe("sorting", () => {
  it("sorts numbers, Vietnamese text, and missing values last", () => {
    const rows = [{ v: 3 }, { v: null }, { v: 10 }];
    expect(sortRows(rows, (r) => r.v, "asc").map((r) => r.v)).toEqual([3, 10, null]);
    expect(sortRows(rows, (r) => r.v, "desc").map((r) => r.v)).toEqual([10, 3, null]);
    expect(sortRows(["Sở Y tế", "Sở Công Thương", "Sở Đối ngoại"], (s) => s, "asc")).toEqual(["Sở Công Thương", "Sở Đối ngoại", "Sở Y tế"]);
  });
  it("turns a column around on a second click", () => {
    expect(nextSort({ key: "a", direction: "asc" }, "a")).toEqual({ key: "a", direction: "desc" });
    expect(nextSort({ key: "a", direction: "asc" }, "b", "desc")).toEqual({ key: "b", direction: "desc" });
  });
});

describe("sparklines", () => {
  it("keeps an hour in time order, one sample per instant", () => {
    let s = addSample([], { t: 0, v: 1 });
    s = addSample(s, { t: 2_000_000, v: 2 });
    s = addSample(s, { t: 1_000_000, v: 3 });
    s = addSample(s, { t: 1_000_000, v: 4 });
    expect(s.map((x) => x.v)).toEqual([1, 4, 2]);
    expect(addSample(s, { t: 4_000_000, v: 5 }).map((x) => x.t)).toEqual([1_000_000, 2_000_000, 4_000_000]);
  });
  it("draws within the box, zero at the bottom", () => {
    const path = sparkPath([{ t: 0, v: 0 }, { t: 3_600_000, v: 10 }], 100, 50, 3_600_000);
    expect(path).toBe("M0.0,50.0L100.0,0.0");
    expect(sparkPath([], 100, 50, 0)).toBe("");
  });
});

describe("tiles", () => {
  it("covers a box with slippy tiles", () => {
    const z = zoomFor(0.85, 1200);
    expect(z).toBe(11);
    const tiles = tilesFor(107.2, 16.1, 108.1, 16.7, 10);
    expect(tiles.length).toBeGreaterThan(0);
    for (const tile of tiles) {
      expect(tile.west).toBeLessThan(tile.east);
      expect(tile.south).toBeLessThan(tile.north);
    }
    expect(tilesFor(100, 8, 110, 23, 12)).toEqual([]); // too many: none rather than hundreds of requests
    expect(tileHref("/t/{z}/{x}/{y}.png", { z: 1, x: 2, y: 3 })).toBe("/t/1/2/3.png");
  });
});

describe("place names", () => {
  it("keeps street names out of masking", () => {
    const names = placeNames([{ id: "x", feeds: ["traffic"], name: "Lê Lợi (Cầu Trường Tiền – Hà Nội)", unit_code: "HUE", lat: 0, lon: 0, extras: {} }]);
    expect(names).toEqual(expect.arrayContaining(["Lê Lợi", "Cầu Trường Tiền", "Hà Nội"]));
  });
});
