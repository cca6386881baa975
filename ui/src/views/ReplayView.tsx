/**
 * Replay (issue #4): a scrubber bound to `seq` over one scope of the tenant (a correlation chain,
 * an Aximo execution, a trace, or a time window — the URL's `correlation`, `execution`, `trace`
 * or `since`+`until`), play / pause / step / speed, and the state at the cursor from the
 * backend's `replay` operation (one snapshot + a short fold there). Playing steps frame by frame,
 * so idle gaps in time are compressed by construction. The scope's graph (not for a window)
 * follows the cursor beside the state, and the timeline link opens the cursor's event.
 * Everything is rendered as text.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { GraphRequest } from "../bindings/GraphRequest";
import type { ReplayRequest } from "../bindings/ReplayRequest";
import type { ReplayResponse } from "../bindings/ReplayResponse";
import { useBackend } from "../backend";
import { EmptyState } from "../components/EmptyState";
import { Histogram } from "../components/Histogram";
import { ErrorNotice } from "../components/ErrorNotice";
import { tenantLabel, useStats, useTenant } from "../data/queries";
import { formatRoute } from "../routing";
import type { Route } from "../routing";
import { currentRoute, navigate, useRoute } from "../state/route";
import { ReplayGraph } from "./replay/ReplayGraph";

const SPEEDS = [1, 2, 4, 8] as const;

/** Where the cursor is: after a seq, or after everything that occurred by a time (RFC 3339). */
type Cursor = { seq: number } | { time: string } | null;

/** µs since the epoch as RFC 3339 UTC with all six fractional digits. */
export function rfc3339Micros(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us - ms * 1000).padStart(3, "0")}Z`;
}
/** One frame per this many ms at 1×. */
const FRAME_MS = 600;

type ScopeKind = "correlation" | "execution" | "trace" | "window";

type Scope = { kind: ScopeKind; req: Pick<ReplayRequest, "correlation" | "execution" | "trace" | "since" | "until"> };

/** The replay scope a route names: correlation, then execution, then trace, then a window. */
export function scopeOf(route: Pick<Route, "filters" | "trace">): Scope | null {
  const f = route.filters;
  if (f.correlation) return { kind: "correlation", req: { correlation: f.correlation } };
  if (f.execution) return { kind: "execution", req: { execution: f.execution } };
  if (route.trace) return { kind: "trace", req: { trace: route.trace } };
  if (f.since && f.until) return { kind: "window", req: { since: f.since, until: f.until } };
  return null;
}

/** The `graph` request for the same scope; `null` for a time window, which has no graph. */
export function graphRequestOf(tenant: string, scope: Scope): GraphRequest | null {
  const { correlation, execution, trace } = scope.req;
  if (scope.kind === "correlation" && correlation) return { tenant, correlation };
  if (scope.kind === "execution" && execution) return { tenant, execution };
  if (scope.kind === "trace" && trace) return { tenant, trace };
  return null;
}

function ScopeForm() {
  const [kind, setKind] = useState<ScopeKind>("correlation");
  const [value, setValue] = useState("");
  const [until, setUntil] = useState("");
  return (
    <form
      className="replay-scope-form"
      data-testid="replay-scope-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (kind === "trace") {
          navigate({ filters: {}, trace: value.trim() });
          return;
        }
        const filters =
          kind === "window" ? { since: value.trim(), until: until.trim() } : { [kind]: value.trim() };
        navigate({ filters, trace: null });
      }}
    >
      <label>
        Replay{" "}
        <select value={kind} onChange={(e) => setKind(e.target.value as ScopeKind)}>
          <option value="correlation">a correlation chain</option>
          <option value="execution">an execution</option>
          <option value="trace">a trace</option>
          <option value="window">a time window</option>
        </select>
      </label>
      <input value={value} onChange={(e) => setValue(e.target.value)} placeholder={kind === "window" ? "since (RFC 3339)" : "id"} className="mono" />
      {kind === "window" && (
        <input value={until} onChange={(e) => setUntil(e.target.value)} placeholder="until (RFC 3339)" className="mono" />
      )}
      <button type="submit" className="button button-small">
        Open
      </button>
    </form>
  );
}

function StatePanel({ r, tenant }: { r: ReplayResponse; tenant: string }) {
  const s = r.state;
  const eventHref = (id: string) =>
    formatRoute({ ...currentRoute(), view: "timeline", tenant, filters: {}, at: null, event: id });
  return (
    <section className="replay-state" data-testid="replay-state" aria-label="State at the cursor">
      <h2>
        State after frame {r.position} of {r.total_frames}
        {s.at && <span className="muted"> · {s.at}</span>}
      </h2>
      <div className="replay-columns">
        <div>
          <h3>
            Executions{" "}
            <span className="muted" data-testid="executions-total">
              {s.executions.length < s.executions_total ? `${s.executions.length} of ${s.executions_total}, most recent first` : s.executions_total}
            </span>
          </h3>
          {s.executions.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul data-testid="state-executions">
              {s.executions.map((x) => (
                <li key={x.execution_id} data-testid="state-execution" data-id={x.execution_id}>
                  <span className="mono">{x.execution_id}</span> <strong data-testid="execution-status">{x.status ?? "—"}</strong>
                  {x.skill_version && <span className="muted"> · v{x.skill_version}</span>}
                </li>
              ))}
            </ul>
          )}
          <h3>
            Approvals{" "}
            <span className="muted">
              {s.approvals.length < s.approvals_total ? `${s.approvals.length} of ${s.approvals_total}, most recent first` : s.approvals_total}
            </span>
          </h3>
          {s.approvals.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul data-testid="state-approvals">
              {s.approvals.map((c) => (
                <li key={c.key} data-testid="state-approval" data-key={c.key}>
                  <a className="mono" href={eventHref(c.key)}>
                    {c.key}
                  </a>{" "}
                  <strong data-testid="approval-status">{c.status}</strong>
                  {c.decider && <span className="muted"> · by {c.decider}</span>}
                  {c.anomalies.length > 0 && <span className="anomaly-kind"> · {c.anomalies.map((a) => a.kind).join(", ")}</span>}
                </li>
              ))}
            </ul>
          )}
          <h3>Deployments</h3>
          {s.deployments.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul data-testid="state-deployments">
              {s.deployments.map((d) => (
                <li key={d.deployment_id}>
                  <span className="mono">{d.deployment_id}</span> {d.status} · {d.version ?? "?"}
                  {d.history.length > 0 && (
                    <span className="muted"> · history {d.history.map((h) => h.to ?? "?").join(" → ")}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Events by type</h3>
          <table className="replay-counts" data-testid="state-counts">
            <tbody>
              {s.counts.map((c) => (
                <tr key={c.type}>
                  <td className="mono">{c.type}</td>
                  <td>{c.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

export function ReplayView() {
  const backend = useBackend();
  const route = useRoute();
  const { tenant } = useTenant();
  const stats = useStats();
  const scope = scopeOf(route);
  const [cursor, setCursorState] = useState<Cursor>(null); // null = the end
  const setCursor = (seq: number) => setCursorState({ seq });
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const lastSeq = stats.data?.last_seq ?? 0;
  const scopeKey = JSON.stringify(scope?.req ?? null);

  useEffect(() => {
    setCursorState(null);
    setPlaying(false);
  }, [scopeKey, tenant]);

  const q = useQuery({
    queryKey: ["replay", tenant, scopeKey, cursor, lastSeq],
    queryFn: () =>
      backend.replay({
        tenant: tenant ?? "",
        ...scope?.req,
        at: cursor === null ? "end" : "seq" in cursor ? String(cursor.seq) : cursor.time,
        window: 12,
      }),
    enabled: tenant !== null && scope !== null && stats.data !== undefined,
    // While the next cursor is read, keep showing this scope (never another tenant's or scope's).
    placeholderData: (prev, prevQuery) =>
      prevQuery?.queryKey[1] === tenant && prevQuery?.queryKey[2] === scopeKey ? prev : undefined,
  });
  const r = q.data;

  // The frame after the cursor (for step and play), from the frames around it.
  const next = r?.frames.find((f) => f.index === r.position) ?? null;
  const prev = r && r.position >= 2 ? r.frames.find((f) => f.index === r.position - 2) ?? null : null;

  useEffect(() => {
    if (!playing || q.isFetching) return;
    if (!next) {
      setPlaying(false);
      return;
    }
    const t = setTimeout(() => setCursor(next.seq), FRAME_MS / speed);
    return () => clearTimeout(t);
  }, [playing, next, speed, q.isFetching]);

  if (tenant === null) return <p className="muted">Reading the store…</p>;
  if (!scope) {
    return (
      <div className="replay">
        <ScopeForm />
        <EmptyState title="Choose what to replay">
          <p>Open a correlation chain, an execution, a trace or a time window of {tenantLabel(tenant)} — or use “Replay the chain” on an approval case.</p>
        </EmptyState>
      </div>
    );
  }
  if (q.isError) return <ErrorNotice error={q.error} action="replay this scope" />;
  if (!r) return <p className="muted">Loading the scope…</p>;
  if (r.total_frames === 0) {
    return (
      <div className="replay">
        <ScopeForm />
        <EmptyState title="Nothing to replay">
          <p>The scope {r.scope} has no events in {tenantLabel(tenant)}.</p>
        </EmptyState>
      </div>
    );
  }
  const first = r.first_seq ?? 0;
  const last = r.last_seq ?? 0;
  const at = r.cursor?.seq ?? first - 1;

  return (
    <div className="replay">
      <p className="view-scope" data-testid="scope">
        <span className="muted">Tenant</span> <strong>{tenantLabel(tenant)}</strong> · <span data-testid="replay-scope">{r.scope}</span>
      </p>
      <div className="replay-controls">
        <button type="button" className="button button-small" data-testid="replay-start" onClick={() => setCursor(first - 1)} title="Before the first frame">
          Start
        </button>
        <button type="button" className="button button-small" data-testid="replay-back" disabled={r.position === 0} onClick={() => setCursor(prev ? prev.seq : first - 1)} title="Step back">
          ◀
        </button>
        <button type="button" className="button button-small" data-testid="replay-play" aria-pressed={playing} onClick={() => setPlaying(!playing)}>
          {playing ? "Pause" : "Play"}
        </button>
        <button type="button" className="button button-small" data-testid="replay-step" disabled={!next} onClick={() => next && setCursor(next.seq)} title="Step forward">
          ▶
        </button>
        <button type="button" className="button button-small" data-testid="replay-end" onClick={() => setCursor(last)} title="After the last frame">
          End
        </button>
        <label>
          Speed{" "}
          <select value={speed} data-testid="replay-speed" onChange={(e) => setSpeed(Number(e.target.value) as (typeof SPEEDS)[number])}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <input
          type="range"
          className="replay-slider"
          data-testid="replay-slider"
          aria-label="Cursor (seq)"
          min={first - 1}
          max={last}
          step={1}
          value={at}
          onChange={(e) => {
            setPlaying(false);
            setCursor(Number(e.target.value));
          }}
        />
        <span className="mono" data-testid="replay-position">
          {r.position}/{r.total_frames}
        </span>
        <span className="muted mono">seq {r.cursor?.seq ?? "—"}</span>
        {r.cursor && (
          <a
            data-testid="replay-timeline-link"
            href={formatRoute({
              ...currentRoute(),
              view: "timeline",
              tenant,
              // The timeline filters by correlation, execution and time, not by trace: a trace's
              // cursor opens in the tenant's timeline.
              ...(scope.kind === "trace" ? { filters: {}, trace: null } : {}),
              at: { kind: "time", us: r.cursor.occurred_at_us },
              event: r.cursor.id,
            })}
            title="The timeline of this scope, anchored and opened at the cursor's event"
          >
            Show in timeline
          </a>
        )}
      </div>
      {/* The histogram counts through the event filter, which has no trace: none for a trace. */}
      {r.first_at_us !== null && r.last_at_us !== null && scope.kind !== "trace" && (
        <div className="replay-histogram" data-testid="replay-histogram">
          <Histogram
            filter={{ tenant, ...scope.req }}
            from={r.first_at_us}
            to={Math.max(r.last_at_us + 1, r.first_at_us + 1000)}
            version={lastSeq}
            utc
            visible={
              r.cursor
                ? {
                    from: r.cursor.occurred_at_us,
                    to: r.cursor.occurred_at_us + Math.max(1, Math.floor((r.last_at_us - r.first_at_us) / 400)),
                  }
                : null
            }
            onBrush={() => {}}
            onJump={(us) => {
              setPlaying(false);
              setCursorState({ time: rfc3339Micros(us) });
            }}
            onReset={() => {}}
          />
        </div>
      )}
      <ol className="replay-frames" data-testid="replay-frames">
        {r.frames.map((f) => (
          <li key={f.seq} className={f.index + 1 === r.position ? "current" : f.index + 1 > r.position ? "future" : undefined}>
            <button type="button" className="frame-button" data-testid="replay-frame" onClick={() => setCursor(f.seq)}>
              <span className="mono">#{f.index + 1}</span> <span className="mono">seq {f.seq}</span> {f.occurred_at} <strong>{f.type}</strong>
            </button>
          </li>
        ))}
      </ol>
      <div className="replay-body">
        <StatePanel r={r} tenant={tenant} />
        <ReplayGraph
          req={graphRequestOf(tenant, scope)}
          cursorSeq={r.cursor?.seq ?? null}
          onSeek={(seq) => {
            setPlaying(false);
            setCursor(seq);
          }}
        />
      </div>
    </div>
  );
}
