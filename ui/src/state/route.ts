import { useSyncExternalStore } from "react";
import { DEFAULT_VIEW, formatRoute, parseRoute, type Route, type ViewId } from "../routing";

/** Fired after `replaceState`, which (unlike a hash assignment) fires no `hashchange`. */
const ROUTE_EVENT = "trailview:route";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  window.addEventListener(ROUTE_EVENT, onChange);
  return () => {
    window.removeEventListener("hashchange", onChange);
    window.removeEventListener(ROUTE_EVENT, onChange);
  };
}

// One parsed Route per distinct hash, so useSyncExternalStore sees a stable snapshot.
let cachedHash: string | null = null;
let cachedRoute: Route = parseRoute("");

export function currentRoute(): Route {
  const hash = window.location.hash;
  if (hash !== cachedHash) {
    cachedHash = hash;
    cachedRoute = parseRoute(hash);
  }
  return cachedRoute;
}

const SERVER_ROUTE = parseRoute(`#/${DEFAULT_VIEW}`);

/** The route in the URL; re-renders on back/forward and on {@link navigate}. */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, currentRoute, () => SERVER_ROUTE);
}

export interface NavigateOptions {
  /**
   * Replace the current history entry instead of adding one: for moves that are not a place of
   * their own (the keyboard selection walking rows, the tenant chosen by default).
   */
  replace?: boolean;
}

/** Goes to a route built from the current one; a no-op when nothing changes. */
export function navigate(
  change: Partial<Route> | ((route: Route) => Route),
  { replace = false }: NavigateOptions = {},
): void {
  const current = currentRoute();
  const next = typeof change === "function" ? change(current) : { ...current, ...change };
  const hash = formatRoute(next);
  if (hash === window.location.hash) return;
  if (replace) {
    window.history.replaceState(window.history.state, "", hash);
    window.dispatchEvent(new Event(ROUTE_EVENT));
  } else {
    window.location.hash = hash;
  }
}

/** The current view, read from and written to the URL hash (so history and deep links work). */
export function useView(): [ViewId, (view: ViewId) => void] {
  const route = useRoute();
  return [route.view, (view: ViewId) => navigate({ view })];
}
