import { describe, expect, it } from "vitest";
import type { WaterStatus } from "../api";
import { waterTrend } from "./describe";

const status = (over: Partial<WaterStatus>): WaterStatus => ({
  level: 1.36, alarm: 1, rate_cm_h: 48, hours_to_next: 1.54, rain_mm: { "1h": 2.5, "3h": 7.5, "12h": 30, "24h": 52.5 },
  rain_class_12h: "heavy", rain_class_24h: "heavy", ...over,
});

describe("a gauge's trend in words", () => {
  it("says when the next alarm level comes at the current rate", () => {
    expect(waterTrend(status({}), "vi")).toBe("Lên 48,0 cm/giờ, tới báo động II sau 1,5 giờ\nMưa 24 giờ: 52,5 mm (mưa to)");
    expect(waterTrend(status({}), "en")).toBe("Rising 48.0 cm/h, alarm level II in 1.5 h\nRain over 24 h: 52.5 mm (heavy)");
  });
  it("gives only the rate when no level comes, and only the rain without a rate", () => {
    expect(waterTrend(status({ rate_cm_h: -12, hours_to_next: null }), "en").split("\n")[0]).toBe("Changing -12.0 cm/h");
    expect(waterTrend(status({ rate_cm_h: null, hours_to_next: null }), "en")).toBe("Rain over 24 h: 52.5 mm (heavy)");
  });
});
