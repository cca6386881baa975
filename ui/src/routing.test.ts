import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, formatRoute, hashForView, parseRoute, VIEWS, viewFromHash } from "./routing";

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

describe("deep links", () => {
  it("carry tenant, filters, anchor and open event, and read back the same", () => {
    const route = {
      view: "timeline" as const,
      tenant: "acme",
      filters: { type: "approval.*", user: "user_103", since: "2026-11-01T00:00:00.000000Z" },
      at: { kind: "time" as const, us: 1_793_491_204_109_123 },
      event: "evt-1",
    };
    const hash = formatRoute(route);
    expect(hash).toBe(
      "#/timeline?tenant=acme&type=approval.*&user=user_103&since=2026-11-01T00%3A00%3A00.000000Z&at=1793491204109123&event=evt-1",
    );
    expect(parseRoute(hash)).toEqual(route);
  });

  it("carry a trace scope apart from the filter chips, and only when set", () => {
    const hash = "#/graph?tenant=acme&trace=4bf92f3577b34da6a3ce929d0e0e4736&event=evt-1";
    const route = parseRoute(hash);
    expect(route.trace).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(route.filters).toEqual({});
    expect(formatRoute(route)).toBe(hash);
    expect(formatRoute({ ...route, trace: null })).toBe("#/graph?tenant=acme&event=evt-1");
    expect("trace" in parseRoute("#/graph?tenant=acme")).toBe(false);
  });

  it("keep the personal (empty) tenant apart from no tenant at all", () => {
    const personal = formatRoute({ view: "timeline", tenant: "", filters: {}, at: null, event: null });
    expect(personal).toBe("#/timeline?tenant=");
    expect(parseRoute(personal).tenant).toBe("");
    expect(parseRoute("#/timeline").tenant).toBeNull();
  });

  it("read the anchor: start by default, the end, or an instant; nonsense is the start", () => {
    expect(parseRoute("#/timeline?at=end").at).toEqual({ kind: "end" });
    expect(parseRoute("#/timeline?at=42").at).toEqual({ kind: "time", us: 42 });
    expect(parseRoute("#/timeline?at=soon").at).toBeNull();
    expect(formatRoute({ view: "graph", tenant: null, filters: {}, at: { kind: "start" }, event: null })).toBe(
      "#/graph",
    );
  });

  it("escape what ids and values hold", () => {
    const event = "a&b=c #d <img src=x>";
    const route = { view: "timeline" as const, tenant: "t&t", filters: { user: "Ada L" }, at: null, event };
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });
});
