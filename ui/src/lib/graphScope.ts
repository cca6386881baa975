/**
 * Which graph a URL names, and the query key a graph is cached under, shared by the Graph view
 * and the Replay view (so moving between them reuses the one fetched graph).
 *
 * The `graph` operation takes exactly one of `correlation`, `trace`, `execution`, `event`. In the
 * URL, `correlation` and `execution` are filter chips, `trace` is the route's own field (the
 * timeline's filter has no trace), and `event` is the open event: on its own it names the
 * connected component around that event; next to another scope it is only the selected node.
 */
import type { GraphRequest } from "../bindings/GraphRequest";
import type { Route } from "../routing";

export type GraphScopeKind = "correlation" | "trace" | "execution" | "event";

export interface GraphScope {
  kind: GraphScopeKind;
  id: string;
}

/** The graph scope a route names (correlation, then execution, then trace, then event). */
export function graphScopeOf(route: Pick<Route, "filters" | "trace" | "event">): GraphScope | null {
  if (route.filters.correlation) return { kind: "correlation", id: route.filters.correlation };
  if (route.filters.execution) return { kind: "execution", id: route.filters.execution };
  if (route.trace) return { kind: "trace", id: route.trace };
  if (route.event) return { kind: "event", id: route.event };
  return null;
}

/** The `graph` request for a scope of a tenant. */
export function graphRequest(tenant: string, scope: GraphScope): GraphRequest {
  return { tenant, [scope.kind]: scope.id };
}

/** The TanStack Query key of a `graph` request: equal requests share one cached graph. */
export function graphQueryKey(req: GraphRequest): readonly unknown[] {
  return [
    "graph",
    req.tenant,
    req.correlation ?? null,
    req.execution ?? null,
    req.trace ?? null,
    req.event ?? null,
    req.max_nodes ?? null,
  ];
}
