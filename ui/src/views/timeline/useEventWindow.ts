import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useReducer, useRef } from "react";
import type { EventFilter } from "../../bindings/EventFilter";
import type { EventPage } from "../../bindings/EventPage";
import type { EventsRequest } from "../../bindings/EventsRequest";
import { useBackend } from "../../backend";
import {
  type Anchor,
  anchorRequests,
  emptyWindow,
  type EventWindow,
  type LoadDir,
  nextRequest,
  PAGE_SIZE,
  prevRequest,
  reduceWindow,
  refreshRequest,
} from "../../lib/paging";

/**
 * The timeline's rows for a filter and anchor: anchors (one or two pages in parallel), then
 * loads a page before/after on demand. Pages go through TanStack Query (`["events", request,
 * version]`), so a page asked for twice is fetched once and going back to a place is instant.
 */
export function useEventWindow(
  filter: EventFilter | null,
  anchor: Anchor,
  /** The store's `last_seq`: a new value re-anchors (the store grew). */
  version: number,
): {
  window: EventWindow;
  /** Loads the next page in `dir` if there may be one; `force` retries after an error. */
  load: (dir: LoadDir, force?: boolean) => void;
  /** Anchors again (after an anchor error). */
  reanchor: () => void;
  /**
   * Live: re-reads the rows from index `from` on (what is on screen) and splices them in,
   * keeping the rows above, the scroll position and the selection; resolves when applied.
   */
  refresh: (from: number) => Promise<void>;
} {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const key = filter ? JSON.stringify([filter, anchor, version]) : "";
  const [state, dispatch] = useReducer(
    (w: EventWindow, a: Parameters<typeof reduceWindow>[1]) => reduceWindow(w, a),
    key,
    emptyWindow,
  );
  const latest = useRef(state);
  latest.current = state;
  const [attempt, bumpAttempt] = useReducer((n: number) => n + 1, 0);

  const fetchPage = useCallback(
    (req: EventsRequest): Promise<EventPage> =>
      queryClient.fetchQuery({
        queryKey: ["events", req, version],
        queryFn: () => backend.events(req),
        staleTime: Number.POSITIVE_INFINITY, // the version in the key retires stale pages
      }),
    [backend, queryClient, version],
  );

  useEffect(() => {
    if (!filter) return;
    dispatch({ type: "anchor", key });
    const reqs = anchorRequests(filter, anchor, PAGE_SIZE);
    Promise.all([
      reqs.after ? fetchPage(reqs.after) : Promise.resolve(undefined),
      reqs.before ? fetchPage(reqs.before) : Promise.resolve(undefined),
    ]).then(
      ([after, before]) =>
        dispatch({
          type: "anchored",
          key,
          ...(after ? { after } : {}),
          ...(before ? { before } : {}),
          limit: PAGE_SIZE,
        }),
      (error: unknown) => dispatch({ type: "failed", key, dir: "anchor", error }),
    );
    // `key` stands for filter + anchor + version (the objects themselves change identity).
  }, [key, attempt, fetchPage]);

  const load = useCallback(
    (dir: LoadDir, force = false) => {
      const w = latest.current;
      if (!filter || w.key !== key) return;
      if (w.error[dir] && !force) return; // stopped until the person retries
      const req = dir === "after" ? nextRequest(filter, w) : prevRequest(filter, w);
      if (!req) return;
      // Mark it loading in the ref too, so a second call in the same frame does not double it.
      latest.current = { ...w, loading: { ...w.loading, [dir]: true } };
      dispatch({ type: "request", key, dir });
      fetchPage(req).then(
        (page) => dispatch({ type: "loaded", key, dir, page, limit: PAGE_SIZE }),
        (error: unknown) => dispatch({ type: "failed", key, dir, error }),
      );
    },
    [filter, key, fetchPage],
  );

  const refresh = useCallback(
    async (from: number) => {
      const w = latest.current;
      if (!filter || w.key !== key) return;
      const r = refreshRequest(filter, w, from, PAGE_SIZE);
      if (!r) return;
      try {
        // Straight to the backend: a cached page is exactly what this must not answer.
        const page = await backend.events(r.req);
        dispatch({ type: "refreshed", key, start: r.start, page, limit: PAGE_SIZE });
      } catch {
        // The next notice tries again; the rows on screen stay as they were.
      }
    },
    [backend, filter, key],
  );

  return { window: state, load, reanchor: bumpAttempt, refresh };
}
