/**
 * The one way the UI reaches Trailview's core.
 *
 * Views never call `invoke` or `fetch` themselves: they call a {@link Backend}. Two implementations
 * exist so that the same UI runs in the desktop window (Tauri IPC) and in a browser against
 * `trailview serve` (HTTP), which is also how the browser tests drive it.
 *
 * Every method maps to exactly one backend command of the same name:
 * - Tauri: `invoke("<command>", args)`;
 * - HTTP: `GET /api/<command>` (arguments as query parameters) answering JSON, with errors as a
 *   non-2xx status and a `{code, message}` body.
 *
 * Wire types come from `ui/src/bindings/`, generated from the Rust types; never redefine them here.
 */
import type { AppInfo } from "../bindings/AppInfo";
import type { CommandError } from "../bindings/CommandError";

export type BackendKind = "tauri" | "http";

export interface Backend {
  /** Which transport this is; shown in the UI so a support engineer knows where they are. */
  readonly kind: BackendKind;
  /** Version of the backend and the path of the store it opened. */
  appInfo(): Promise<AppInfo>;
}

/**
 * An error that crossed the backend boundary. The UI branches on {@link code}, never on the
 * English {@link message}.
 *
 * Codes made on this side of the boundary (the backend could not be reached at all):
 * `unreachable` (HTTP request failed), `bad_response` (the answer was not the expected JSON),
 * `ipc` (Tauri rejected the call with something that was not a `{code, message}`).
 */
export class BackendError extends Error implements CommandError {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** True for a value shaped like the backend's `{code, message}` error. */
export function isCommandError(value: unknown): value is CommandError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && typeof v.message === "string";
}
