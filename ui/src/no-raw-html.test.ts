import { describe, expect, it } from "vitest";

// Event payloads are untrusted text: React escapes it as long as nothing injects raw HTML.
// (The needle is split so this file does not match itself.)
const NEEDLE = ["dangerously", "SetInnerHTML"].join("");
const sources = import.meta.glob<string>(["./**/*.ts", "./**/*.tsx", "!./**/*.test.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

describe("payload text is rendered as text", () => {
  it("reads the UI's sources", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
  });

  it.each(Object.keys(sources))("%s injects no raw HTML", (file) => {
    expect(sources[file]).not.toContain(NEEDLE);
    expect(sources[file]).not.toMatch(/\.innerHTML\s*=/);
  });
});
