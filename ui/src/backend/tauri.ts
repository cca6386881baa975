import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AlertReport } from "../bindings/AlertReport";
import type { AlertsRequest } from "../bindings/AlertsRequest";
import type { Graph } from "../bindings/Graph";
import type { GraphRequest } from "../bindings/GraphRequest";
import type { MetricsReport } from "../bindings/MetricsReport";
import type { MetricsRequest } from "../bindings/MetricsRequest";
import type { AppInfo } from "../bindings/AppInfo";
import type { ApprovalsRequest } from "../bindings/ApprovalsRequest";
import type { ApprovalsResponse } from "../bindings/ApprovalsResponse";
import type { ExecutionsRequest } from "../bindings/ExecutionsRequest";
import type { ExecutionsResponse } from "../bindings/ExecutionsResponse";
import type { ReplayRequest } from "../bindings/ReplayRequest";
import type { ReplayResponse } from "../bindings/ReplayResponse";
import type { Bucket } from "../bindings/Bucket";
import type { BundleInfoResponse } from "../bindings/BundleInfoResponse";
import type { ExportBundleProgress } from "../bindings/ExportBundleProgress";
import type { EventPage } from "../bindings/EventPage";
import type { EventsRequest } from "../bindings/EventsRequest";
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
import type { QuarantineRecord } from "../bindings/QuarantineRecord";
import type { Stats } from "../bindings/Stats";
import type { StoredEvent } from "../bindings/StoredEvent";
import type { VerifyReport } from "../bindings/VerifyReport";
import type { CurrentStore } from "../bindings/CurrentStore";
import type { ExportBundleResponse } from "../bindings/ExportBundleResponse";
import {
  type Backend,
  BackendError,
  type ExportBundleOptions,
  type ExportOutcome,
  type ExportProgress,
  isApiError,
} from "./types";

/** Signature of Tauri's `invoke`, injectable so tests need no Tauri runtime. */
export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/** Signature of Tauri's `listen` (resolves to the unlisten function), injectable likewise. */
export type Listen = <T>(
  event: string,
  handler: (event: { payload: T }) => void,
) => Promise<() => void>;

/**
 * The desktop window's backend: each method is one Tauri command of the same (snake_case) name.
 * A command taking a request object receives it as its `req` argument.
 */
export class TauriBackend implements Backend {
  readonly kind = "tauri";

  constructor(
    private readonly invokeFn: Invoke = invoke,
    private readonly listenFn: Listen = listen,
  ) {}

  appInfo(): Promise<AppInfo> {
    return this.call<AppInfo>("app_info");
  }

  stats(): Promise<Stats> {
    return this.call<Stats>("stats");
  }

  events(req: EventsRequest): Promise<EventPage> {
    return this.call<EventPage>("events", { req });
  }

  event(tenant: string, id: string): Promise<StoredEvent> {
    return this.call<StoredEvent>("event", { tenant, id });
  }

  histogram(req: HistogramRequest): Promise<Bucket[]> {
    return this.call<Bucket[]>("histogram", { req });
  }

  quarantine(limit?: number): Promise<QuarantineRecord[]> {
    return this.call<QuarantineRecord[]>("quarantine", limit === undefined ? {} : { limit });
  }

  verify(): Promise<VerifyReport> {
    return this.call<VerifyReport>("verify");
  }

  bundleInfo(): Promise<BundleInfoResponse> {
    return this.call<BundleInfoResponse>("bundle_info");
  }

  keyInfo(): Promise<KeyInfoResponse> {
    return this.call<KeyInfoResponse>("key_info");
  }

  graph(req: GraphRequest): Promise<Graph> {
    return this.call<Graph>("graph", { req });
  }

  metrics(req: MetricsRequest): Promise<MetricsReport> {
    return this.call<MetricsReport>("metrics", { req });
  }

  alerts(req: AlertsRequest): Promise<AlertReport> {
    return this.call<AlertReport>("alerts", { req });
  }

  approvals(req: ApprovalsRequest): Promise<ApprovalsResponse> {
    return this.call<ApprovalsResponse>("approvals", { req });
  }

  executions(req: ExecutionsRequest): Promise<ExecutionsResponse> {
    return this.call<ExecutionsResponse>("executions", { req });
  }

  replay(req: ReplayRequest): Promise<ReplayResponse> {
    return this.call<ReplayResponse>("replay", { req });
  }

  loadDemo(events?: number): Promise<IngestSummary> {
    return this.call<IngestSummary>("load_demo", events === undefined ? {} : { events });
  }

  ingestFiles(paths: string[]): Promise<IngestSummary> {
    return this.call<IngestSummary>("ingest_files", { paths });
  }

  onIngestProgress(handler: (progress: IngestProgress) => void): () => void {
    return this.subscribe<IngestProgress>("ingest_progress", handler);
  }

  chooseFiles(): Promise<string[] | null> {
    return this.call<string[] | null>("choose_files");
  }

  onOpenRequest(handlers: { menu: () => void; drop: (paths: string[]) => void }): () => void {
    const stops = [
      this.subscribe<null>("menu_open_files", () => handlers.menu()),
      // Tauri's own event for files dropped on the webview (dragDropEnabled, the default).
      this.subscribe<{ paths?: string[] }>("tauri://drag-drop", (p) => {
        if (p?.paths && p.paths.length > 0) handlers.drop(p.paths);
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }

  liveStatus(): Promise<LiveStatus> {
    return this.call<LiveStatus>("live_status");
  }

  startListener(req: StartListenerRequest): Promise<HostStatus> {
    return this.call<HostStatus>("start_listener", { req });
  }

  stopListener(): Promise<HostStatus> {
    return this.call<HostStatus>("stop_listener");
  }

  addWatch(req: AddWatchRequest): Promise<HostStatus> {
    return this.call<HostStatus>("add_watch", { req });
  }

  removeWatch(req: RemoveWatchRequest): Promise<HostStatus> {
    return this.call<HostStatus>("remove_watch", { req });
  }

  chooseFolder(): Promise<string | null> {
    return this.call<string | null>("choose_folder");
  }

  onAppended(handler: (notice: AppendedNotice) => void): () => void {
    // Emitted by the shell's follower thread (the core's AppendedFollower), for any process.
    return this.subscribe<AppendedNotice>("appended", handler);
  }

  currentStore(): Promise<CurrentStore> {
    return this.call<CurrentStore>("current_store");
  }

  openBundle(path: string): Promise<CurrentStore> {
    return this.call<CurrentStore>("open_bundle", { req: { path } });
  }

  openBundleFile(_file: Blob, _name: string): Promise<CurrentStore> {
    // The desktop has paths: dropped and chosen files arrive as paths (openBundle).
    return Promise.reject(
      new BackendError("browser_only", "The desktop window opens bundles by path: use Open… or drop the file."),
    );
  }

  closeBundle(): Promise<CurrentStore> {
    return this.call<CurrentStore>("close_bundle");
  }

  chooseSavePath(defaultName: string): Promise<string | null> {
    return this.call<string | null>("choose_save_path", { defaultName });
  }

  async exportBundle(
    opts: ExportBundleOptions,
    onProgress?: (p: ExportProgress) => void,
  ): Promise<ExportOutcome> {
    onProgress?.({ phase: "exporting", bytes: 0, total: null });
    const stop = this.subscribe<ExportBundleProgress>("export_progress", (p) =>
      onProgress?.({ phase: "exporting", bytes: 0, total: p.total, events: p.events }),
    );
    let r: ExportBundleResponse;
    try {
      r = await this.call<ExportBundleResponse>("export_bundle", {
        req: { ...opts.filter, path: opts.path, with_quarantine: opts.withQuarantine },
      });
    } finally {
      stop();
    }
    return {
      file: r.path,
      bytes: r.bytes,
      sha256: r.sha256,
      fingerprint: r.fingerprint,
      tenant: r.manifest.tenant,
      events: r.manifest.counts.events,
      quarantined: r.manifest.counts.quarantined,
      merkleRoot: r.manifest.merkle.root,
    };
  }

  /** Listens to a Tauri event; the returned function stops listening, even before it started. */
  private subscribe<T>(event: string, handler: (payload: T) => void): () => void {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    this.listenFn<T>(event, (e) => handler(e.payload))
      .then((fn) => {
        if (stopped) fn();
        else unlisten = fn;
      })
      .catch(() => {
        // No notices (e.g. events not permitted): the commands themselves still answer.
      });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }

  private async call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return await this.invokeFn<T>(command, args);
    } catch (err: unknown) {
      if (isApiError(err)) throw new BackendError(err.code, err.message);
      throw new BackendError("ipc", `The desktop backend rejected ${command}: ${String(err)}`);
    }
  }
}
