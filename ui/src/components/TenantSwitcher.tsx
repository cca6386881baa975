import { useId } from "react";

/**
 * Chooses the tenant every view is scoped to; always visible at the top of the rail.
 *
 * The backend cannot list tenants yet, so the switcher says so instead of offering a made-up
 * choice. It becomes a real `<select>` fed by a `tenants` query once the store exposes one.
 */
export function TenantSwitcher() {
  const id = useId();
  return (
    <div className="tenant">
      <label className="tenant-label" htmlFor={id}>
        Tenant
      </label>
      <select id={id} className="tenant-select" disabled aria-describedby={`${id}-hint`}>
        <option>No tenants yet</option>
      </select>
      <p id={`${id}-hint`} className="tenant-hint">
        Tenants appear once the store holds events.
      </p>
    </div>
  );
}
