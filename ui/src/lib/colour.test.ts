import { describe, expect, it } from "vitest";
import { HUES, hash32, sourceHue } from "./colour";

describe("source colours", () => {
  it("hash with FNV-1a (32-bit), stable across runs", () => {
    expect(hash32("")).toBe(0x811c9dc5);
    expect(hash32("a")).toBe(0xe40c292c);
    expect(hash32("foobar")).toBe(0xbf9cf968);
  });

  it("give one of the fixed hues, the same one every time", () => {
    for (const source of ["axis", "contracts.compiler", "/identity/accounts", "proj-x/module-y", "ü"]) {
      const hue = sourceHue(source);
      expect(hue).toBe(sourceHue(source));
      expect(hue % (360 / HUES)).toBe(0);
      expect(hue).toBeGreaterThanOrEqual(0);
      expect(hue).toBeLessThan(360);
    }
  });

  it("spread similar names over many hues", () => {
    const names = Array.from({ length: 40 }, (_, i) => `product-${i}`);
    const hues = new Set(names.map(sourceHue));
    expect(hues.size).toBeGreaterThanOrEqual(18);
  });

  it("tell apart names that differ in one character", () => {
    const pairs = [
      ["actiontrail/desktop", "actiontrail/desktoq"],
      ["contracts.deployer", "contracts.deployes"],
    ] as const;
    const differing = pairs.filter(([a, b]) => sourceHue(a) !== sourceHue(b));
    expect(differing.length).toBeGreaterThan(0);
  });
});
