import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, hashForView, VIEWS, viewFromHash } from "./routing";

describe("view routing", () => {
  it("lists the rail's views in order", () => {
    expect(VIEWS.map((v) => v.label)).toEqual([
      "Timeline",
      "Approvals",
      "Graph",
      "Replay",
      "Sources",
      "Integrity",
    ]);
  });

  it("round-trips every view through the hash", () => {
    for (const { id } of VIEWS) expect(viewFromHash(hashForView(id))).toBe(id);
  });

  it("ignores the rest of a deep link and falls back on unknown views", () => {
    expect(viewFromHash("#/graph?tenant=acme&event=42")).toBe("graph");
    expect(viewFromHash("#/replay/abc")).toBe("replay");
    expect(viewFromHash("")).toBe(DEFAULT_VIEW);
    expect(viewFromHash("#/nope")).toBe(DEFAULT_VIEW);
    expect(viewFromHash("#main")).toBe(DEFAULT_VIEW);
  });
});
