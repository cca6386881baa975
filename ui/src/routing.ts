/**
 * Views and their place in the URL. Everything a person would want a pasted link to restore is
 * in the hash: the view, the tenant, the filter chips, where the timeline is anchored and which
 * event is open, e.g. `#/timeline?tenant=acme&type=approval.*&at=1793491200000000&event=evt-1`.
 *
 * The hash (not the path) works the same from Tauri's custom protocol, from `trailview serve`
 * and from a pasted link, and back/forward move through it without a router.
 */
import { FILTER_KEYS, type Filters, normalizeFilters } from "./lib/filters";
import type { Anchor } from "./lib/paging";

export const VIEWS = [
  { id: "timeline", label: "Timeline" },
  { id: "approvals", label: "Approvals" },
  { id: "graph", label: "Graph" },
  { id: "replay", label: "Replay" },
  { id: "sources", label: "Sources" },
  { id: "integrity", label: "Integrity" },
] as const;

export type ViewId = (typeof VIEWS)[number]["id"];

export const DEFAULT_VIEW: ViewId = "timeline";

export function isViewId(value: string): value is ViewId {
  return VIEWS.some((v) => v.id === value);
}

/** The view named by a location hash such as `#/graph?tenant=acme`; unknown → the default. */
export function viewFromHash(hash: string): ViewId {
  const path = hash.replace(/^#\/?/, "").split(/[?/]/, 1)[0] ?? "";
  return isViewId(path) ? path : DEFAULT_VIEW;
}

export function hashForView(view: ViewId): string {
  return `#/${view}`;
}

/** Everything the URL holds. */
export interface Route {
  view: ViewId;
  /** The chosen tenant; `""` is the personal scope; `null` when the URL names none yet. */
  tenant: string | null;
  filters: Filters;
  /** Where the timeline's window is anchored; `null` = the start. */
  at: Anchor | null;
  /** The open event's id (within the tenant), if any. */
  event: string | null;
  /**
   * A trace id, for the views whose scope can be a trace (Graph, Replay). Not a filter chip: the
   * timeline's event filter has no trace, so it is kept apart from `filters`. Absent when unset.
   */
  trace?: string | null;
}

function anchorFromParam(value: string | null): Anchor | null {
  if (value === null || value === "" || value === "start") return null;
  if (value === "end") return { kind: "end" };
  if (/^-?\d+$/.test(value)) return { kind: "time", us: Number(value) };
  return null;
}

function anchorToParam(anchor: Anchor | null): string | null {
  if (!anchor || anchor.kind === "start") return null;
  return anchor.kind === "end" ? "end" : String(anchor.us);
}

export function parseRoute(hash: string): Route {
  const rest = hash.replace(/^#\/?/, "");
  const q = rest.indexOf("?");
  const params = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : "");
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value !== null && value !== "") filters[key] = value;
  }
  return {
    view: viewFromHash(hash),
    tenant: params.get("tenant"),
    filters,
    at: anchorFromParam(params.get("at")),
    event: params.get("event") || null,
    ...(params.get("trace") ? { trace: params.get("trace") } : {}),
  };
}

/** The hash for a route; keys in a fixed order, so equal routes give equal hashes. */
export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  if (route.tenant !== null) params.set("tenant", route.tenant);
  const filters = normalizeFilters(route.filters);
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value !== undefined) params.set(key, value);
  }
  if (route.trace) params.set("trace", route.trace);
  const at = anchorToParam(route.at);
  if (at !== null) params.set("at", at);
  if (route.event) params.set("event", route.event);
  const query = params.toString();
  return `${hashForView(route.view)}${query ? `?${query}` : ""}`;
}
