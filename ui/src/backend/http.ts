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
import {
  type Backend,
  BackendError,
  type ExportBundleOptions,
  type ExportOutcome,
  type ExportProgress,
  isApiError,
} from "./types";

/** Query parameters of a request object: absent/undefined keys are left out, `""` is kept. */
export function toQuery(params: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    out[key] = String(value);
  }
  return out;
}

/**
 * The browser's backend: `GET {base}/api/<command>?<params>` for reads and `POST` with a JSON
 * body for writes, on the same origin that served the page (`trailview serve`). Responses are
 * JSON; a non-2xx answer carries `{code, message}`.
 */
export class HttpBackend implements Backend {
  readonly kind = "http";

  constructor(
    private readonly base = "",
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
    /** The `EventSource` constructor, injectable so tests need no server. */
    private readonly eventSource: ((url: string) => EventSourceLike) | null = typeof EventSource ===
    "undefined"
      ? null
      : (url) => new EventSource(url),
  ) {}

  appInfo(): Promise<AppInfo> {
    return this.get<AppInfo>("app_info");
  }

  stats(): Promise<Stats> {
    return this.get<Stats>("stats");
  }

  events(req: EventsRequest): Promise<EventPage> {
    return this.get<EventPage>("events", toQuery(req));
  }

  event(tenant: string, id: string): Promise<StoredEvent> {
    return this.get<StoredEvent>("event", { tenant, id });
  }

  histogram(req: HistogramRequest): Promise<Bucket[]> {
    return this.get<Bucket[]>("histogram", toQuery(req));
  }

  quarantine(limit?: number): Promise<QuarantineRecord[]> {
    return this.get<QuarantineRecord[]>("quarantine", toQuery({ limit }));
  }

  verify(): Promise<VerifyReport> {
    return this.get<VerifyReport>("verify");
  }

  bundleInfo(): Promise<BundleInfoResponse> {
    return this.get<BundleInfoResponse>("bundle_info");
  }

  keyInfo(): Promise<KeyInfoResponse> {
    return this.get<KeyInfoResponse>("key_info");
  }

  graph(req: GraphRequest): Promise<Graph> {
    return this.get<Graph>("graph", toQuery(req));
  }

  metrics(req: MetricsRequest): Promise<MetricsReport> {
    return this.get<MetricsReport>("metrics", toQuery(req));
  }

  alerts(req: AlertsRequest): Promise<AlertReport> {
    // Rules are a file's text: a body, not a query string.
    return this.post<AlertReport>("alerts", req);
  }

  approvals(req: ApprovalsRequest): Promise<ApprovalsResponse> {
    return this.get<ApprovalsResponse>("approvals", toQuery(req));
  }

  executions(req: ExecutionsRequest): Promise<ExecutionsResponse> {
    return this.get<ExecutionsResponse>("executions", toQuery(req));
  }

  replay(req: ReplayRequest): Promise<ReplayResponse> {
    return this.get<ReplayResponse>("replay", toQuery(req));
  }

  loadDemo(events?: number): Promise<IngestSummary> {
    return this.post<IngestSummary>("load_demo", events === undefined ? {} : { events });
  }

  ingestFiles(_paths: string[]): Promise<IngestSummary> {
    // docs/API.md: desktop only. Said here rather than by a request the server would refuse.
    return Promise.reject(
      new BackendError(
        "desktop_only",
        "Opening files by path works in the desktop window; in a browser, ingest with `trailview ingest` and reload.",
      ),
    );
  }

  onIngestProgress(_handler: (progress: IngestProgress) => void): () => void {
    return () => {};
  }

  chooseFiles(): Promise<string[] | null> {
    return Promise.reject(
      new BackendError("desktop_only", "A browser page cannot open local files by path."),
    );
  }

  onOpenRequest(_handlers: { menu: () => void; drop: (paths: string[]) => void }): () => void {
    return () => {};
  }

  liveStatus(): Promise<LiveStatus> {
    return this.get<LiveStatus>("live_status");
  }

  startListener(req: StartListenerRequest): Promise<HostStatus> {
    return this.post<HostStatus>("start_listener", req);
  }

  stopListener(): Promise<HostStatus> {
    return this.post<HostStatus>("stop_listener", {});
  }

  addWatch(req: AddWatchRequest): Promise<HostStatus> {
    return this.post<HostStatus>("add_watch", req);
  }

  removeWatch(req: RemoveWatchRequest): Promise<HostStatus> {
    return this.post<HostStatus>("remove_watch", req);
  }

  chooseFolder(): Promise<string | null> {
    // A page cannot ask the browser for a folder's path: the UI offers a text field instead.
    return Promise.reject(
      new BackendError("desktop_only", "A browser page cannot choose a folder; type its path."),
    );
  }

  onAppended(handler: (notice: AppendedNotice) => void): () => void {
    if (!this.eventSource) return () => {};
    // EventSource reconnects by itself after a dropped connection. Each connection starts with
    // `ready {last_seq}`: appends made while it was down are announced from that.
    const source = this.eventSource(`${this.base}/api/live_appended`);
    let seen: number | null = null;
    const parse = (e: Event): Record<string, unknown> | null => {
      try {
        const v: unknown = JSON.parse((e as MessageEvent<string>).data);
        return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    };
    const onReady = (e: Event) => {
      const last = parse(e)?.last_seq;
      if (typeof last !== "number") return;
      if (seen !== null && last > seen) handler({ from_seq: seen + 1, to_seq: last });
      seen = seen === null ? last : Math.max(seen, last);
    };
    const onAppended = (e: Event) => {
      const n = parse(e);
      if (typeof n?.from_seq !== "number" || typeof n.to_seq !== "number") return;
      const from = seen !== null ? Math.max(n.from_seq, seen + 1) : n.from_seq;
      seen = Math.max(seen ?? 0, n.to_seq);
      if (from <= n.to_seq) handler({ from_seq: from, to_seq: n.to_seq });
    };
    source.addEventListener("ready", onReady);
    source.addEventListener("appended", onAppended);
    return () => {
      source.removeEventListener("ready", onReady);
      source.removeEventListener("appended", onAppended);
      source.close();
    };
  }

  currentStore(): Promise<CurrentStore> {
    return this.get<CurrentStore>("current_store");
  }

  openBundle(path: string): Promise<CurrentStore> {
    return this.post<CurrentStore>("open_bundle", { path });
  }

  openBundleFile(file: Blob, name: string): Promise<CurrentStore> {
    // The bytes as the body, streamed by the browser; the server writes them to its bundle
    // cache and opens them as it would a path.
    return this.request<CurrentStore>(`${this.base}/api/bundles?${new URLSearchParams({ name }).toString()}`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/octet-stream" },
      body: file,
    });
  }

  closeBundle(): Promise<CurrentStore> {
    return this.post<CurrentStore>("close_bundle", {});
  }

  chooseSavePath(defaultName: string): Promise<string | null> {
    // No dialog: the browser's download puts the file where the person's browser says.
    return Promise.resolve(defaultName);
  }

  async exportBundle(
    opts: ExportBundleOptions,
    onProgress?: (p: ExportProgress) => void,
  ): Promise<ExportOutcome> {
    const params = toQuery({ ...opts.filter, quarantine: opts.withQuarantine ? "1" : "0", name: opts.path });
    const url = `${this.base}/api/export_bundle?${new URLSearchParams(params).toString()}`;
    onProgress?.({ phase: "exporting", bytes: 0, total: null });
    let response: Response;
    try {
      response = await this.fetchFn(url, { headers: { Accept: "application/zip, application/json" } });
    } catch (err: unknown) {
      throw new BackendError("unreachable", `Could not reach ${url}: ${String(err)}`);
    }
    if (!response.ok) {
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        // fall through
      }
      if (isApiError(body)) throw new BackendError(body.code, body.message);
      throw new BackendError("bad_response", `${url} answered ${response.status}`);
    }
    const header = (name: string) => response.headers.get(name) ?? "";
    const total = Number(header("content-length")) || null;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        onProgress?.({ phase: "downloading", bytes, total });
      }
    } else {
      const buf = new Uint8Array(await response.arrayBuffer());
      chunks.push(buf);
      bytes = buf.length;
    }
    const file = header("x-trailview-file-name") || opts.path;
    saveBlob(new Blob(chunks as BlobPart[], { type: "application/zip" }), file);
    return {
      file,
      bytes,
      sha256: header("x-trailview-sha256"),
      fingerprint: header("x-trailview-fingerprint"),
      tenant: decodeURIComponent(header("x-trailview-tenant")),
      events: Number(header("x-trailview-events")),
      quarantined: Number(header("x-trailview-quarantined")),
      merkleRoot: header("x-trailview-merkle-root"),
    };
  }

  private get<T>(command: string, params?: Record<string, string>): Promise<T> {
    const query =
      params && Object.keys(params).length > 0 ? `?${new URLSearchParams(params).toString()}` : "";
    return this.request<T>(`${this.base}/api/${command}${query}`, {
      headers: { Accept: "application/json" },
    });
  }

  private post<T>(command: string, body: unknown): Promise<T> {
    return this.request<T>(`${this.base}/api/${command}`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  private async request<T>(url: string, init: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchFn(url, init);
    } catch (err: unknown) {
      throw new BackendError("unreachable", `Could not reach ${url}: ${String(err)}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new BackendError(
        "bad_response",
        `${url} answered ${response.status} without JSON; is this page served by \`trailview serve\`?`,
      );
    }
    if (!response.ok) {
      if (isApiError(body)) throw new BackendError(body.code, body.message);
      throw new BackendError("bad_response", `${url} answered ${response.status}`);
    }
    return body as T;
  }
}

/** Hands a finished download to the browser (an `<a download>` click on an object URL). */
function saveBlob(blob: Blob, name: string): void {
  if (typeof document === "undefined" || typeof URL.createObjectURL !== "function") return;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has taken its copy once the click is handled.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** What {@link HttpBackend} needs of an `EventSource`. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: Event) => void): void;
  removeEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
}
