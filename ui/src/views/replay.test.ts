import { describe, expect, it } from "vitest";
import { rfc3339Micros } from "./ReplayView";

describe("replay cursor times", () => {
  it("keeps every microsecond of a histogram click", () => {
    expect(rfc3339Micros(1_793_491_200_123_456)).toBe("2026-11-01T00:00:00.123456Z");
    expect(rfc3339Micros(1_793_491_200_000_001)).toBe("2026-11-01T00:00:00.000001Z");
  });
});
