import { describe, expect, it } from "vitest";
import {
  axisLabel,
  boundToUs,
  formatAtOffset,
  formatOffset,
  formatRowTime,
  localOffsetMinutes,
  normalizeTimeBound,
  parseRfc3339Us,
  relativeTime,
  toRfc3339Utc,
} from "./time";

// 2026-11-01T00:00:04.109123Z: microseconds that a Date (milliseconds) cannot hold.
const US = 1_793_491_204_109_123;

describe("time formatting", () => {
  it("writes RFC 3339 UTC with microseconds, as the backend does", () => {
    expect(toRfc3339Utc(US)).toBe("2026-11-01T00:00:04.109123Z");
    expect(toRfc3339Utc(0)).toBe("1970-01-01T00:00:00.000000Z");
    // Before 1970 the sub-millisecond part still counts forward from the millisecond.
    expect(toRfc3339Utc(-1)).toBe("1969-12-31T23:59:59.999999Z");
  });

  it("shows the wall clock at an offset, with the offset", () => {
    expect(formatAtOffset(US, 60, "ms")).toBe("2026-11-01 01:00:04.109+01:00");
    expect(formatAtOffset(US, -330, "us")).toBe("2026-10-31 18:30:04.109123-05:30");
    expect(formatAtOffset(US, 0, "s")).toBe("2026-11-01 00:00:04Z");
  });

  it("names offsets", () => {
    expect(formatOffset(0)).toBe("+00:00");
    expect(formatOffset(0, true)).toBe("Z");
    expect(formatOffset(345)).toBe("+05:45");
    expect(formatOffset(-210)).toBe("-03:30");
  });

  it("writes the row's offset only when it differs from the column header's", () => {
    expect(formatRowTime(US, true, 0)).toBe("2026-11-01 00:00:04.109");
    const local = localOffsetMinutes(US);
    expect(formatRowTime(US, false, local)).toBe(formatAtOffset(US, local, "ms").slice(0, 23));
    // A row on the other side of a daylight-saving change (header one hour off):
    expect(formatRowTime(US, false, local + 60)).toBe(
      `${formatAtOffset(US, local, "ms").slice(0, 23)} ${formatOffset(local)}`,
    );
  });

  it("agrees with the platform about the local offset", () => {
    const ms = Math.floor(US / 1000);
    expect(localOffsetMinutes(US)).toBe(-new Date(ms).getTimezoneOffset() || 0);
  });

  it("says how long ago, coarsely, both ways", () => {
    const now = US + 3 * 60e6;
    expect(relativeTime(US, now)).toBe("3 min ago");
    expect(relativeTime(US, US + 10e6)).toBe("just now");
    expect(relativeTime(US, US + 2 * 3600e6)).toBe("2 h ago");
    expect(relativeTime(US, US + 21 * 86400e6)).toBe("21 d ago");
    expect(relativeTime(US + 5 * 86400e6, US)).toBe("in 5 d");
  });

  it("labels the histogram's axis by span", () => {
    expect(axisLabel(US, 7 * 86400e6, true)).toBe("11-01");
    expect(axisLabel(US, 2 * 86400e6, true)).toBe("11-01 00:00");
    expect(axisLabel(US, 3600e6, true)).toBe("00:00");
    expect(axisLabel(US, 60e6, true)).toBe("00:00:04");
    expect(axisLabel(US, 2e6, true)).toBe("00:00:04.109");
  });
});

describe("time parsing", () => {
  it("reads RFC 3339 with any offset as the same instant, to the microsecond", () => {
    expect(parseRfc3339Us("2026-11-01T00:00:04.109123Z")).toBe(US);
    expect(parseRfc3339Us("2026-11-01T01:00:04.109123+01:00")).toBe(US);
    expect(parseRfc3339Us("2026-10-31T19:00:04.109123456-05:00")).toBe(US); // ns truncated
    expect(parseRfc3339Us("2026-11-01T00:00:04Z")).toBe(US - 109_123);
  });

  it("refuses a time without an offset or that is not a time (never guesses)", () => {
    expect(parseRfc3339Us("2026-11-01T00:00:04")).toBeNull();
    expect(parseRfc3339Us("yesterday")).toBeNull();
    expect(parseRfc3339Us("")).toBeNull();
  });

  it("turns what a person types into a bound the API reads", () => {
    expect(normalizeTimeBound("2026-11-01T00:00:00Z")).toBe("2026-11-01T00:00:00Z");
    expect(normalizeTimeBound(" 1793491200000 ")).toBe("1793491200000");
    // Local forms get the viewer's offset written out, and mean local wall-clock time.
    const date = normalizeTimeBound("2026-11-01");
    expect(date).not.toBeNull();
    expect(boundToUs(date as string)).toBe(new Date(2026, 10, 1).getTime() * 1000);
    const minute = normalizeTimeBound("2026-11-01 14:30");
    expect(boundToUs(minute as string)).toBe(new Date(2026, 10, 1, 14, 30).getTime() * 1000);
    const fine = normalizeTimeBound("2026-11-01T14:30:05.123456");
    expect(boundToUs(fine as string)).toBe(new Date(2026, 10, 1, 14, 30, 5, 123).getTime() * 1000 + 456);
    expect(normalizeTimeBound("2026-02-30")).toBeNull();
    expect(normalizeTimeBound("last tuesday")).toBeNull();
  });

  it("reads bounds back in µs: epoch milliseconds or RFC 3339", () => {
    expect(boundToUs("1793491200000")).toBe(1_793_491_200_000_000);
    expect(boundToUs("2026-11-01T00:00:04.109123Z")).toBe(US);
    expect(boundToUs("soon")).toBeNull();
  });
});
