import { describe, expect, it } from "vitest";
import { ELLIPSIS, middleTruncate } from "./truncate";

describe("middleTruncate", () => {
  it("leaves text that fits untouched", () => {
    expect(middleTruncate("evt-123", 7)).toBe("evt-123");
    expect(middleTruncate("", 3)).toBe("");
  });

  it("keeps both ends of a long id, the start taking the odd character", () => {
    const id = "0190c3a2-7d4e-7b11-9f3a-5c2e8d1b6a40";
    const short = middleTruncate(id, 13);
    expect(short).toBe(`0190c3${ELLIPSIS}1b6a40`);
    expect(Array.from(short)).toHaveLength(13);
    expect(middleTruncate("abcdefghij", 6)).toBe(`abc${ELLIPSIS}ij`);
  });

  it("never splits a surrogate pair", () => {
    const text = "😀😀😀😀😀😀😀😀";
    const short = middleTruncate(text, 5);
    expect(short).toBe(`😀😀${ELLIPSIS}😀😀`);
    // encodeURIComponent throws on a lone surrogate.
    expect(() => encodeURIComponent(short)).not.toThrow();
  });

  it("degrades to a prefix when there is no room around the ellipsis", () => {
    expect(middleTruncate("abcdef", 1)).toBe("a");
    expect(middleTruncate("abcdef", 0)).toBe("");
    expect(middleTruncate("abcdef", 2)).toBe(`a${ELLIPSIS}`);
  });
});
