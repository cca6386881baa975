/**
 * The one way the UI reaches Trailview's core.
 *
 * Views never call `invoke` or `fetch` themselves: they call a {@link Backend}. Two implementations
 * exist so that the same UI runs in the desktop window (Tauri IPC) and in a browser against
 * `trailview serve` (HTTP), which is also how the browser tests drive it.
 *
 * Every method maps to exactly one operation of docs/API.md, by the same (snake_case) name:
 * - Tauri: `invoke("<command>", args)`: a request object as `{req}`, other parameters by name;
 * - HTTP: `GET /api/<command>?<params>` for reads, `POST /api/<command>` with a JSON body for
 *   writes, answering JSON, with errors as a non-2xx status and a `{code, message}` body.
 *
 * Wire types come from `ui/src/bindings/`, generated from the Rust types; never redefine them here.
 */
import type { AlertReport } from "../bindings/AlertReport";
import type { AlertsRequest } from "../bindings/AlertsRequest";
import type { AppInfo } from "../bindings/AppInfo";
import type { ApprovalsRequest } from "../bindings/ApprovalsRequest";
import type { ApprovalsResponse } from "../bindings/ApprovalsResponse";
import type { ExecutionsRequest } from "../bindings/ExecutionsRequest";
import type { ExecutionsResponse } from "../bindings/ExecutionsResponse";
import type { ReplayRequest } from "../bindings/ReplayRequest";
import type { ReplayResponse } from "../bindings/ReplayResponse";
import type { ApiError } from "../bindings/ApiError";
import type { Bucket } from "../bindings/Bucket";
import type { BundleInfoResponse } from "../bindings/BundleInfoResponse";
import type { EventPage } from "../bindings/EventPage";
import type { EventsRequest } from "../bindings/EventsRequest";
import type { Graph } from "../bindings/Graph";
import type { GraphRequest } from "../bindings/GraphRequest";
import type { HistogramRequest } from "../bindings/HistogramRequest";
import type { IngestProgress } from "../bindings/IngestProgress";
import type { IngestSummary } from "../bindings/IngestSummary";
import type { KeyInfoResponse } from "../bindings/KeyInfoResponse";
import type { AppendedNotice } from "../bindings/AppendedNotice";
import type { AddWatchRequest } from "../bindings/AddWatchRequest";
import type { HostStatus } from "../bindings/HostStatus";
import type { LiveStatus } from "../bindings/LiveStatus";
import type { RemoveWatchRequest } from "../bindings/RemoveWatchRequest";
import type { StartListenerRequest } from "../bindings/StartListenerRequest";
import type { MetricsReport } from "../bindings/MetricsReport";
import type { MetricsRequest } from "../bindings/MetricsRequest";
import type { QuarantineRecord } from "../bindings/QuarantineRecord";
import type { Stats } from "../bindings/Stats";
import type { StoredEvent } from "../bindings/StoredEvent";
import type { VerifyReport } from "../bindings/VerifyReport";
import type { CurrentStore } from "../bindings/CurrentStore";
import type { EventFilter } from "../bindings/EventFilter";

/** What "Export bundle…" asks for: the timeline's filter (no free text), and where. */
export interface ExportBundleOptions {
  /** Which events (`tenant` required; `text` is not an export filter and must be absent). */
  filter: EventFilter;
  /** Include the tenant's quarantined records (conflicts). */
  withQuarantine: boolean;
  /**
   * Desktop: the file to write (from {@link Backend.chooseSavePath}). Browser: the download's
   * file name (the browser decides where it goes).
   */
  path: string;
}

/** What an export wrote, as the export dialog shows it. */
export interface ExportOutcome {
  /** The file written (desktop) or the download's name (browser). */
  file: string;
  bytes: number;
  sha256: string;
  /** The signer's (this installation's) key fingerprint. */
  fingerprint: string;
  tenant: string;
  events: number;
  quarantined: number;
  merkleRoot: string;
}

/**
 * Where an export is: `exporting` until the file exists (with events written so far when the
 * backend reports them: the desktop), then `downloading` (browser only, in bytes).
 */
export interface ExportProgress {
  phase: "exporting" | "downloading";
  bytes: number;
  total: number | null;
  /** Exporting: events written so far, and `total` is the events selected. */
  events?: number;
}

export type BackendKind = "tauri" | "http";

/** docs/API.md, one method per operation, same names (camelCase here, snake_case on the wire). */
export interface Backend {
  /** Which transport this is; shown in the UI so a support engineer knows where they are. */
  readonly kind: BackendKind;
  /** Version of the backend and the path of the store it opened. */
  appInfo(): Promise<AppInfo>;
  /** Counts per tenant, dialect and quarantine reason; the tenants feed the switcher. */
  stats(): Promise<Stats>;
  /** One keyset page of a tenant's events; `total` ignores the cursors. */
  events(req: EventsRequest): Promise<EventPage>;
  /** One event by identity; `not_found` when there is none. */
  event(tenant: string, id: string): Promise<StoredEvent>;
  /** Event counts per time bin over `[from, to)` µs. */
  histogram(req: HistogramRequest): Promise<Bucket[]>;
  /** Refused records, oldest first. */
  quarantine(limit?: number): Promise<QuarantineRecord[]>;
  /** Re-checks the hash chain and every event against its raw bytes. */
  verify(): Promise<VerifyReport>;
  /**
   * The bundle this store was opened from, with its trust judged now (`trusted` /
   * `unknown_signer` / `broken` and the problems saying where); `bundle: null` for an ordinary store.
   */
  bundleInfo(): Promise<BundleInfoResponse>;
  /** This installation's signing key (`null` until the first export) and how many keys are trusted. */
  keyInfo(): Promise<KeyInfoResponse>;
  /** The correlation / causation graph of one scope, analysed and laid out (`not_found` if empty). */
  graph(req: GraphRequest): Promise<Graph>;
  /** A tenant's metrics derived from its events: per hour, top types, error and SLA rates. */
  metrics(req: MetricsRequest): Promise<MetricsReport>;
  /** Alert rules (default: the built-in ones) evaluated over a tenant's events. */
  alerts(req: AlertsRequest): Promise<AlertReport>;
  /** A tenant's approval cases across dialects, with anomalies; optionally as of a time. */
  approvals(req: ApprovalsRequest): Promise<ApprovalsResponse>;
  /** A tenant's Aximo executions with status and rule violations. */
  executions(req: ExecutionsRequest): Promise<ExecutionsResponse>;
  /** The state of a scope (chain, execution, trace, window) at a cursor. */
  replay(req: ReplayRequest): Promise<ReplayResponse>;
  /** Appends the deterministic demo data set (all dialects). */
  loadDemo(events?: number): Promise<IngestSummary>;
  /** Ingests files by path: desktop only (a browser cannot name local files). */
  ingestFiles(paths: string[]): Promise<IngestSummary>;
  /**
   * Calls `handler` with each `ingest_progress` notice while `ingestFiles` runs; returns the
   * unsubscribe function. The HTTP backend has no such notices and never calls it.
   */
  onIngestProgress(handler: (progress: IngestProgress) => void): () => void;
  /** The native "open files" dialog: the chosen paths, or null when cancelled. Desktop only. */
  chooseFiles(): Promise<string[] | null>;
  /**
   * Calls `handler` when the desktop menu's File → Open Files… is chosen, and with the paths of
   * files dropped on the window; returns the unsubscribe function. The HTTP backend has
   * neither and never calls them.
   */
  onOpenRequest(handlers: { menu: () => void; drop: (paths: string[]) => void }): () => void;
  /**
   * Live ingest as the sources panel shows it: watched files' checkpoints, refusals per live
   * origin, tokens (never the token text), and this process's writer counters when it has one.
   */
  liveStatus(): Promise<LiveStatus>;
  /**
   * Starts a socket listener in the process serving this UI (the `trailview listen` protocol,
   * through its one live writer), remembered for the next launch. Loopback only unless
   * `allow_remote: true`. A taken port is `address_in_use` (the listener stays off).
   */
  startListener(req: StartListenerRequest): Promise<HostStatus>;
  /** Stops that listener (remembered off); open connections close. */
  stopListener(): Promise<HostStatus>;
  /** Follows a folder's NDJSON files in the process serving this UI, from the store's checkpoints. */
  addWatch(req: AddWatchRequest): Promise<HostStatus>;
  /** Stops following a folder (and forgets it). */
  removeWatch(req: RemoveWatchRequest): Promise<HostStatus>;
  /**
   * The native "choose a folder" dialog: its path, or null when cancelled. Desktop only: the
   * HTTP backend rejects with `desktop_only`, and the UI falls back to a text field.
   */
  chooseFolder(): Promise<string | null>;
  /**
   * Calls `handler` with each `appended` notice (`seq`s `from_seq..=to_seq` were committed, by
   * any process writing the store; at most one every 150 ms); returns the unsubscribe function.
   * HTTP: Server-Sent Events of `GET /api/live_appended`; Tauri: the `appended` event.
   */
  onAppended(handler: (notice: AppendedNotice) => void): () => void;
  /**
   * Which store the window reads: the user's own, or a bundle opened in its place (read-only,
   * with its file name, tenant, counts and trust report). Tauri: `current_store`.
   */
  currentStore(): Promise<CurrentStore>;
  /**
   * Opens the bundle file at `path` (on this machine) in place of the store; every view then
   * reads it and every write is refused (`read_only`). Tauri: `open_bundle {req: {path}}`.
   */
  openBundle(path: string): Promise<CurrentStore>;
  /**
   * Opens a bundle the person picked or dropped in a browser, by its bytes. HTTP only
   * (`POST /api/bundles`); the desktop opens paths ({@link openBundle}).
   */
  openBundleFile(file: Blob, name: string): Promise<CurrentStore>;
  /** Returns the window to the user's own store. Tauri: `close_bundle`. */
  closeBundle(): Promise<CurrentStore>;
  /**
   * Where to write an export: the desktop's native save dialog (Tauri: `choose_save_path
   * {defaultName}`, null when cancelled); a browser answers `defaultName` itself (its download
   * decides where the file goes).
   */
  chooseSavePath(defaultName: string): Promise<string | null>;
  /**
   * Exports a tenant's events (the filter) as a signed bundle. Desktop: writes `path`
   * (Tauri: `export_bundle {req}`); browser: `GET /api/export_bundle` streamed to a download.
   */
  exportBundle(opts: ExportBundleOptions, onProgress?: (p: ExportProgress) => void): Promise<ExportOutcome>;
}

/**
 * An error that crossed the backend boundary. The UI branches on {@link code}, never on the
 * English {@link message}.
 *
 * Codes made on this side of the boundary (the backend could not be reached at all):
 * `unreachable` (HTTP request failed), `bad_response` (the answer was not the expected JSON),
 * `ipc` (Tauri rejected the call with something that was not a `{code, message}`).
 */
export class BackendError extends Error implements ApiError {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** True for a value shaped like the backend's `{code, message}` error. */
export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && typeof v.message === "string";
}
