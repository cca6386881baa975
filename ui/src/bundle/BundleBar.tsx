import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useBackend } from "../backend";
import { ErrorNotice } from "../components/ErrorNotice";
import { TrustBadge } from "../components/TrustBadge";
import { tenantLabel } from "../data/queries";
import { closeBundle, isBundleName, notABundle, openBundle, useCurrentStore, useSwitchStore } from "./session";

const n = (v: number) => v.toLocaleString("en-US");

/**
 * The bar above every view while a bundle is open: which file, its tenant, how many events,
 * its trust badge (with where it broke, or who signed it), and the way back to the user's own
 * store. Also says when a bundle is being opened, and why one could not be.
 */
export function BundleBar() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const current = useCurrentStore();
  const sw = useSwitchStore((s) => s.state);
  const setSw = useSwitchStore((s) => s.set);
  const bundle = current.data?.bundle ?? null;
  return (
    <>
      {sw.status === "opening" && (
        <section className="bundle-bar bundle-bar-busy" aria-label="Bundle" aria-busy="true">
          <p role="status">Opening the bundle {sw.name}: verifying and importing it, read-only…</p>
        </section>
      )}
      {sw.status === "failed" && (
        <section className="bundle-bar bundle-bar-failed" aria-label="Bundle" data-testid="bundle-error">
          <ErrorNotice error={sw.error} action={sw.name ? `open ${sw.name}` : "close the bundle"} />
          <button type="button" className="button button-quiet" onClick={() => setSw({ status: "idle" })}>
            Dismiss
          </button>
        </section>
      )}
      {bundle && (
        <section className="bundle-bar" aria-label="Open bundle" data-testid="bundle-bar">
          <p>
            <span className="bundle-bar-kind">Bundle, read-only:</span>{" "}
            <strong data-testid="bundle-name" title={bundle.bundle_path}>
              {bundle.file_name}
            </strong>{" "}
            · tenant <strong data-testid="bundle-tenant">{tenantLabel(bundle.tenant)}</strong> ·{" "}
            <span data-testid="bundle-events">{n(bundle.events)}</span> events
            {bundle.quarantined > 0 ? ` · ${n(bundle.quarantined)} quarantined` : ""}
          </p>
          <TrustBadge status={bundle.report.status} testId="bundle-bar-trust" />
          <span className="muted small bundle-bar-why" data-testid="bundle-trust-detail">
            {bundle.report.status === "broken"
              ? (bundle.report.problems.find((p) => p.code !== "untrusted_key")?.message ?? "")
              : bundle.report.signer
                ? `signed by ${bundle.report.signer.fingerprint}`
                : ""}
          </span>
          <button
            type="button"
            className="button"
            disabled={sw.status === "closing"}
            onClick={() => void closeBundle(backend, queryClient)}
          >
            Close bundle
          </button>
        </section>
      )}
    </>
  );
}

/**
 * Browser only: "Open bundle…" (a file picker for `.trail`) and bundles dropped on the page. A
 * page cannot read paths, so the file's bytes go to the server, which opens them as a path.
 */
export function BrowserBundleOpener() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const readOnly = useCurrentStore().data?.read_only ?? false;

  useEffect(() => {
    function hasFiles(e: DragEvent) {
      return e.dataTransfer?.types.includes("Files") ?? false;
    }
    function onOver(e: DragEvent) {
      if (hasFiles(e)) e.preventDefault();
    }
    function onDrop(e: DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      const files = Array.from(e.dataTransfer?.files ?? []);
      const bundle = files.find((f) => isBundleName(f.name));
      if (bundle) {
        void openBundle(backend, queryClient, { file: bundle, name: bundle.name });
      } else if (files.length > 0) {
        useSwitchStore.getState().set({
          status: "failed",
          name: files[0]?.name ?? "",
          error: notABundle(
            files.map((f) => f.name),
            readOnly,
          ),
        });
      }
    }
    window.addEventListener("dragover", onOver);
    window.addEventListener("drop", onDrop);
    return () => {
      window.removeEventListener("dragover", onOver);
      window.removeEventListener("drop", onDrop);
    };
  }, [backend, queryClient, readOnly]);

  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".trail"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="bundle-file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void openBundle(backend, queryClient, { file, name: file.name });
        }}
      />
      <button
        type="button"
        className="button"
        onClick={() => input.current?.click()}
        title="Open an audit bundle (.trail), read-only; you can also drop it on the page"
      >
        Open bundle…
      </button>
    </>
  );
}
