import { describe, expect, it } from "vitest";
import { parseRoute } from "../routing";
import { graphRequestOf, rfc3339Micros, scopeOf } from "./ReplayView";

describe("replay cursor times", () => {
  it("keeps every microsecond of a histogram click", () => {
    expect(rfc3339Micros(1_793_491_200_123_456)).toBe("2026-11-01T00:00:00.123456Z");
    expect(rfc3339Micros(1_793_491_200_000_001)).toBe("2026-11-01T00:00:00.000001Z");
  });
});

describe("replay scopes and their graph", () => {
  it("replays a correlation chain, an execution, a trace or a window, and graphs all but the window", () => {
    const of = (hash: string) => {
      const s = scopeOf(parseRoute(hash));
      return s && { kind: s.kind, graph: graphRequestOf("acme", s) };
    };
    expect(of("#/replay?tenant=acme&correlation=c1")).toEqual({ kind: "correlation", graph: { tenant: "acme", correlation: "c1" } });
    expect(of("#/replay?tenant=acme&execution=x1")).toEqual({ kind: "execution", graph: { tenant: "acme", execution: "x1" } });
    expect(of("#/replay?tenant=acme&trace=tr1")).toEqual({ kind: "trace", graph: { tenant: "acme", trace: "tr1" } });
    expect(of("#/replay?tenant=acme&since=2026-11-01T00%3A00%3A00Z&until=2026-11-02T00%3A00%3A00Z")).toEqual({
      kind: "window",
      graph: null,
    });
    expect(of("#/replay?tenant=acme")).toBeNull();
  });
});
