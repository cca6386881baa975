import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useBackend } from "../../backend";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useImporter } from "../../import/Importer";
import { useReadOnly } from "../../bundle/session";

const READ_ONLY_TIP = "A bundle is open, read-only: close it to add events to your own store";

/** Events the demo data set has (the API's default, said here so the button can say it). */
const DEMO_EVENTS = 20_000;

/**
 * An empty store invites the two ways in: the demo data set (deterministic, all dialects) and,
 * in the desktop window, your own files (the native dialog, or drop them on the window). In a browser the page cannot name local files, so it
 * says how to ingest them with the CLI instead.
 */
export function EmptyStore() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const readOnly = useReadOnly();
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
          disabled={demo.isPending || readOnly}
          title={readOnly ? READ_ONLY_TIP : undefined}
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
          store) and reload this page; the desktop window opens files directly. An audit bundle
          (.trail) opens here too: Open bundle…, or drop it on the page.
        </p>
      )}
    </EmptyState>
  );
}

/** "Open files…" in the desktop window: the native dialog (also Ctrl+O, File → Open, or drop). */
function OpenFiles() {
  const { choose, running } = useImporter();
  const readOnly = useReadOnly();
  return (
    <button
      type="button"
      className="button"
      onClick={choose}
      disabled={running || readOnly}
      title={readOnly ? READ_ONLY_TIP : undefined}
    >
      {running ? "Importing…" : "Open files…"}
    </button>
  );
}
