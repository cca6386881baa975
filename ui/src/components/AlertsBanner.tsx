import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Ratio } from "../bindings/Ratio";
import { useBackend } from "../backend";
import { navigate, useRoute } from "../state/route";
import { useUi } from "../state/ui";

function pct(r: Ratio): string {
  return r.rate === null ? "n/a" : `${(r.rate * 100).toFixed(2)}%`;
}

/**
 * A one-line banner over the view when alert rules (the built-in ones: the seeds' examples) fire
 * for the current tenant; expanded, the tenant's metrics and each firing with the events behind
 * it (click one to open it in the drawer). Nothing shows while no rule fires.
 */
export function AlertsBanner() {
  const backend = useBackend();
  const { tenant } = useRoute();
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  const [open, setOpen] = useState(false);
  const alerts = useQuery({
    queryKey: ["alerts", tenant],
    queryFn: () => backend.alerts({ tenant: tenant ?? "" }),
    enabled: tenant !== null,
    staleTime: 60_000,
  });
  const metrics = useQuery({
    queryKey: ["metrics", tenant],
    queryFn: () => backend.metrics({ tenant: tenant ?? "" }),
    enabled: tenant !== null && open,
    staleTime: 60_000,
  });
  if (alerts.isError) {
    return (
      <p className="alerts-banner alerts-banner-quiet small" role="status">
        {`Alert rules could not be evaluated (${(alerts.error as { code?: string }).code ?? "error"}).`}
      </p>
    );
  }
  const report = alerts.data;
  if (!report || report.firings.length === 0) return null;
  const firing = report.rules.filter((r) => r.firings > 0);
  const openEvent = (id: string) => {
    navigate((r) => ({ ...r, event: id }));
    setDrawerOpen(true);
  };
  return (
    <section className="alerts-banner" aria-label="Alerts" data-testid="alerts-banner">
      <p className="alerts-line">
        <strong>{`${report.firings.length} alert firing${report.firings.length === 1 ? "" : "s"}`}</strong>
        {`: ${firing.map((r) => `${r.rule.name} (${r.firings})`).join(", ")}`}
        <button
          type="button"
          className="link-button"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? "Hide" : "Details"}
        </button>
      </p>
      {open && (
        <div className="alerts-details" data-testid="alerts-details">
          {metrics.data && (
            <p className="small" data-testid="metrics-line">
              {`${metrics.data.events.toLocaleString("en-US")} events · ${metrics.data.mean_per_hour.toFixed(1)} per hour · error rate ${pct(metrics.data.error_rate)} · SLA breach rate ${pct(metrics.data.sla_breach_rate)} · approval latency ${metrics.data.approval_latency === null ? "n/a" : `p50 ${(metrics.data.approval_latency.p50_us / 1e6).toFixed(1)} s`}`}
            </p>
          )}
          <ul className="alerts-list">
            {report.firings.map((f) => (
              <li key={`${f.rule}@${f.window_start_us}`}>
                <span>
                  {`${f.rule} · ${f.window_start} … ${f.window_end} · ${
                    f.denominator === null ? String(f.value) : `${(f.value * 100).toFixed(2)}% (${f.numerator}/${f.denominator})`
                  }`}
                </span>
                <span className="alerts-evidence">
                  {f.evidence.map((e) => (
                    <button
                      key={e.seq}
                      type="button"
                      className="link-button mono"
                      title={`${e.type} at ${e.occurred_at}`}
                      onClick={() => openEvent(e.id)}
                    >
                      {e.id.length > 14 ? `${e.id.slice(0, 13)}…` : e.id}
                    </button>
                  ))}
                  {f.evidence_total > f.evidence.length && (
                    <span className="muted small">{`+${f.evidence_total - f.evidence.length} more`}</span>
                  )}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
