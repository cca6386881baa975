import { useCallback, useSyncExternalStore } from "react";
import { DEFAULT_VIEW, hashForView, type ViewId, viewFromHash } from "../routing";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

/** The current view, read from and written to the URL hash (so history and deep links work). */
export function useView(): [ViewId, (view: ViewId) => void] {
  const view = useSyncExternalStore(
    subscribe,
    () => viewFromHash(window.location.hash),
    () => DEFAULT_VIEW,
  );
  const go = useCallback((next: ViewId) => {
    const hash = hashForView(next);
    if (window.location.hash !== hash) window.location.hash = hash;
  }, []);
  return [view, go];
}
