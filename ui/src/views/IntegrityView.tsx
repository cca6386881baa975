import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useBackend } from "../backend";
import type { BundleInfo } from "../bindings/BundleInfo";
import type { QuarantineRecord } from "../bindings/QuarantineRecord";
import { CopyableText } from "../components/CopyableText";
import { ErrorNotice } from "../components/ErrorNotice";
import { TrustBadge } from "../components/TrustBadge";
import { QUARANTINE_LIMIT, useBundleInfo, useKeyInfo, useQuarantine } from "../data/integrity";
import { tenantLabel, useStats } from "../data/queries";
import {
  filterByReason,
  formatBytes,
  formatCount,
  groupHex,
  originDetail,
  originPlace,
  reasonCounts,
  verdict,
} from "../lib/integrity";
import { formatTime, parseRfc3339Us } from "../lib/time";
import { useUi } from "../state/ui";
import { ExportBundleButton } from "../bundle/ExportDialog";

/**
 * Can what is on screen be trusted? The store's own check (`verify`: hash chain and every event
 * against its raw bytes), the bundle's trust when the store was opened from one, this
 * installation's signing key, and the quarantine: every record that was refused, why and where.
 *
 * Quarantined messages and origins come from hostile files: all of it is rendered as React text.
 */
export function IntegrityView() {
  return (
    <div className="integrity" data-testid="integrity">
      <VerifyPanel />
      <TrustPanel />
      <QuarantinePanel />
    </div>
  );
}

function VerifyPanel() {
  const backend = useBackend();
  const stats = useStats();
  const run = useMutation({ mutationFn: () => backend.verify() });
  const result = run.data ? verdict(run.data) : null;
  return (
    <section className="card" aria-labelledby="verify-title">
      <h2 id="verify-title" className="card-title">
        Store verification
      </h2>
      <p className="muted small">
        Re-walks the whole log: recomputes the hash chain and checks every event against its raw
        bytes. Nothing is changed.
      </p>
      <div className="verify-actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => run.mutate()}
          disabled={run.isPending}
        >
          {run.isPending ? "Verifying…" : run.data ? "Verify again" : "Verify now"}
        </button>
      </div>
      <div aria-live="polite" data-testid="verify-status" aria-busy={run.isPending}>
        {run.isPending && (
          <p className="verify-running" data-testid="verify-running">
            Verifying
            {stats.data ? ` ${formatCount(stats.data.events)} events` : " the store"}: walking the
            log from the first event…
          </p>
        )}
        {!run.isPending && run.isError && <ErrorNotice error={run.error} action="verify the store" />}
        {!run.isPending && run.data && result && (
          <div
            className={result.ok ? "verdict verdict-ok" : "verdict verdict-bad"}
            data-testid="verify-result"
            data-ok={String(result.ok)}
            role={result.ok ? "status" : "alert"}
          >
            <p className="verdict-headline">
              <span aria-hidden="true">{result.ok ? "✓ " : "✗ "}</span>
              {result.headline}
            </p>
            <p data-testid="verify-detail">{result.detail}</p>
            <dl className="facts">
              <dt>Events checked</dt>
              <dd className="mono" data-testid="verify-events">
                {formatCount(run.data.events)}
              </dd>
              {run.data.first_bad_seq !== null && (
                <>
                  <dt>First bad seq</dt>
                  <dd className="mono" data-testid="verify-first-bad">
                    {run.data.first_bad_seq}
                  </dd>
                </>
              )}
              {run.data.problem !== null && (
                <>
                  <dt>Problem</dt>
                  <dd data-testid="verify-problem">{run.data.problem}</dd>
                </>
              )}
              <dt>{run.data.ok ? "Chain head" : "Head up to the break"}</dt>
              <dd data-testid="verify-head" data-head={run.data.head}>
                <CopyableText text={run.data.head} max={40} />
              </dd>
            </dl>
          </div>
        )}
      </div>
    </section>
  );
}

function TrustPanel() {
  const bundle = useBundleInfo();
  const key = useKeyInfo();
  return (
    <section className="card" aria-labelledby="trust-title" data-testid="trust-panel">
      <h2 id="trust-title" className="card-title">
        Trust
      </h2>
      {bundle.isPending && <p className="muted small">Reading where this store came from…</p>}
      {bundle.isError && <ErrorNotice error={bundle.error} action="read the bundle's trust" />}
      {bundle.isSuccess &&
        (bundle.data.bundle ? (
          <BundleFacts info={bundle.data.bundle} />
        ) : (
          <p data-testid="ordinary-store">
            Ordinary store: its events were ingested here, not opened from a signed bundle.
          </p>
        ))}
      <h3 className="trust-subtitle">This installation's signing key</h3>
      {key.isPending && <p className="muted small">Reading the key ring…</p>}
      {key.isError && <ErrorNotice error={key.error} action="read the signing key" />}
      {key.isSuccess && (
        <dl className="facts">
          <dt>Fingerprint</dt>
          <dd data-testid="key-fingerprint">
            {key.data.key ? (
              <span className="mono">{groupHex(key.data.key.fingerprint)}</span>
            ) : (
              <span className="muted">None yet: the first export (`trailview export`) creates it.</span>
            )}
          </dd>
          <dt>Trusted keys</dt>
          <dd className="mono" data-testid="key-trusted">
            {key.data.trusted}
          </dd>
        </dl>
      )}
      <p>
        <ExportBundleButton />
      </p>
    </section>
  );
}

/** The bundle a store was opened from: badge, facts, and every problem with where it is. */
export function BundleFacts({ info }: { info: BundleInfo }) {
  const { report } = info;
  return (
    <div className="bundle-facts" data-testid="bundle-facts">
      <p>
        <TrustBadge status={report.status} testId="bundle-trust" />
      </p>
      <dl className="facts">
        <dt>Bundle</dt>
        <dd>
          <CopyableText text={info.bundle_path} max={48} />
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <CopyableText text={info.bundle_sha256} max={40} />
        </dd>
        {report.manifest && (
          <>
            <dt>Tenant</dt>
            <dd>{tenantLabel(report.manifest.tenant)}</dd>
            <dt>Exported</dt>
            <dd className="mono">{report.manifest.created_at}</dd>
          </>
        )}
        <dt>Signer</dt>
        <dd data-testid="bundle-signer">
          {report.signer ? (
            <>
              <span className="mono">{groupHex(report.signer.fingerprint)}</span>{" "}
              <span className="muted">({report.signer.trusted ? "trusted" : "not in your trusted keys"})</span>
            </>
          ) : (
            <span className="muted">no signature</span>
          )}
        </dd>
        <dt>Imported</dt>
        <dd>
          {formatCount(info.imported)} events
          {info.quarantined > 0 ? `, ${formatCount(info.quarantined)} quarantined records` : ""}
        </dd>
        {report.notes > 0 && (
          <>
            <dt>Reviewer notes</dt>
            <dd>{report.notes}</dd>
          </>
        )}
      </dl>
      {report.problems.length > 0 && (
        <div>
          <h3 className="trust-subtitle">Problems ({report.problems.length})</h3>
          <ol className="problems" data-testid="bundle-problems">
            {report.problems.map((p, i) => (
              <li key={i} data-testid="bundle-problem">
                <code className="mono">{p.code}</code> {p.message}
                <span className="muted small">
                  {[
                    p.part !== null ? `part ${p.part}` : null,
                    p.position !== null ? `position ${p.position}` : null,
                    p.seq !== null ? `seq ${p.seq}` : null,
                    p.event_id !== null ? `event ${p.event_id}` : null,
                  ]
                    .filter(Boolean)
                    .map((s) => ` · ${s}`)
                    .join("")}
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

function QuarantinePanel() {
  const stats = useStats();
  const list = useQuarantine();
  const [reason, setReason] = useState<string | null>(null);
  const total = stats.data?.quarantined ?? 0;
  const reasons = stats.data ? reasonCounts(stats.data.quarantine) : [];
  const records = list.data ?? [];
  const shown = filterByReason(records, reason);
  return (
    <section className="card" aria-labelledby="quarantine-title" data-testid="quarantine">
      <h2 id="quarantine-title" className="card-title">
        Quarantine{" "}
        <span className="muted" data-testid="quarantine-total">
          ({formatCount(total)})
        </span>
      </h2>
      <p className="muted small">
        Records that were read but refused, kept with the reason and where they came from. Their
        text comes from the files as they were: it is shown, never run.
      </p>
      {stats.isError && <ErrorNotice error={stats.error} action="read the store's counts" />}
      {list.isError && <ErrorNotice error={list.error} action="list the quarantine" />}
      {stats.isSuccess && total === 0 && (
        <p data-testid="quarantine-empty">Nothing quarantined: every record read was stored.</p>
      )}
      {total > 0 && (
        <div className="reason-filter" role="group" aria-label="Filter by reason">
          <button
            type="button"
            className="button button-small"
            aria-pressed={reason === null}
            onClick={() => setReason(null)}
            data-testid="reason-all"
          >
            All ({formatCount(total)})
          </button>
          {reasons.map((r) => (
            <button
              key={r.reason}
              type="button"
              className="button button-small"
              aria-pressed={reason === r.reason}
              onClick={() => setReason(r.reason)}
              data-testid="reason-filter"
              data-reason={r.reason}
            >
              {r.reason} ({formatCount(r.count)})
            </button>
          ))}
        </div>
      )}
      {list.data && total > records.length && (
        <p className="muted small" data-testid="quarantine-truncated">
          Showing the oldest {formatCount(records.length)} of {formatCount(total)} records
          {reason ? " (the filter applies to those)" : ""}; `trailview quarantine` lists them all.
        </p>
      )}
      {list.isPending && total > 0 && <p className="muted small">Reading the quarantine…</p>}
      {records.length > 0 && <QuarantineTable records={shown} />}
      {records.length > 0 && records.length <= QUARANTINE_LIMIT && shown.length === 0 && (
        <p className="muted">None of the listed records was refused for this reason.</p>
      )}
    </section>
  );
}

function QuarantineTable({ records }: { records: QuarantineRecord[] }) {
  const utc = useUi((s) => s.utc);
  return (
    <div className="q-scroll">
      <table className="q-table" data-testid="quarantine-table">
        <colgroup>
          <col className="q-col-seq" />
          <col className="q-col-reason" />
          <col className="q-col-message" />
          <col className="q-col-origin" />
          <col className="q-col-raw" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Origin</th>
            <th scope="col">Raw · received</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => {
            const at = parseRfc3339Us(r.received_at);
            return (
              <tr key={r.qseq} data-testid="quarantine-row" data-qseq={r.qseq}>
                <td className="mono">{r.qseq}</td>
                <td>
                  <code className="mono" data-testid="q-reason">
                    {r.reason}
                  </code>
                </td>
                <td className="q-message" data-testid="q-message">
                  {r.message}
                </td>
                <td className="q-origin mono" title={r.origin}>
                  <span data-testid="q-origin">{originPlace(r)}</span>
                  <span className="q-sub small" data-testid="q-position">
                    {originDetail(r)}
                  </span>
                </td>
                <td className="q-raw" title={`SHA-256 ${r.raw_sha256}`}>
                  <span className="mono">{formatBytes(r.raw_len)}</span>
                  <span className="q-sub small" data-testid="q-raw">
                    {r.raw_kept ? "kept" : "hash + length only"}
                  </span>
                  <span className="q-sub small mono" data-testid="q-time" title={r.received_at}>
                    {at === null ? r.received_at : formatTime(at, utc, "s")}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
