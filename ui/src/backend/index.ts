export { BackendProvider, useBackend } from "./context";
export { HttpBackend } from "./http";
export { detectBackendKind, selectBackend } from "./select";
export { TauriBackend } from "./tauri";
export { type Backend, BackendError, type BackendKind, isApiError } from "./types";
