import { useQuery } from "@tanstack/react-query";
import { useBackend } from "../backend";
import { CopyableText } from "../components/CopyableText";
import { ErrorNotice } from "../components/ErrorNotice";

const SERVED_BY = {
  tauri: "Desktop window (Tauri IPC)",
  http: "Browser (HTTP API)",
} as const;

/** Which store this window reads and which backend answers: the first thing support asks. */
export function StoreSummary() {
  const backend = useBackend();
  const info = useQuery({ queryKey: ["app_info"], queryFn: () => backend.appInfo() });

  return (
    <section className="card" aria-labelledby="store-title" aria-busy={info.isPending}>
      <h2 id="store-title" className="card-title">
        Store
      </h2>
      {info.isPending && <p className="muted">Reading store information…</p>}
      {info.isError && <ErrorNotice error={info.error} action="read the store information" />}
      {info.isSuccess && (
        <>
          <dl className="facts" data-testid="app-info">
            <dt>Version</dt>
            <dd className="mono" data-testid="app-version">
              {info.data.version}
            </dd>
            <dt>Store</dt>
            <dd data-testid="db-path">
              <CopyableText text={info.data.db_path} max={72} />
            </dd>
            <dt>Served by</dt>
            <dd data-testid="backend-kind">{SERVED_BY[backend.kind]}</dd>
          </dl>
          {info.data.store_error && (
            <ErrorNotice error={info.data.store_error} action="open the store" />
          )}
        </>
      )}
    </section>
  );
}
