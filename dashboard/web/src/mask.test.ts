import { describe, expect, it } from "vitest";
import { maskId, maskName, maskText } from "./mask";

describe("mask", () => {
  it("keeps the first letter of each word of a name", () => {
    expect(maskName("Nguyễn Văn An")).toBe("N*** V*** A***");
    expect(maskName("  Đặng   Thị Ánh  ")).toBe("Đ*** T*** Á***");
  });

  it("keeps the last three digits of an ID number", () => {
    expect(maskId("079203001234")).toBe("*********234");
    expect(maskId("12")).toBe("12");
  });

  it("masks names and ID numbers in free text", () => {
    expect(maskText("Công dân Nguyễn Văn An, CCCD 079203001234, phản ánh ngập")).toBe(
      "Công dân N*** V*** A***, CCCD *********234, phản ánh ngập",
    );
  });

  it("leaves known place names, other numbers and codes alone", () => {
    const keep = ["Lê Lợi", "Trạm Phú Hội"];
    expect(maskText("Ùn tắc trên Lê Lợi: 12 km/h, hồ sơ 000.00.20.H57-250101-0001", keep)).toBe(
      "Ùn tắc trên Lê Lợi: 12 km/h, hồ sơ 000.00.20.H57-250101-0001",
    );
    expect(maskText("PM2.5 tại Trạm Phú Hội vượt 50 µg/m³", keep)).toBe("PM2.5 tại Trạm Phú Hội vượt 50 µg/m³");
  });

  it("masks a person even next to a kept place", () => {
    expect(maskText("Trần Thị Bình báo ngập ở Lê Lợi", ["Lê Lợi"])).toBe("T*** T*** B*** báo ngập ở Lê Lợi");
  });
});
