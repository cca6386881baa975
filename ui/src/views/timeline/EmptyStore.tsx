import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import type { IngestProgress } from "../../bindings/IngestProgress";
import { useBackend } from "../../backend";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";

/** Events the demo data set has (the API's default, said here so the button can say it). */
const DEMO_EVENTS = 20_000;

/**
 * An empty store invites the two ways in: the demo data set (deterministic, all dialects) and,
 * in the desktop window, files by path. In a browser the page cannot name local files, so it
 * says how to ingest them with the CLI instead.
 */
export function EmptyStore() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const demo = useMutation({
    mutationFn: () => backend.loadDemo(DEMO_EVENTS),
    // Everything read so far described an empty store.
    onSuccess: () => queryClient.invalidateQueries(),
  });
  return (
    <EmptyState title="This store is empty">
      <p>
        Trailview shows events once they are in the store. Load the demo data to look around: {DEMO_EVENTS.toLocaleString("en-US")} events
        from six products in all their dialects, with approvals, correlation chains and personal
        timelines.
      </p>
      <div className="empty-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={demo.isPending}
          onClick={() => demo.mutate()}
        >
          {demo.isPending ? "Loading demo data…" : "Load demo data"}
        </button>
        {backend.kind === "tauri" && <OpenFiles />}
      </div>
      {demo.isPending && (
        <p className="muted" role="status">
          Writing {DEMO_EVENTS.toLocaleString("en-US")} events to the store; this takes a few seconds.
        </p>
      )}
      {demo.isError && <ErrorNotice error={demo.error} action="load the demo data" />}
      {backend.kind === "http" && (
        <p className="muted small">
          To open your own files, ingest them with <code>trailview ingest FILE…</code> (the same
          store) and reload this page; the desktop window opens files directly.
        </p>
      )}
    </EmptyState>
  );
}

/**
 * "Open files…" in the desktop window. The shell has no native file dialog yet (it needs the
 * Tauri dialog plugin on the Rust side), so paths are typed or pasted, one per line; progress
 * comes from the `ingest_progress` notices.
 */
function OpenFiles() {
  const id = useId();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [progress, setProgress] = useState<IngestProgress | null>(null);
  const ingest = useMutation({
    mutationFn: (paths: string[]) => backend.ingestFiles(paths),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  useEffect(() => (ingest.isPending ? backend.onIngestProgress(setProgress) : undefined), [
    backend,
    ingest.isPending,
  ]);
  const paths = text
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean);

  if (!open) {
    return (
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Open files…
      </button>
    );
  }
  return (
    <form
      className="open-files"
      onSubmit={(e) => {
        e.preventDefault();
        if (paths.length > 0) ingest.mutate(paths);
      }}
    >
      <label htmlFor={id}>Files or folders to ingest, one path per line</label>
      <textarea
        id={id}
        className="input"
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="/home/me/exports/audit.ndjson"
        spellCheck={false}
      />
      <div className="empty-actions">
        <button type="submit" className="button button-primary" disabled={ingest.isPending || paths.length === 0}>
          {ingest.isPending ? "Ingesting…" : `Ingest ${paths.length || ""} ${paths.length === 1 ? "path" : "paths"}`}
        </button>
        <button type="button" className="button button-quiet" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {ingest.isPending && progress && (
        <p className="muted small" role="status">
          {progress.path}: {progress.accepted.toLocaleString("en-US")} stored,{" "}
          {progress.duplicates.toLocaleString("en-US")} duplicates,{" "}
          {progress.quarantined.toLocaleString("en-US")} quarantined
          {progress.bytes_total ? ` (${Math.round((100 * progress.bytes_read) / progress.bytes_total)}%)` : ""}
        </p>
      )}
      {ingest.isError && <ErrorNotice error={ingest.error} action="ingest these files" />}
    </form>
  );
}
