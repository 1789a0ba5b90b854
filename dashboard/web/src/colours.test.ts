import { describe, expect, it } from "vitest";
import { aqiReading, floodReading, LOS, losReading, overdueReading, textOn, worstLevel } from "./colours";

describe("VN_AQI categories (Decision 1459/QĐ-TCMT)", () => {
  it.each([
    [0, 0, "rgb(0,228,0)"], [50, 0, "rgb(0,228,0)"], [51, 1, "rgb(255,255,0)"], [100, 1, "rgb(255,255,0)"],
    [101, 2, "rgb(255,126,0)"], [150, 2, "rgb(255,126,0)"], [151, 3, "rgb(255,0,0)"], [200, 3, "rgb(255,0,0)"],
    [201, 4, "rgb(143,63,151)"], [300, 4, "rgb(143,63,151)"], [301, 5, "rgb(126,0,35)"], [500, 5, "rgb(126,0,35)"],
  ])("AQI %d is category %d, %s", (aqi, category, colour) => {
    expect(aqiReading(aqi)).toMatchObject({ category, colour });
  });

  it("rounds a fractional index before choosing", () => {
    expect(aqiReading(50.4).category).toBe(0);
    expect(aqiReading(50.6).category).toBe(1);
  });
});

describe("flood alarm levels", () => {
  const alarms = [1.0, 2.0, 3.5];
  it.each([[0.99, 0], [1.0, 1], [1.99, 1], [2.0, 2], [3.49, 2], [3.5, 3], [6, 3]])("%d m is level %d", (level, category) => {
    expect(floodReading(level, alarms).category).toBe(category);
  });
  it("maps alarm III to the severe level", () => {
    expect(floodReading(4, alarms).level).toBe("severe");
    expect(floodReading(0.5, alarms).level).toBe("normal");
  });
});

describe("traffic level of service", () => {
  // the cases of tests/unit/ioc/indicators/test_traffic.py: both sides grade alike
  it.each([[40, "A"], [34.4, "A"], [34, "B"], [26.9, "B"], [26.8, "C"], [20.1, "C"], [20, "D"], [16.1, "D"], [16, "E"],
    [12.1, "E"], [12, "F"], [0, "F"]])(
    "%d km/h of 40 free-flow is LOS %s", (speed, los) => {
      expect(LOS[losReading(speed, 40).category]).toBe(los);
    },
  );
});

describe("levels", () => {
  it("takes the worst", () => {
    expect(worstLevel(["normal", "high", "elevated"])).toBe("high");
    expect(worstLevel([])).toBe("unknown");
  });
  it("grades overdue dossiers", () => {
    expect([0, 1, 5, 10].map((n) => overdueReading(n).level)).toEqual(["normal", "elevated", "high", "severe"]);
  });
  it("picks readable text", () => {
    expect(textOn("rgb(255,255,0)")).toBe("#000");
    expect(textOn("rgb(126,0,35)")).toBe("#fff");
  });
});
