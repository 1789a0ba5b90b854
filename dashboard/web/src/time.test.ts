import { describe, expect, it } from "vitest";
import { formatClock, formatDate, formatDateTime, formatNumber, formatHourMinute, formatWhen, localDay } from "./time";

describe("times in Asia/Ho_Chi_Minh", () => {
  it("shows UTC+7 on a 24-hour clock", () => {
    expect(formatClock(Date.parse("2026-11-24T10:05:09Z"))).toBe("17:05:09");
    expect(formatClock(Date.parse("2026-11-24T17:00:00Z"))).toBe("00:00:00");
  });
  it("puts the day first and changes the date at local midnight", () => {
    expect(formatDateTime("2026-11-24T17:30:00Z")).toBe("25/11/2026 00:30");
    expect(formatDate("2026-11-24T16:59:59Z")).toBe("24/11/2026");
  });
  it("names the local day as the API's day parameters do", () => {
    expect(localDay(Date.parse("2026-12-03T16:59:59Z"))).toBe("2026-12-03");
    expect(localDay(Date.parse("2026-12-03T17:00:00Z"))).toBe("2026-12-04");
    expect(formatHourMinute("2026-12-03T12:00:00Z")).toBe("19:00");
  });
  it("shows only the time for today", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(formatWhen("2026-11-24T09:00:00Z", now)).toBe("16:00:00");
    expect(formatWhen("2026-11-23T09:00:00Z", now)).toBe("23/11/2026 16:00");
  });
  it("formats numbers per language", () => {
    expect(formatNumber(1234.5, "vi", 1)).toBe("1.234,5");
    expect(formatNumber(1234.5, "en", 1)).toBe("1,234.5");
    expect(formatNumber(2.35, "vi")).toBe("2,4");
  });
});
