/**
 * An in-memory {@link Backend} over a list of events, for unit tests: the same answers as
 * docs/API.md describes (filters, keyset cursors both ways, totals that ignore cursors,
 * histogram bins, `{code, message}` errors), with no transport. It is a test double, so it is
 * deliberately simple (linear scans); it is never part of the app bundle.
 */
import type { AlertReport } from "../bindings/AlertReport";
import type { AlertsRequest } from "../bindings/AlertsRequest";
import type { Graph } from "../bindings/Graph";
import type { GraphRequest } from "../bindings/GraphRequest";
import type { MetricsReport } from "../bindings/MetricsReport";
import type { MetricsRequest } from "../bindings/MetricsRequest";
import type { AppInfo } from "../bindings/AppInfo";
import type { ApprovalsResponse } from "../bindings/ApprovalsResponse";
import type { ExecutionsResponse } from "../bindings/ExecutionsResponse";
import type { ReplayResponse } from "../bindings/ReplayResponse";
import type { Bucket } from "../bindings/Bucket";
import type { BundleInfoResponse } from "../bindings/BundleInfoResponse";
import type { EventFilter } from "../bindings/EventFilter";
import type { EventPage } from "../bindings/EventPage";
import type { EventsRequest } from "../bindings/EventsRequest";
import type { HistogramRequest } from "../bindings/HistogramRequest";
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
import type { TenantStats } from "../bindings/TenantStats";
import type { VerifyReport } from "../bindings/VerifyReport";
import { boundToUs, toRfc3339Utc } from "../lib/time";
import type { CurrentStore } from "../bindings/CurrentStore";
import { type Backend, BackendError, type ExportOutcome } from "./types";

/** The Event Spine's type patterns (as the core's `TypePattern::matches`). */
export function typeMatches(pattern: string, type: string): boolean {
  const glob = (p: string, s: string): boolean => {
    const parts = p.split("*");
    if (parts.length === 1) return p === s;
    const first = parts[0] as string;
    const last = parts[parts.length - 1] as string;
    if (!s.startsWith(first) || s.length < first.length + last.length || !s.endsWith(last)) {
      return false;
    }
    let rest = s.slice(first.length, s.length - last.length);
    for (const mid of parts.slice(1, -1)) {
      const i = rest.indexOf(mid);
      if (i < 0) return false;
      rest = rest.slice(i + mid.length);
    }
    return true;
  };
  const match = (pat: string[], segs: string[]): boolean => {
    if (pat.length === 0) return segs.length === 0;
    const [p, ...more] = pat as [string, ...string[]];
    if (p === "**") return segs.some((_, k) => match(more, segs.slice(k))) || match(more, []);
    if (segs.length === 0) return false;
    if (p === "*" && more.length === 0) return true;
    return glob(p, segs[0] as string) && match(more, segs.slice(1));
  };
  return match(pattern.trim().split("."), type.split("."));
}

/** A plausible event for tests; override what the test is about. */
export function makeEvent(seq: number, over: Partial<StoredEvent> = {}): StoredEvent {
  const occurred_at_us = over.occurred_at_us ?? 1_793_491_200_000_000 + seq * 1_000_000;
  return {
    seq,
    id: `evt-${seq}`,
    type: "code.analysis.complete",
    type_version: null,
    occurred_at: toRfc3339Utc(occurred_at_us),
    occurred_at_us,
    received_at: "2026-11-22T08:00:00.000000Z",
    tenant: "acme",
    source: "axis",
    actor: { type: "user", id: "user_100" },
    user_id: "user_100",
    correlation_id: null,
    causation_id: null,
    parent_id: null,
    trace_id: null,
    subject: {},
    payload: null,
    dialect: "spine",
    flags: [],
    raw: "{}",
    raw_sha256: "0".repeat(64),
    origin: { source: "test.ndjson", line: seq, index: null, offset: null },
    ...over,
  };
}

/** What the integrity operations of a {@link FakeBackend} answer (defaults: a clean ordinary store). */
export interface FakeIntegrity {
  quarantine?: QuarantineRecord[];
  /** Replaces the computed (always OK) report. */
  verify?: VerifyReport;
  bundle?: BundleInfoResponse["bundle"];
  key?: KeyInfoResponse;
}

export class FakeBackend implements Backend {
  readonly kind = "http";
  /** Every `events` request, in order: tests assert on the paging. */
  readonly requests: EventsRequest[] = [];
  private store: StoredEvent[];

  constructor(
    events: StoredEvent[],
    private readonly integrity: FakeIntegrity = {},
  ) {
    this.store = [...events].sort((a, b) => a.occurred_at_us - b.occurred_at_us || a.seq - b.seq);
  }

  async appInfo(): Promise<AppInfo> {
    return { version: "0.0.0-fake", db_path: "/fake/trailview.db", store_error: null };
  }

  async stats(): Promise<Stats> {
    const tenants = new Map<string, TenantStats>();
    for (const e of this.store) {
      const t = tenants.get(e.tenant);
      if (!t) {
        tenants.set(e.tenant, {
          tenant: e.tenant,
          events: 1,
          first_occurred_at: e.occurred_at,
          last_occurred_at: e.occurred_at,
        });
      } else {
        t.events++;
        t.last_occurred_at = e.occurred_at;
      }
    }
    return {
      path: "/fake/trailview.db",
      events: this.store.length,
      quarantined: this.integrity.quarantine?.length ?? 0,
      last_seq: this.store.reduce((m, e) => Math.max(m, e.seq), 0),
      head: "",
      tenants: [...tenants.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : 1)),
      dialects: {},
      quarantine: (this.integrity.quarantine ?? []).reduce<Record<string, number>>((m, r) => {
        m[r.reason] = (m[r.reason] ?? 0) + 1;
        return m;
      }, {}),
    };
  }

  private matching(f: EventFilter): StoredEvent[] {
    if (typeof f.tenant !== "string") throw new BackendError("tenant_required", "tenant is required");
    const bound = (name: string, v: string | undefined) => {
      if (v === undefined) return null;
      const us = boundToUs(v);
      if (us === null) throw new BackendError("bad_filter", `${name}: cannot read ${v}`);
      return us;
    };
    const since = bound("since", f.since);
    const until = bound("until", f.until);
    if (f.type !== undefined && f.type.trim() === "") {
      throw new BackendError("bad_filter", "a type pattern cannot be empty");
    }
    return this.store.filter(
      (e) =>
        e.tenant === f.tenant &&
        (f.type === undefined || typeMatches(f.type, e.type)) &&
        (since === null || e.occurred_at_us >= since) &&
        (until === null || e.occurred_at_us < until) &&
        (f.source === undefined || e.source === f.source) &&
        (f.user === undefined || e.user_id === f.user) &&
        (f.correlation === undefined || e.correlation_id === f.correlation) &&
        (f.execution === undefined || e.subject.execution_id === f.execution),
    );
  }

  async events(req: EventsRequest): Promise<EventPage> {
    this.requests.push(req);
    const matches = this.matching(req);
    const cursor = (c: string) => {
      const [at, seq] = c.split(":").map(Number) as [number, number];
      return (e: StoredEvent) => e.occurred_at_us - at || e.seq - seq;
    };
    let page = matches;
    if (req.after) {
      const cmp = cursor(req.after);
      page = page.filter((e) => cmp(e) > 0);
    }
    if (req.before) {
      const cmp = cursor(req.before);
      page = page.filter((e) => cmp(e) < 0);
    }
    if (req.desc) page = [...page].reverse();
    return { events: page.slice(0, req.limit ?? 200), total: matches.length };
  }

  async event(tenant: string, id: string): Promise<StoredEvent> {
    const found = this.store.find((e) => e.tenant === tenant && e.id === id);
    if (!found) throw new BackendError("not_found", `no event ${id} in tenant ${tenant}`);
    return found;
  }

  async histogram(req: HistogramRequest): Promise<Bucket[]> {
    const n = req.buckets ?? 100;
    const width = Math.max(1, Math.ceil((req.to - req.from) / n));
    const out: Bucket[] = Array.from({ length: n }, (_, i) => ({
      start: toRfc3339Utc(req.from + i * width),
      start_us: req.from + i * width,
      count: 0,
    }));
    for (const e of this.matching(req)) {
      const i = Math.floor((e.occurred_at_us - req.from) / width);
      const bucket = out[i];
      if (bucket && e.occurred_at_us >= req.from) bucket.count++;
    }
    return out;
  }

  async quarantine(limit = 1000): Promise<QuarantineRecord[]> {
    return (this.integrity.quarantine ?? []).slice(0, limit);
  }

  async verify(): Promise<VerifyReport> {
    if (this.integrity.verify) return this.integrity.verify;
    return { ok: true, events: this.store.length, head: "", first_bad_seq: null, problem: null };
  }

  async bundleInfo(): Promise<BundleInfoResponse> {
    return { bundle: this.integrity.bundle ?? null };
  }

  async keyInfo(): Promise<KeyInfoResponse> {
    return this.integrity.key ?? { key: null, trusted: 0 };
  }

  // The graph, metrics and alerts are the core's analysis: this double does not reimplement
  // them. Their UI is tested against the real backend (tests/browser/graph.test.mjs).
  async graph(_req: GraphRequest): Promise<Graph> {
    throw new BackendError("not_in_fake", "the fake backend has no graph");
  }

  async metrics(_req: MetricsRequest): Promise<MetricsReport> {
    throw new BackendError("not_in_fake", "the fake backend has no metrics");
  }

  async alerts(_req: AlertsRequest): Promise<AlertReport> {
    throw new BackendError("not_in_fake", "the fake backend has no alerts");
  }

  async approvals(): Promise<ApprovalsResponse> {
    throw new BackendError("not_found", "the fake backend has no approvals");
  }

  async executions(): Promise<ExecutionsResponse> {
    throw new BackendError("not_found", "the fake backend has no executions");
  }

  async replay(): Promise<ReplayResponse> {
    throw new BackendError("not_found", "the fake backend has no replay");
  }

  async loadDemo(): Promise<IngestSummary> {
    return { accepted: 0, duplicates: 0, quarantined: 0, files: [] };
  }

  async ingestFiles(): Promise<IngestSummary> {
    throw new BackendError("desktop_only", "not in tests");
  }

  onIngestProgress(): () => void {
    return () => {};
  }

  async chooseFiles(): Promise<string[] | null> {
    return null;
  }

  onOpenRequest(): () => void {
    return () => {};
  }

  /** What `liveStatus` answers (default: nothing live); tests set it. */
  live: LiveStatus = {
    last_seq: 0,
    writer: null,
    watched_files: [],
    errors: [],
    active_tokens: 0,
    tokens: [],
    host: null,
    processes: [],
  };

  async liveStatus(): Promise<LiveStatus> {
    return { ...this.live, last_seq: this.store.reduce((m, e) => Math.max(m, e.seq), 0) };
  }

  /** The hosted sources the fake keeps (no sockets, no files: it only records the asks). */
  hosted: HostStatus = {
    listener: {
      on: false, tcp: null, unix: null, allow_remote: false, started_at: null,
      connections_open: 0, connections: 0, records: 0, unauthorized: 0, error: null,
    },
    watches: [],
  };

  async startListener(req: StartListenerRequest): Promise<HostStatus> {
    if (!req.tcp && !req.unix) throw new BackendError("bad_config", "nothing to listen on");
    this.hosted = {
      ...this.hosted,
      listener: { ...this.hosted.listener, on: true, tcp: req.tcp ?? null, unix: req.unix ?? null, error: null },
    };
    return this.hosted;
  }

  async stopListener(): Promise<HostStatus> {
    this.hosted = { ...this.hosted, listener: { ...this.hosted.listener, on: false } };
    return this.hosted;
  }

  async addWatch(req: AddWatchRequest): Promise<HostStatus> {
    const w = {
      dir: req.dir, glob: req.glob ?? null, running: true, started_at: null,
      files: 0, accepted: 0, duplicates: 0, rejected: 0, error: null,
    };
    this.hosted = { ...this.hosted, watches: [...this.hosted.watches, w] };
    return this.hosted;
  }

  async removeWatch(req: RemoveWatchRequest): Promise<HostStatus> {
    this.hosted = { ...this.hosted, watches: this.hosted.watches.filter((w) => w.dir !== req.dir) };
    return this.hosted;
  }

  /** What `chooseFolder` answers; tests set it. */
  folder: string | null = null;

  async chooseFolder(): Promise<string | null> {
    return this.folder;
  }

  private appendedHandlers = new Set<(notice: AppendedNotice) => void>();

  onAppended(handler: (notice: AppendedNotice) => void): () => void {
    this.appendedHandlers.add(handler);
    return () => this.appendedHandlers.delete(handler);
  }

  /** The store the fake serves: its own, unless a test set {@link FakeBackend.current}. */
  current: CurrentStore = {
    kind: "own",
    path: "/fake/trailview.db",
    own_path: "/fake/trailview.db",
    read_only: false,
    bundle: null,
  };

  async currentStore(): Promise<CurrentStore> {
    return this.current;
  }

  async openBundle(): Promise<CurrentStore> {
    throw new BackendError("desktop_only", "The fake backend opens no bundle files.");
  }

  async openBundleFile(): Promise<CurrentStore> {
    throw new BackendError("bundle_malformed", "The fake backend opens no bundle files.");
  }

  async closeBundle(): Promise<CurrentStore> {
    this.current = { ...this.current, kind: "own", path: this.current.own_path, read_only: false, bundle: null };
    return this.current;
  }

  async chooseSavePath(defaultName: string): Promise<string | null> {
    return defaultName;
  }

  async exportBundle(): Promise<ExportOutcome> {
    throw new BackendError("desktop_only", "The fake backend exports no bundles.");
  }

  /** Appends events (as another process would) and announces them as the backends do. */
  append(events: StoredEvent[]): void {
    if (events.length === 0) return;
    this.store = [...this.store, ...events].sort(
      (a, b) => a.occurred_at_us - b.occurred_at_us || a.seq - b.seq,
    );
    const seqs = events.map((e) => e.seq);
    const notice = { from_seq: Math.min(...seqs), to_seq: Math.max(...seqs) };
    for (const h of this.appendedHandlers) h(notice);
  }
}
