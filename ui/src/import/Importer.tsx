import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import { useBackend } from "../backend";
import { ErrorNotice } from "../components/ErrorNotice";
import { CURRENT_STORE_KEY, isBundleName, notABundle, openBundle } from "../bundle/session";
import type { CurrentStore } from "../bindings/CurrentStore";
import { fileFraction, importTotals, ratePerSecond, useImportStore } from "./state";

/** How often the views re-read while an import commits rows (they show them as they land). */
const REFRESH_MS = 750;

/**
 * Starting an import: from paths (dropped files), or through the native dialog. One at a time;
 * while one runs, the others are ignored (the button says so). Rows show while it goes on: each
 * commit the progress reports makes the views re-read, at most every {@link REFRESH_MS}.
 */
export function useImporter(): { choose: () => void; start: (paths: string[]) => void; running: boolean } {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const running = useImportStore((s) => s.state.status === "running");

  const start = useCallback(
    (paths: string[]) => {
      const store = useImportStore.getState();
      if (paths.length === 0 || store.state.status === "running") return;
      // A bundle (.trail) is opened, read-only, in place of the store, never ingested.
      const bundle = paths.find(isBundleName);
      if (bundle !== undefined) {
        void openBundle(backend, queryClient, { path: bundle });
        return;
      }
      if (queryClient.getQueryData<CurrentStore>(CURRENT_STORE_KEY)?.read_only) {
        store.set({ status: "failed", paths, error: notABundle(paths, true) });
        return;
      }
      const startedAt = performance.now();
      store.set({ status: "running", paths, startedAt, progress: null, finished: [] });
      let committed = 0;
      let refreshedAt = 0;
      const stop = backend.onIngestProgress((p) => {
        useImportStore.getState().progress(p);
        const now = performance.now();
        if (p.committed !== committed && now - refreshedAt >= REFRESH_MS) {
          committed = p.committed;
          refreshedAt = now;
          void queryClient.invalidateQueries();
        }
      });
      backend
        .ingestFiles(paths)
        .then((summary) => {
          const seconds = (performance.now() - startedAt) / 1000;
          useImportStore.getState().set({ status: "done", paths, summary, seconds });
        })
        .catch((error: unknown) => useImportStore.getState().set({ status: "failed", paths, error }))
        .finally(() => {
          stop();
          void queryClient.invalidateQueries();
        });
    },
    [backend, queryClient],
  );

  const choose = useCallback(() => {
    if (useImportStore.getState().state.status === "running") return;
    backend
      .chooseFiles()
      .then((paths) => {
        if (paths) start(paths);
      })
      .catch((error: unknown) => useImportStore.getState().set({ status: "failed", paths: [], error }));
  }, [backend, start]);

  return { choose, start, running };
}

/**
 * Desktop only: File → Open Files…, Ctrl+O and files dropped on the window start an import; the
 * strip under the filter bar shows it (progress, counts, rate, quarantined so far) and its
 * summary. The window stays usable throughout: the import runs on the backend's writer thread.
 */
export function ImportController() {
  const backend = useBackend();
  const { choose, start } = useImporter();
  const latest = useRef({ choose, start });
  latest.current = { choose, start };

  useEffect(
    () =>
      backend.onOpenRequest({
        menu: () => latest.current.choose(),
        drop: (paths) => latest.current.start(paths),
      }),
    [backend],
  );
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "o") {
        event.preventDefault();
        latest.current.choose();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return <ImportStatus />;
}

const n = (v: number) => v.toLocaleString("en-US");

/** The import strip: nothing when idle. */
export function ImportStatus() {
  const state = useImportStore((s) => s.state);
  const dismiss = useImportStore((s) => s.dismiss);
  if (state.status === "idle") return null;
  if (state.status === "failed") {
    return (
      <section className="import-status" aria-label="Import">
        <ErrorNotice error={state.error} action={state.paths.length > 0 ? "import these files" : "open files"} />
        <button type="button" className="button button-quiet" onClick={dismiss}>
          Dismiss
        </button>
      </section>
    );
  }
  if (state.status === "done") {
    const { summary, seconds } = state;
    return (
      <section className="import-status" aria-label="Import" data-testid="import-summary">
        <p role="status">
          Imported {summary.files.length === 1 ? "1 file" : `${n(summary.files.length)} files`} in{" "}
          {seconds.toFixed(1)} s: <strong>{n(summary.accepted)}</strong> stored, {n(summary.duplicates)} already
          there, {n(summary.quarantined)} quarantined
          {summary.quarantined > 0 ? " (refused records are kept with their reason)" : ""}.
        </p>
        <button type="button" className="button button-quiet" onClick={dismiss}>
          Dismiss
        </button>
      </section>
    );
  }
  const totals = importTotals(state);
  const seconds = (performance.now() - state.startedAt) / 1000;
  const rate = ratePerSecond(totals.records, seconds);
  const fraction = fileFraction(state.progress);
  const file = state.progress?.path ?? state.paths[0] ?? "";
  const index = state.finished.length + 1;
  return (
    <section className="import-status" aria-label="Import" aria-busy="true" data-testid="import-progress">
      <div className="import-line">
        <span className="import-file" title={file}>
          Importing {state.paths.length > 1 ? `(${index} of ${state.paths.length}) ` : ""}
          {file}
        </span>
        <span role="status">
          {n(totals.accepted)} stored · {n(totals.duplicates)} duplicate · {n(totals.quarantined)} quarantined
          {rate !== null ? ` · ${n(rate)} records/s` : ""}
        </span>
      </div>
      <progress
        className="import-bar"
        aria-label="Import progress of the current file"
        max={1}
        value={fraction ?? undefined}
      />
    </section>
  );
}
