import { useBackend } from "../backend";
import { useBundleInfo } from "../data/integrity";
import { useAppInfo, useStats } from "../data/queries";
import { useCurrentStore } from "../bundle/session";
import { formatRoute } from "../routing";
import { useRoute } from "../state/route";
import { CopyableText } from "./CopyableText";
import { TrustBadge } from "./TrustBadge";

const SERVED_BY = {
  tauri: "Desktop window (Tauri IPC)",
  http: "Browser (HTTP API)",
} as const;

/**
 * Which store this window reads and which backend answers (the first thing support asks), at the
 * foot of the rail on every view. Failures are shown as alerts by the views; here they are quiet.
 */
export function StoreFacts() {
  const backend = useBackend();
  const info = useAppInfo();
  const stats = useStats();
  // Only a store opened from an audit bundle has a trust to show; an ordinary store shows none.
  const bundle = useBundleInfo().data?.bundle ?? null;
  const route = useRoute();
  // While a bundle is open the window reads its cache store, not the user's own file.
  const served = useCurrentStore().data;
  return (
    <section className="store" aria-labelledby="store-title" aria-busy={info.isPending}>
      <h2 id="store-title" className="store-title">
        Store
      </h2>
      {info.isPending && <p className="muted small">Reading store information…</p>}
      {info.isError && <p className="muted small">Store information unavailable.</p>}
      {info.isSuccess && (
        <dl className="store-facts" data-testid="app-info">
          <dt>Version</dt>
          <dd className="mono" data-testid="app-version">
            {info.data.version}
          </dd>
          <dt>File</dt>
          <dd data-testid="db-path">
            <CopyableText text={served?.kind === "bundle" ? served.path : info.data.db_path} max={26} />
          </dd>
          {stats.data && (
            <>
              <dt>Events</dt>
              <dd className="mono" data-testid="store-events">
                {stats.data.events.toLocaleString("en-US")}
              </dd>
            </>
          )}
          {bundle && (
            <>
              <dt>Bundle</dt>
              <dd>
                <a href={formatRoute({ ...route, view: "integrity" })} className="store-trust" title="Details in the Integrity view">
                  <TrustBadge status={bundle.report.status} testId="store-trust" />
                </a>
              </dd>
            </>
          )}
          <dt>Served by</dt>
          <dd data-testid="backend-kind">{SERVED_BY[backend.kind]}</dd>
        </dl>
      )}
    </section>
  );
}
