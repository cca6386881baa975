import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useBackend } from "../backend";
import { LiveBatcher } from "../lib/live";
import { useLive } from "../state/live";
import { CURRENT_STORE_KEY, useReadOnly } from "../bundle/session";
import type { CurrentStore } from "../bindings/CurrentStore";

/**
 * Follows the store while the window is open: subscribes to the backend's `appended` notices
 * (any process appending: `trailview listen`, `watch`, `ingest`, `serve --ingest`), batches
 * them (at most one refresh per 250 ms; none while paused) and, per refresh, drops cached event
 * pages, re-reads the stats (count, histogram range) and bumps `tick`, on which the timeline
 * re-reads the rows on screen. Renders nothing.
 */
export function LiveController() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const batcher = new LiveBatcher(() => {
      // Pages are cached forever under a version; after an append they may be short of rows.
      queryClient.removeQueries({ queryKey: ["events"] });
      void queryClient.invalidateQueries({ queryKey: ["stats"] });
      useLive.setState((s) => ({ tick: s.tick + 1 }));
    });
    const stopSnap = batcher.subscribe(() => useLive.setState(batcher.snapshot()));
    useLive.setState({
      ...batcher.snapshot(),
      connected: true,
      pause: () => batcher.pause(),
      resume: () => batcher.resume(),
    });
    const stop = backend.onAppended((notice) => {
      // Notices are about the user's own store; while a bundle is shown in its place they say
      // nothing about what is on screen (closing the bundle re-reads everything anyway).
      if (queryClient.getQueryData<CurrentStore>(CURRENT_STORE_KEY)?.read_only) return;
      batcher.notice(notice);
    });
    return () => {
      stop();
      stopSnap();
      batcher.dispose();
      useLive.setState({ connected: false, pause: () => {}, resume: () => {} });
    };
  }, [backend, queryClient]);
  return null;
}

/** "Live · 1,234 new" with a pulse, or "Paused · 12 waiting", and the pause/resume button. */
export function LiveIndicator() {
  const connected = useLive((s) => s.connected);
  const paused = useLive((s) => s.paused);
  const applied = useLive((s) => s.applied);
  const pending = useLive((s) => s.pending);
  const pause = useLive((s) => s.pause);
  const resume = useLive((s) => s.resume);
  const readOnly = useReadOnly();
  if (!connected || readOnly) return null;
  const n = (v: number) => v.toLocaleString("en-US");
  return (
    <div className="live" data-testid="live">
      <span
        className={paused ? "live-state live-paused" : "live-state"}
        data-testid="live-indicator"
        title="Events appended to the store (any tenant, any process) since this page opened"
      >
        <span className={paused ? "live-dot" : "live-dot live-pulse"} aria-hidden="true" />
        {paused ? (
          <>
            Paused · <span data-testid="live-pending">{n(pending)}</span> waiting
          </>
        ) : (
          <>
            Live · <span data-testid="live-applied">{n(applied)}</span> new
          </>
        )}
      </span>
      <button
        type="button"
        className="button button-small"
        data-testid="live-toggle"
        aria-pressed={paused}
        onClick={paused ? resume : pause}
        title={paused ? "Show the events that arrived while paused" : "Hold new events back"}
      >
        {paused ? "Resume" : "Pause"}
      </button>
    </div>
  );
}
