/**
 * Approvals (issue #4): every approval case of the tenant across dialects, from the backend's
 * `approvals` operation. A sortable, filterable table (status, decider, latency, anomalies), a
 * case detail with its evidence chain (each event opens in the timeline, each chain in replay),
 * and CSV/JSON export of the table as shown. Everything is rendered as text.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { ApprovalCase } from "../bindings/ApprovalCase";
import type { EventRef } from "../bindings/EventRef";
import { useBackend } from "../backend";
import { EmptyState } from "../components/EmptyState";
import { ErrorNotice } from "../components/ErrorNotice";
import { tenantLabel, useStats, useTenant } from "../data/queries";
import { formatRoute } from "../routing";
import { currentRoute } from "../state/route";

type SortKey = "opened" | "status" | "requester" | "decider" | "latency" | "anomalies";
type Dir = "asc" | "desc";

const STATUSES = ["pending", "approved", "denied", "expired"] as const;

/** When the case opened: its request, else its first decision. */
export function openedAt(c: ApprovalCase): EventRef | null {
  return c.request ?? c.decisions[0]?.event ?? null;
}

function sortValue(c: ApprovalCase, key: SortKey): string | number {
  switch (key) {
    case "opened":
      return openedAt(c)?.seq ?? 0;
    case "status":
      return c.status;
    case "requester":
      return c.requester ?? "";
    case "decider":
      return c.decider ?? "";
    case "latency":
      return c.latency_ms ?? -1;
    case "anomalies":
      return c.anomalies.length;
  }
}

export function sortCases(cases: ApprovalCase[], key: SortKey, dir: Dir): ApprovalCase[] {
  const sign = dir === "asc" ? 1 : -1;
  return [...cases].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    const c = x < y ? -1 : x > y ? 1 : 0;
    return c !== 0 ? c * sign : (openedAt(a)?.seq ?? 0) - (openedAt(b)?.seq ?? 0);
  });
}

function latencyText(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const CSV_COLUMNS = [
  "key",
  "status",
  "dialect",
  "opened_at",
  "requester",
  "subject",
  "decider",
  "decided_at",
  "latency_ms",
  "approval_id",
  "execution_id",
  "correlation_id",
  "anomalies",
] as const;

function csvCell(value: string): string {
  // Quote every cell and neutralise spreadsheet formulas (a cell starting with = + - @).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(cases: ApprovalCase[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const c of cases) {
    const row: Record<(typeof CSV_COLUMNS)[number], string> = {
      key: c.key,
      status: c.status,
      dialect: c.dialect ?? "",
      opened_at: openedAt(c)?.occurred_at ?? "",
      requester: c.requester ?? "",
      subject: c.subject ?? "",
      decider: c.decider ?? "",
      decided_at: c.decided_at ?? "",
      latency_ms: c.latency_ms === null ? "" : String(c.latency_ms),
      approval_id: c.approval_id ?? "",
      execution_id: c.execution_id ?? "",
      correlation_id: c.correlation_id ?? "",
      anomalies: c.anomalies.map((a) => a.kind).join(" "),
    };
    lines.push(CSV_COLUMNS.map((k) => csvCell(row[k])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A link to the event in the timeline, with its drawer open. */
function EventLink({ tenant, event }: { tenant: string; event: EventRef }) {
  const href = formatRoute({ ...currentRoute(), view: "timeline", tenant, filters: {}, at: null, event: event.id });
  return (
    <a href={href} className="mono" data-testid="evidence-link" title={`Open ${event.id} in the timeline`}>
      seq {event.seq} · {event.type} · {event.occurred_at}
    </a>
  );
}

function CaseDetail({ tenant, c }: { tenant: string; c: ApprovalCase }) {
  const replayHref = c.correlation_id
    ? formatRoute({
        ...currentRoute(),
        view: "replay",
        tenant,
        filters: { correlation: c.correlation_id },
        at: null,
        event: null,
      })
    : null;
  const graphHref = c.correlation_id
    ? formatRoute({
        ...currentRoute(),
        view: "graph",
        tenant,
        filters: { correlation: c.correlation_id },
        at: null,
        event: null,
      })
    : null;
  return (
    <section className="case-detail" data-testid="case-detail" aria-label="Case detail">
      <h2 className="case-title">
        Case <span className="mono">{c.key}</span> · <span data-testid="case-status">{c.status}</span>
      </h2>
      <dl className="case-facts">
        <dt>Subject</dt>
        <dd>{c.subject ?? "—"}</dd>
        <dt>Requester</dt>
        <dd>{c.requester ?? "—"}</dd>
        <dt>Decider</dt>
        <dd>{c.decider ?? "—"}</dd>
        <dt>Latency</dt>
        <dd>{latencyText(c.latency_ms)}</dd>
        <dt>Expires</dt>
        <dd>{c.expires_at ?? "—"}</dd>
        <dt>Links</dt>
        <dd className="mono">
          {[c.approval_id && `approval ${c.approval_id}`, c.execution_id && `execution ${c.execution_id}`, c.correlation_id && `correlation ${c.correlation_id}`]
            .filter(Boolean)
            .join(" · ") || "—"}
          {replayHref && graphHref && (
            <>
              {" "}
              <a href={replayHref} data-testid="replay-link">
                Replay the chain
              </a>{" "}
              <a href={graphHref} data-testid="graph-link">
                Graph of the chain
              </a>
            </>
          )}
        </dd>
      </dl>
      <h3>Evidence chain</h3>
      <ol className="evidence" data-testid="evidence-chain">
        {c.request && (
          <li>
            <span className="evidence-role">request</span> <EventLink tenant={tenant} event={c.request} />
          </li>
        )}
        {c.decisions.map((d) => (
          <li key={d.event.seq}>
            <span className="evidence-role">
              {d.verdict}
              {d.stands ? " (stands)" : ""}
              {d.by ? ` by ${d.by}` : ""}
            </span>{" "}
            <EventLink tenant={tenant} event={d.event} />
          </li>
        ))}
        {c.actions.map((a) => (
          <li key={a.seq}>
            <span className="evidence-role">action</span> <EventLink tenant={tenant} event={a} />
          </li>
        ))}
      </ol>
      {c.anomalies.length > 0 && (
        <>
          <h3>Anomalies</h3>
          <ul className="anomalies" data-testid="case-anomalies">
            {c.anomalies.map((a, i) => (
              <li key={i} data-testid="anomaly">
                <strong className="anomaly-kind">{a.kind}</strong>: {a.message}
                <ul>
                  {a.evidence.map((e) => (
                    <li key={e.seq}>
                      <EventLink tenant={tenant} event={e} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function ApprovalsView() {
  const backend = useBackend();
  const { tenant } = useTenant();
  const stats = useStats();
  const [status, setStatus] = useState<string>("");
  const [decider, setDecider] = useState("");
  const [anomaliesOnly, setAnomaliesOnly] = useState(false);
  const [asOfInput, setAsOfInput] = useState("");
  const [asOf, setAsOf] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; dir: Dir }>({ key: "opened", dir: "asc" });
  const [selected, setSelected] = useState<string | null>(null);
  const lastSeq = stats.data?.last_seq ?? 0;

  const q = useQuery({
    queryKey: ["approvals", tenant, asOf, lastSeq],
    queryFn: () => backend.approvals(asOf === null ? { tenant: tenant ?? "" } : { tenant: tenant ?? "", as_of: asOf }),
    // Keyed by the store's last seq (a grown store is re-read): wait for it, so the first
    // answer is not thrown away when the stats arrive.
    enabled: tenant !== null && stats.data !== undefined,
    // While a new as-of or a grown store is read, keep showing this tenant's table (never
    // another tenant's).
    placeholderData: (prev, prevQuery) => (prevQuery?.queryKey[1] === tenant ? prev : undefined),
  });

  const shown = useMemo(() => {
    const all = q.data?.cases ?? [];
    const d = decider.trim().toLowerCase();
    const filtered = all.filter(
      (c) =>
        (status === "" || c.status === status) &&
        (d === "" || (c.decider ?? "").toLowerCase().includes(d)) &&
        (!anomaliesOnly || c.anomalies.length > 0),
    );
    return sortCases(filtered, sort.key, sort.dir);
  }, [q.data, status, decider, anomaliesOnly, sort]);

  if (tenant === null) return <p className="muted">Reading the store…</p>;
  if (q.isError) return <ErrorNotice error={q.error} action="read the approval cases" />;

  const chosen = shown.find((c) => c.key === selected) ?? null;
  const header = (key: SortKey, label: string) => {
    const active = sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}>
        <button
          type="button"
          className="th-sort"
          data-testid={`sort-${key}`}
          onClick={() => setSort({ key, dir: active && sort.dir === "asc" ? "desc" : "asc" })}
        >
          {label}
          {active ? (sort.dir === "asc" ? " ▲" : " ▼") : ""}
        </button>
      </th>
    );
  };

  return (
    <div className="approvals">
      <p className="view-scope" data-testid="scope">
        <span className="muted">Tenant</span> <strong>{tenantLabel(tenant)}</strong>
        {q.data?.as_of && <span className="muted"> · as of {q.data.as_of}</span>}
      </p>
      <form
        className="approvals-tools"
        onSubmit={(e) => {
          e.preventDefault();
          setAsOf(asOfInput.trim() === "" ? null : asOfInput.trim());
        }}
      >
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="filter-status">
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Decider{" "}
          <input value={decider} onChange={(e) => setDecider(e.target.value)} data-testid="filter-decider" placeholder="any" />
        </label>
        <label>
          <input type="checkbox" checked={anomaliesOnly} onChange={(e) => setAnomaliesOnly(e.target.checked)} data-testid="filter-anomalies" />{" "}
          Anomalies only
        </label>
        <label>
          As of{" "}
          <input
            value={asOfInput}
            onChange={(e) => setAsOfInput(e.target.value)}
            data-testid="as-of"
            placeholder="2026-11-01T10:00:00Z"
            className="mono"
          />
        </label>
        <button type="submit" className="button button-small" data-testid="as-of-apply">
          Apply
        </button>
        <span className="approvals-export">
          <button type="button" className="button button-small" data-testid="export-csv" onClick={() => download(`approvals-${tenant || "personal"}.csv`, "text/csv", toCsv(shown))}>
            Export CSV
          </button>
          <button
            type="button"
            className="button button-small"
            data-testid="export-json"
            onClick={() => download(`approvals-${tenant || "personal"}.json`, "application/json", `${JSON.stringify(shown, null, 2)}\n`)}
          >
            Export JSON
          </button>
        </span>
      </form>
      {q.isPending ? (
        <p className="muted">Reading the approval cases…</p>
      ) : (
        <>
          <p className="approvals-count" data-testid="approvals-count">
            {shown.length} of {q.data.cases.length} cases · {q.data.counts.anomalies} anomalies
            {q.data.loose_anomalies.length > 0 && ` (${q.data.loose_anomalies.length} without a case)`}
          </p>
          {shown.length === 0 ? (
            <EmptyState title="No approval cases">
              <p>No approval case of this tenant matches.</p>
            </EmptyState>
          ) : (
            <table className="approvals-table" data-testid="approvals-table">
              <thead>
                <tr>
                  {header("opened", "Opened")}
                  {header("status", "Status")}
                  <th scope="col">Dialect</th>
                  {header("requester", "Requester")}
                  <th scope="col">Subject</th>
                  {header("decider", "Decider")}
                  {header("latency", "Latency")}
                  {header("anomalies", "Anomalies")}
                </tr>
              </thead>
              <tbody>
                {shown.map((c) => (
                  <tr
                    key={c.key}
                    data-testid="approval-row"
                    data-key={c.key}
                    aria-selected={c.key === selected}
                    className={c.key === selected ? "selected" : undefined}
                    onClick={() => setSelected(c.key)}
                  >
                    <td className="mono">{openedAt(c)?.occurred_at ?? "—"}</td>
                    <td data-testid="cell-status">
                      <span className={`status status-${c.status}`}>{c.status}</span>
                    </td>
                    <td>{c.dialect ?? "—"}</td>
                    <td>{c.requester ?? "—"}</td>
                    <td className="subject">{c.subject ?? "—"}</td>
                    <td data-testid="cell-decider">{c.decider ?? "—"}</td>
                    <td data-testid="cell-latency" data-ms={c.latency_ms ?? ""}>
                      {latencyText(c.latency_ms)}
                    </td>
                    <td data-testid="cell-anomalies">{c.anomalies.map((a) => a.kind).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {q.data.loose_anomalies.length > 0 && (
            <section className="loose-anomalies" data-testid="loose-anomalies" aria-label="Anomalies without a case">
              <h3>Anomalies without a case</h3>
              <ul className="anomalies">
                {q.data.loose_anomalies.map((a, i) => (
                  <li key={i}>
                    <strong className="anomaly-kind">{a.kind}</strong>: {a.message}
                    <ul>
                      {a.evidence.map((e) => (
                        <li key={e.seq}>
                          <EventLink tenant={tenant} event={e} />
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {chosen && <CaseDetail tenant={tenant} c={chosen} />}
        </>
      )}
    </div>
  );
}
