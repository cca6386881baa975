import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { HostStatus } from "../bindings/HostStatus";
import type { LiveStatus } from "../bindings/LiveStatus";
import { isApiError, useBackend } from "../backend";
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
 * The process serving the UI can host a socket listener and watch folders itself (switched here,
 * remembered in the store); `trailview listen` / `watch` processes on the same store are listed
 * with their heartbeats ("stale" when one stops beating: killed).
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
      {s.host && <Listener host={s.host} />}
      {s.host && <Folders host={s.host} />}
      <Processes status={s} />
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

/** The default the address field offers (the port docs/PROTOCOL.md uses). */
export const DEFAULT_LISTEN_ADDR = "127.0.0.1:7421";

/** Turns a hosted-source operation into a mutation that refreshes `live_status` when done. */
function useHostOp<A>(op: (arg: A) => Promise<HostStatus>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: op,
    onSuccess: (host) => {
      client.setQueryData<LiveStatus>(["live_status"], (old) => (old ? { ...old, host } : old));
      void client.invalidateQueries({ queryKey: ["live_status"] });
    },
  });
}

function Listener({ host }: { host: HostStatus }) {
  const backend = useBackend();
  const l = host.listener;
  // Offer the address it last had (a port 0 start comes back as the port it got).
  const [tcp, setTcp] = useState(l.tcp ?? (l.unix ? "" : DEFAULT_LISTEN_ADDR));
  const [unix, setUnix] = useState(l.unix ?? "");
  const start = useHostOp(() =>
    backend.startListener({
      ...(tcp.trim() ? { tcp: tcp.trim() } : {}),
      ...(unix.trim() ? { unix: unix.trim() } : {}),
    }),
  );
  const stop = useHostOp(() => backend.stopListener());
  const busy = start.isPending || stop.isPending;
  const failed = start.error ?? stop.error;
  const toggle = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    start.reset();
    stop.reset();
    if (l.on) {
      stop.mutate(undefined, {
        onSuccess: (h) => {
          setTcp(h.listener.tcp ?? "");
          setUnix(h.listener.unix ?? "");
        },
      });
    } else start.mutate(undefined);
  };
  return (
    <section className="card" aria-labelledby="src-listener" data-testid="sources-listener">
      <h2 id="src-listener" className="card-title">
        Socket listener{" "}
        <span className={l.on ? "" : "muted"} data-testid="listener-state">
          {l.on ? "on" : "off"}
        </span>
      </h2>
      <p className="muted small">
        NDJSON over a socket, hosted by this process: the <code>trailview listen</code> protocol
        (docs/PROTOCOL.md), one ack per record after it is stored. TCP needs a write token and stays on
        this machine's loopback address. Remembered for the next launch.
      </p>
      <form className="sources-form" onSubmit={toggle}>
        {l.on ? (
          <dl className="facts">
            {l.tcp && (
              <>
                <dt>TCP</dt>
                <dd className="mono" data-testid="listener-tcp-bound">
                  {l.tcp}
                </dd>
              </>
            )}
            {l.unix && (
              <>
                <dt>Unix socket</dt>
                <dd className="mono sources-path">{l.unix}</dd>
              </>
            )}
            <dt>Connections</dt>
            <dd className="mono">
              {n(l.connections_open)} open · {n(l.connections)} since start
              {l.unauthorized > 0 && <span className="sources-bad"> · {n(l.unauthorized)} refused (token)</span>}
            </dd>
            <dt>Records</dt>
            <dd className="mono" data-testid="listener-records">
              {n(l.records)}
            </dd>
          </dl>
        ) : (
          <>
            <label className="sources-field">
              <span>TCP address</span>
              <input
                className="input input-small mono"
                data-testid="listener-tcp"
                value={tcp}
                onChange={(e) => setTcp(e.target.value)}
                placeholder="127.0.0.1:7421"
                spellCheck={false}
              />
            </label>
            <label className="sources-field">
              <span>Unix socket (optional)</span>
              <input
                className="input input-small mono"
                data-testid="listener-unix"
                value={unix}
                onChange={(e) => setUnix(e.target.value)}
                placeholder="/run/user/1000/trailview.sock"
                spellCheck={false}
              />
            </label>
          </>
        )}
        <button type="submit" className="button" data-testid="listener-toggle" disabled={busy} aria-pressed={l.on}>
          {busy ? "…" : l.on ? "Turn off" : "Turn on"}
        </button>
      </form>
      {failed && (
        <div data-testid="listener-error">
          <ErrorNotice error={failed} action={l.on ? "stop the listener" : "start the listener"} />
        </div>
      )}
      {!failed && !l.on && l.error && (
        <p className="sources-bad small" role="alert" data-testid="listener-error">
          {l.error}
        </p>
      )}
    </section>
  );
}

function Folders({ host }: { host: HostStatus }) {
  const backend = useBackend();
  const [typing, setTyping] = useState(false);
  const [dir, setDir] = useState("");
  const [glob, setGlob] = useState("");
  const [chooseError, setChooseError] = useState<unknown>(null);
  const add = useHostOp((req: { dir: string; glob?: string }) => backend.addWatch(req));
  const remove = useHostOp((d: string) => backend.removeWatch({ dir: d }));
  const choose = async () => {
    setChooseError(null);
    add.reset();
    try {
      const picked = await backend.chooseFolder();
      if (picked) add.mutate({ dir: picked });
    } catch (err: unknown) {
      // No native picker (a browser): type the path instead.
      if (isApiError(err) && err.code === "desktop_only") setTyping(true);
      else setChooseError(err);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!dir.trim() || add.isPending) return;
    add.mutate(
      { dir: dir.trim(), ...(glob.trim() ? { glob: glob.trim() } : {}) },
      { onSuccess: () => setDir("") },
    );
  };
  return (
    <section className="card" aria-labelledby="src-folders" data-testid="sources-folders">
      <h2 id="src-folders" className="card-title">
        Watched folders <span className="muted">({n(host.watches.length)})</span>
      </h2>
      <p className="muted small">
        Followed by this process: new lines of matching files become events, from a checkpoint kept with
        them (nothing read twice). Remembered for the next launch.
      </p>
      {host.watches.length > 0 && (
        <table className="sources-table">
          <thead>
            <tr>
              <th scope="col">Folder</th>
              <th scope="col">Files</th>
              <th scope="col">Stored</th>
              <th scope="col">Duplicates</th>
              <th scope="col">Refused</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {host.watches.map((w) => (
              <tr key={w.dir} data-testid="folder-row" data-dir={w.dir}>
                <td className="mono sources-path">
                  {w.dir}
                  {w.glob && <span className="muted"> ({w.glob})</span>}
                </td>
                <td className="mono">{n(w.files)}</td>
                <td className="mono" data-testid="folder-accepted">
                  {n(w.accepted)}
                </td>
                <td className="mono">{n(w.duplicates)}</td>
                <td className={w.rejected > 0 ? "mono sources-bad" : "mono"}>{n(w.rejected)}</td>
                <td className={w.error ? "sources-bad small" : "small"}>
                  {w.running ? "watching" : "stopped"}
                  {w.error && <> · {w.error}</>}
                </td>
                <td>
                  <button
                    type="button"
                    className="button button-small"
                    data-testid="folder-remove"
                    disabled={remove.isPending}
                    onClick={() => {
                      remove.reset();
                      remove.mutate(w.dir);
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {typing ? (
        <form className="sources-form" onSubmit={submit}>
          <label className="sources-field">
            <span>Folder (absolute path)</span>
            <input
              className="input input-small mono"
              data-testid="folder-path"
              value={dir}
              onChange={(e) => setDir(e.target.value)}
              placeholder="/var/log/myapp"
              spellCheck={false}
              autoFocus
            />
          </label>
          <label className="sources-field">
            <span>Files (optional glob)</span>
            <input
              className="input input-small mono"
              data-testid="folder-glob"
              value={glob}
              onChange={(e) => setGlob(e.target.value)}
              placeholder="*.ndjson, *.jsonl"
              spellCheck={false}
            />
          </label>
          <button type="submit" className="button" data-testid="folder-submit" disabled={add.isPending || !dir.trim()}>
            {add.isPending ? "…" : "Watch"}
          </button>
        </form>
      ) : (
        <button type="button" className="button sources-add" data-testid="folder-add" onClick={() => void choose()}>
          Watch folder…
        </button>
      )}
      {(add.error ?? remove.error ?? chooseError) != null && (
        <div data-testid="folder-error">
          <ErrorNotice
            error={add.error ?? remove.error ?? chooseError}
            action={remove.error ? "stop watching the folder" : "watch the folder"}
          />
        </div>
      )}
    </section>
  );
}

function Processes({ status }: { status: LiveStatus }) {
  const rows = status.processes;
  return (
    <section className="card" aria-labelledby="src-processes" data-testid="sources-processes">
      <h2 id="src-processes" className="card-title">
        Other processes <span className="muted">({n(rows.length)})</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted small">
          None. <code>trailview listen</code> and <code>trailview watch</code> running on this store show
          here, with their counts, every second.
        </p>
      ) : (
        <table className="sources-table">
          <thead>
            <tr>
              <th scope="col">Kind · pid</th>
              <th scope="col">Address</th>
              <th scope="col">Stored</th>
              <th scope="col">Dup. · refused</th>
              <th scope="col">Rate</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={`${p.pid}-${p.started_at}`} data-testid="process-row" data-state={p.state}>
                <td>
                  {p.kind} <span className="mono muted">{p.pid}</span>
                </td>
                <td className="mono sources-path">{p.address}</td>
                <td className="mono" data-testid="process-accepted">
                  {n(p.accepted)}
                </td>
                <td className={p.rejected > 0 ? "mono sources-bad" : "mono"}>
                  {n(p.duplicates)} · {n(p.rejected)}
                </td>
                <td className="mono">
                  {p.rate_per_s.toLocaleString("en-US", { maximumFractionDigits: 1 })}/s
                </td>
                <td
                  className={p.state === "running" ? "small" : "sources-bad small"}
                  data-testid="process-state"
                  title={`started ${p.started_at}; last heartbeat ${p.heartbeat_at}`}
                >
                  {p.state === "stale"
                    ? `stale: no heartbeat for ${Math.round(p.heartbeat_age_s)} s`
                    : p.state === "running"
                      ? `running since ${p.started_at.slice(11, 19)} UTC`
                      : p.state}
                  {p.last_error && <> · {p.last_error}</>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
