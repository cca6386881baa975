import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import type { EventFilter } from "../bindings/EventFilter";
import { useBackend } from "../backend";
import type { ExportOutcome, ExportProgress } from "../backend/types";
import { CopyableText } from "../components/CopyableText";
import { ErrorNotice } from "../components/ErrorNotice";
import { tenantLabel, useTenant } from "../data/queries";
import { FILTER_KEYS, FILTER_LABELS, toEventFilter } from "../lib/filters";
import { useRoute } from "../state/route";
import { useReadOnly } from "./session";

const n = (v: number) => v.toLocaleString("en-US");

/** `acme-2026-11-22.trail`: the tenant (file-name safe) and today's date. */
export function defaultBundleName(tenant: string, now = new Date()): string {
  const t = tenant.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "personal";
  return `${t}-${now.toISOString().slice(0, 10)}.trail`;
}

/**
 * "Export bundle…": a button (Timeline toolbar, Integrity view) and its dialog. The dialog says
 * what the bundle will hold — the tenant, the filter, how many events — takes a file name and
 * whether to include the quarantine, then exports (desktop: to the path the save dialog gives;
 * browser: as a download) and shows the result: the file, events, Merkle root, signer.
 * Disabled while a bundle is open (an export re-signs: send the .trail itself instead).
 */
export function ExportBundleButton({ small = false }: { small?: boolean }) {
  const [open, setOpen] = useState(false);
  const readOnly = useReadOnly();
  const { tenant } = useTenant();
  return (
    <>
      <button
        type="button"
        className={small ? "button button-small" : "button"}
        disabled={readOnly || tenant === null}
        title={
          readOnly
            ? "A bundle is open, read-only: export from your own store (close the bundle), or send the .trail file itself"
            : "Export this tenant's events under the current filter as a signed audit bundle (.trail)"
        }
        onClick={() => setOpen(true)}
        data-testid="export-bundle-open"
      >
        Export bundle…
      </button>
      {open && tenant !== null && <ExportDialog tenant={tenant} onClose={() => setOpen(false)} />}
    </>
  );
}

function ExportDialog({ tenant, onClose }: { tenant: string; onClose: () => void }) {
  const backend = useBackend();
  const route = useRoute();
  const ref = useRef<HTMLDialogElement>(null);
  const full = useMemo(() => toEventFilter(tenant, route.filters), [tenant, route.filters]);
  // Free text is a search, not a selection a manifest can name: the bundle leaves it out.
  const filter: EventFilter = useMemo(() => {
    const { text: _text, ...rest } = full;
    return rest;
  }, [full]);
  const count = useQuery({
    queryKey: ["export_count", filter],
    queryFn: () => backend.events({ ...filter, limit: 1 }),
  });
  const [name, setName] = useState(() => defaultBundleName(tenant));
  const [quarantine, setQuarantine] = useState(true);
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [result, setResult] = useState<ExportOutcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const running = progress !== null && result === null && error === null;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  async function run() {
    setError(null);
    setResult(null);
    try {
      const file = name.trim().toLowerCase().endsWith(".trail") ? name.trim() : `${name.trim()}.trail`;
      const path = await backend.chooseSavePath(file);
      if (path === null) return;
      setProgress({ phase: "exporting", bytes: 0, total: null });
      setResult(await backend.exportBundle({ filter, withQuarantine: quarantine, path }, setProgress));
    } catch (e: unknown) {
      setError(e);
    }
  }

  const chips = FILTER_KEYS.filter((k) => k !== "text" && route.filters[k] !== undefined);
  return (
    <dialog
      ref={ref}
      className="keys export-dialog"
      aria-labelledby="export-title"
      onClose={onClose}
      onCancel={onClose}
      data-testid="export-dialog"
    >
      <h2 id="export-title">Export bundle</h2>
      <dl className="export-facts">
        <dt>Tenant</dt>
        <dd data-testid="export-tenant">{tenantLabel(tenant)}</dd>
        <dt>Filter</dt>
        <dd data-testid="export-filter">
          {chips.length === 0
            ? "none: every event of the tenant"
            : chips.map((k) => `${FILTER_LABELS[k]} ${route.filters[k] ?? ""}`).join(" · ")}
          {full.text !== undefined && (
            <span className="muted small"> (the free-text search is not part of an export)</span>
          )}
        </dd>
        <dt>Events</dt>
        <dd data-testid="export-count">
          {count.isSuccess ? n(count.data.total) : count.isError ? "?" : "counting…"}
        </dd>
      </dl>
      <label className="export-field">
        File name{" "}
        <input
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          disabled={running}
          data-testid="export-name"
        />
      </label>
      <label className="export-field">
        <input
          type="checkbox"
          checked={quarantine}
          onChange={(e) => setQuarantine(e.target.checked)}
          disabled={running}
          data-testid="export-quarantine"
        />{" "}
        Include the tenant's quarantined records (conflicts)
      </label>
      {running && progress && (
        <div role="status" className="export-progress">
          {exportingText(progress)}
          <progress max={1} value={progressRatio(progress)} />
        </div>
      )}
      {error !== null && <ErrorNotice error={error} action="export the bundle" />}
      {result && (
        <dl className="export-facts export-result" data-testid="export-result">
          <dt>Written</dt>
          <dd data-testid="export-file">{result.file}</dd>
          <dt>Events</dt>
          <dd data-testid="export-events">
            {n(result.events)}
            {result.quarantined > 0 ? ` (+${n(result.quarantined)} quarantined)` : ""}, {n(result.bytes)} bytes
          </dd>
          <dt>Merkle root</dt>
          <dd>
            <span data-testid="export-root" data-value={result.merkleRoot}>
              <CopyableText text={result.merkleRoot} />
            </span>
          </dd>
          <dt>Signed by</dt>
          <dd>
            <span data-testid="export-fingerprint" data-value={result.fingerprint}>
              <CopyableText text={result.fingerprint} />
            </span>
          </dd>
        </dl>
      )}
      <div className="empty-actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => void run()}
          disabled={running || name.trim() === ""}
          data-testid="export-run"
        >
          {running ? "Exporting…" : backend.kind === "tauri" ? "Export…" : "Export and download"}
        </button>
        <button type="button" className="button" onClick={() => ref.current?.close()}>
          {result ? "Done" : "Cancel"}
        </button>
      </div>
    </dialog>
  );
}

/** The export's status line. */
export function exportingText(p: ExportProgress): string {
  if (p.phase === "downloading") {
    return `Downloading ${n(p.bytes)}${p.total ? ` of ${n(p.total)}` : ""} bytes…`;
  }
  return p.events !== undefined && p.total
    ? `Exporting and signing… ${n(p.events)} of ${n(p.total)} events`
    : "Exporting and signing…";
}

/** How far, 0–1; `undefined` (an indeterminate bar) while the backend has not said. */
export function progressRatio(p: ExportProgress): number | undefined {
  const done = p.phase === "downloading" ? p.bytes : p.events;
  return done !== undefined && p.total ? Math.min(1, done / p.total) : undefined;
}
