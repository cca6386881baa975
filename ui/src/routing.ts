/**
 * Views and their place in the URL. The view lives in the hash (`#/approvals`) so that it works
 * the same from Tauri's custom protocol, from `trailview serve` and from a pasted link, and so that
 * back/forward move between views without a router.
 */

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
