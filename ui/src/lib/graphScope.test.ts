import { describe, expect, it } from "vitest";
import { parseRoute } from "../routing";
import { graphQueryKey, graphRequest, graphScopeOf } from "./graphScope";

describe("the graph scope a URL names", () => {
  it("reads every scope the graph operation takes", () => {
    expect(graphScopeOf(parseRoute("#/graph?tenant=t&correlation=c1"))).toEqual({ kind: "correlation", id: "c1" });
    expect(graphScopeOf(parseRoute("#/graph?tenant=t&execution=x1"))).toEqual({ kind: "execution", id: "x1" });
    expect(graphScopeOf(parseRoute("#/graph?tenant=t&trace=4bf92f35"))).toEqual({ kind: "trace", id: "4bf92f35" });
    expect(graphScopeOf(parseRoute("#/graph?tenant=t&event=e1"))).toEqual({ kind: "event", id: "e1" });
    expect(graphScopeOf(parseRoute("#/graph?tenant=t"))).toBeNull();
  });

  it("next to a chain, execution or trace, `event` is only the selected node", () => {
    expect(graphScopeOf(parseRoute("#/graph?tenant=t&correlation=c1&event=e1"))).toEqual({ kind: "correlation", id: "c1" });
    expect(graphScopeOf(parseRoute("#/graph?tenant=t&trace=tr&event=e1"))).toEqual({ kind: "trace", id: "tr" });
  });

  it("asks for exactly one scope, and caches equal requests under one key", () => {
    expect(graphRequest("acme", { kind: "trace", id: "tr" })).toEqual({ tenant: "acme", trace: "tr" });
    expect(graphRequest("", { kind: "event", id: "e" })).toEqual({ tenant: "", event: "e" });
    const k = graphQueryKey({ tenant: "acme", trace: "tr" });
    expect(graphQueryKey(graphRequest("acme", { kind: "trace", id: "tr" }))).toEqual(k);
    expect(graphQueryKey({ tenant: "acme", correlation: "tr" })).not.toEqual(k);
    expect(graphQueryKey({ tenant: "other", trace: "tr" })).not.toEqual(k);
  });
});
