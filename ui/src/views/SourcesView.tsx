import { useQuery } from "@tanstack/react-query";
import type { LiveStatus } from "../bindings/LiveStatus";
import { useBackend } from "../backend";
import { ErrorNotice } from "../components/ErrorNotice";
import { tenantLabel } from "../data/queries";

/** How often the panel re-reads `live_status` while it is shown (ms). */
export const SOURCES_REFRESH_MS = 2000;

const n = (v: number) => v.toLocaleString("en-US");

/**
 * The Sources view: live ingest as the store records it — files followed by `trailview watch`
 * (where each stands), the refusals of each live origin (sockets, HTTP, watched files), the
 * write tokens (label, tenants, created, revoked; never the token, which is never stored), and
 * this process's live writer when it runs one (`serve --ingest`). Re-read every 2 s while shown.
 * Paths, labels and messages are untrusted: plain text only.
 */
export function SourcesView() {
  const backend = useBackend();
  const status = useQuery({
    queryKey: ["live_status"],
    queryFn: () => backend.liveStatus(),
    refetchInterval: SOURCES_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
  if (status.isPending) return <p className="muted">Reading the live sources…</p>;
  if (status.isError && !status.data) {
    return <ErrorNotice error={status.error} action="read the live sources" />;
  }
  const s = status.data;
  return (
    <div className="sources" data-testid="sources">
      {status.isError && <ErrorNotice error={status.error} action="refresh the live sources" />}
      <Writer status={s} />
      <Watched status={s} />
      <Refusals status={s} />
      <Tokens status={s} />
    </div>
  );
}

function Writer({ status }: { status: LiveStatus }) {
  const w = status.writer;
  return (
    <section className="card" aria-labelledby="src-writer" data-testid="sources-writer">
      <h2 id="src-writer" className="card-title">
        This process
      </h2>
      <dl className="facts">
        <dt>Last seq</dt>
        <dd className="mono" data-testid="sources-last-seq">
          {n(status.last_seq)}
        </dd>
        {w ? (
          <>
            <dt>Accepted</dt>
            <dd className="mono">{n(w.accepted)}</dd>
            <dt>Duplicates</dt>
            <dd className="mono">{n(w.duplicates)}</dd>
            <dt>Rejected</dt>
            <dd className="mono">{n(w.rejected)}</dd>
            <dt>Commits</dt>
            <dd className="mono">{n(w.commits)}</dd>
            <dt>Write errors</dt>
            <dd className={w.errors > 0 ? "mono sources-bad" : "mono"}>{n(w.errors)}</dd>
            <dt>Rate</dt>
            <dd className="mono" data-testid="sources-rate">
              {w.rate_per_s.toLocaleString("en-US", { maximumFractionDigits: 1 })} records/s over{" "}
              {Math.round(w.uptime_s).toLocaleString("en-US")} s
            </dd>
          </>
        ) : (
          <>
            <dt>Live writer</dt>
            <dd className="muted" data-testid="sources-no-writer">
              None in this process. <code>trailview serve --ingest</code>, <code>trailview listen</code> and{" "}
              <code>trailview watch</code> write through their own; what they store shows here and in the
              timeline.
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function Watched({ status }: { status: LiveStatus }) {
  return (
    <section className="card" aria-labelledby="src-watched" data-testid="sources-watched">
      <h2 id="src-watched" className="card-title">
        Watched files <span className="muted">({n(status.watched_files.length)})</span>
      </h2>
      {status.watched_files.length === 0 ? (
        <p className="muted small">
          None. <code>trailview watch FILE…</code> follows files as they grow, from a checkpoint.
        </p>
      ) : (
        <table className="sources-table">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Offset</th>
              <th scope="col">Line</th>
              <th scope="col">Last update</th>
            </tr>
          </thead>
          <tbody>
            {status.watched_files.map((f) => (
              <tr key={f.path} data-testid="sources-watched-row">
                <td className="mono sources-path">{f.path}</td>
                <td className="mono">{n(f.offset)} B</td>
                <td className="mono">{n(f.line)}</td>
                <td className="mono">{f.updated_at}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Refusals({ status }: { status: LiveStatus }) {
  return (
    <section className="card" aria-labelledby="src-errors" data-testid="sources-errors">
      <h2 id="src-errors" className="card-title">
        Refused by live sources <span className="muted">({n(status.errors.length)})</span>
      </h2>
      {status.errors.length === 0 ? (
        <p className="muted small">No live source refused a record.</p>
      ) : (
        <table className="sources-table">
          <thead>
            <tr>
              <th scope="col">Origin</th>
              <th scope="col">Refused</th>
              <th scope="col">Last reason</th>
            </tr>
          </thead>
          <tbody>
            {status.errors.map((e) => (
              <tr key={e.origin} data-testid="sources-error-row">
                <td className="mono sources-path">{e.origin}</td>
                <td className="mono">{n(e.quarantined)}</td>
                <td>
                  <code>{e.last_reason}</code> <span className="small">{e.last_message}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Tokens({ status }: { status: LiveStatus }) {
  return (
    <section className="card" aria-labelledby="src-tokens" data-testid="sources-tokens">
      <h2 id="src-tokens" className="card-title">
        Write tokens <span className="muted">({n(status.active_tokens)} active)</span>
      </h2>
      <p className="muted small">
        A token is shown once, by <code>trailview token create</code>; the store keeps only its hash.
      </p>
      {status.tokens.length > 0 && (
        <table className="sources-table">
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Label</th>
              <th scope="col">Tenants</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {status.tokens.map((t) => (
              <tr key={t.id} data-testid="sources-token-row">
                <td className="mono">{t.id}</td>
                <td data-testid="sources-token-label">{t.label}</td>
                <td data-testid="sources-token-tenants">{t.tenants.map(tenantLabel).join(", ")}</td>
                <td className="mono">{t.created_at}</td>
                <td>{t.revoked_at ? `revoked ${t.revoked_at}` : "active"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
