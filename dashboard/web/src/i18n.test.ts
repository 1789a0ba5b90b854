import { describe, expect, it } from "vitest";
import { t } from "./i18n";

describe("dictionary", () => {
  it("fills placeholders in either language", () => {
    expect(t("connStale", { time: "17:05:09" }, "vi")).toBe("dữ liệu cũ từ 17:05:09");
    expect(t("connStale", { time: "17:05:09" }, "en")).toBe("data stale since 17:05:09");
  });
  it("says live and lost as the tests look for", () => {
    expect(t("connLive", {}, "vi")).toBe("Trực tuyến");
    expect(t("connLost", {}, "en")).toBe("Connection lost");
  });
  it("leaves an unknown placeholder visible", () => {
    expect(t("connStale", {}, "vi")).toBe("dữ liệu cũ từ {time}");
  });
});
