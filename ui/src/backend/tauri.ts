import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppInfo } from "../bindings/AppInfo";
import type { ApprovalsRequest } from "../bindings/ApprovalsRequest";
import type { ApprovalsResponse } from "../bindings/ApprovalsResponse";
import type { ExecutionsRequest } from "../bindings/ExecutionsRequest";
import type { ExecutionsResponse } from "../bindings/ExecutionsResponse";
import type { ReplayRequest } from "../bindings/ReplayRequest";
import type { ReplayResponse } from "../bindings/ReplayResponse";
import type { Bucket } from "../bindings/Bucket";
import type { EventPage } from "../bindings/EventPage";
import type { EventsRequest } from "../bindings/EventsRequest";
import type { HistogramRequest } from "../bindings/HistogramRequest";
import type { IngestProgress } from "../bindings/IngestProgress";
import type { IngestSummary } from "../bindings/IngestSummary";
import type { QuarantineRecord } from "../bindings/QuarantineRecord";
import type { Stats } from "../bindings/Stats";
import type { StoredEvent } from "../bindings/StoredEvent";
import type { VerifyReport } from "../bindings/VerifyReport";
import { type Backend, BackendError, isApiError } from "./types";

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
    let unlisten: (() => void) | null = null;
    let stopped = false;
    this.listenFn<IngestProgress>("ingest_progress", (e) => handler(e.payload))
      .then((fn) => {
        if (stopped) fn();
        else unlisten = fn;
      })
      .catch(() => {
        // No progress notices (e.g. events not permitted): the ingest itself still reports.
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
