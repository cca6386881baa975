import { HttpBackend } from "./http";
import { TauriBackend } from "./tauri";
import type { Backend, BackendKind } from "./types";

/**
 * Which backend serves this page. Tauri 2 injects `window.__TAURI_INTERNALS__` into every page it
 * loads, before any script runs; a browser never has it.
 */
export function detectBackendKind(win: object): BackendKind {
  return "__TAURI_INTERNALS__" in win ? "tauri" : "http";
}

/** The backend for this page: Tauri IPC in the desktop window, HTTP on the same origin elsewhere. */
export function selectBackend(win: object = window): Backend {
  return detectBackendKind(win) === "tauri" ? new TauriBackend() : new HttpBackend();
}
