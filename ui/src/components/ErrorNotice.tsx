import { isApiError } from "../backend";

/** What to do about an error, by its code (never by its message). */
const HINTS: Record<string, string> = {
  store_unavailable:
    "Check that the store's folder exists and is writable, or start Trailview with TRAILVIEW_DB set to another file.",
  unreachable: "Check that `trailview serve` is still running, then reload this page.",
  bad_response: "Open this page from the address `trailview serve` printed.",
  bad_filter: "Check the filter chips above: a time must be RFC 3339 with an offset or epoch milliseconds, and a type pattern cannot be empty.",
  tenant_required: "Choose a tenant in the rail.",
  not_found: "It is not in this store (or not in this tenant); check the link or the tenant.",
  desktop_only: "Use the desktop window, or `trailview ingest` and reload.",
  ipc: "Restart Trailview; if it happens again, report it with this code.",
};

/** What went wrong, in words and with the machine-readable code a bug report can quote. */
export function ErrorNotice({ error, action }: { error: unknown; action: string }) {
  const code = isApiError(error) ? error.code : "unexpected";
  const message = isApiError(error) || error instanceof Error ? error.message : String(error);
  const hint = HINTS[code];
  return (
    <div className="error" role="alert">
      <p className="error-title">
        Could not {action}. <code className="mono">{code}</code>
      </p>
      <p className="error-message">{message}</p>
      {hint && <p className="error-hint">{hint}</p>}
    </div>
  );
}
