import { useId } from "react";
import { tenantLabel, useTenant } from "../data/queries";
import { navigate } from "../state/route";

/**
 * Chooses the tenant every view is scoped to; always visible at the top of the rail. Fed by
 * `stats().tenants`; the empty tenant is the personal scope, shown as "Personal". A tenant named
 * by a link but absent from this store stays selected (and says so) rather than being swapped.
 */
export function TenantSwitcher() {
  const id = useId();
  const { tenant, stats } = useTenant();
  const tenants = stats.data?.tenants ?? [];
  const known = tenant === null || tenants.some((t) => t.tenant === tenant);
  const disabled = !stats.data || (tenants.length === 0 && known);

  let hint: string;
  if (stats.isPending) hint = "Reading the store…";
  else if (stats.isError) hint = "Tenants could not be read.";
  else if (tenants.length === 0) hint = "Tenants appear once the store holds events.";
  else if (!known) hint = "This tenant has no events in this store.";
  else hint = `${tenants.length} ${tenants.length === 1 ? "scope" : "scopes"} in this store`;

  return (
    <div className="tenant">
      <label className="tenant-label" htmlFor={id}>
        Tenant
      </label>
      <select
        id={id}
        className="tenant-select"
        disabled={disabled}
        aria-describedby={`${id}-hint`}
        value={tenant ?? ""}
        data-testid="tenant-select"
        onChange={(e) =>
          // Another tenant: same filters, a fresh list (the open event belongs to the old one).
          navigate((r) => ({ ...r, tenant: e.target.value, at: null, event: null }))
        }
      >
        {tenants.length === 0 && known && <option value="">No tenants yet</option>}
        {tenants.map((t) => (
          <option key={t.tenant} value={t.tenant}>
            {tenantLabel(t.tenant)} ({t.events.toLocaleString("en-US")})
          </option>
        ))}
        {!known && tenant !== null && <option value={tenant}>{tenantLabel(tenant)} (no events)</option>}
      </select>
      <p id={`${id}-hint`} className="tenant-hint">
        {hint}
      </p>
    </div>
  );
}
