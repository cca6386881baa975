/**
 * The backend reads the views share, as TanStack Query hooks. Keys start with the operation's
 * name; anything read from the store also carries `last_seq` where it matters, so a store that
 * grew (demo data, an ingest) is re-read instead of served from cache.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import type { Stats } from "../bindings/Stats";
import type { TenantStats } from "../bindings/TenantStats";
import { useBackend } from "../backend";
import { navigate, useRoute } from "../state/route";

export function useAppInfo() {
  const backend = useBackend();
  return useQuery({ queryKey: ["app_info"], queryFn: () => backend.appInfo() });
}

/** True once `app_info` says the store is open: reads before that would only fail again. */
export function useStoreOpen(): boolean {
  const info = useAppInfo();
  return info.isSuccess && !info.data.store_error;
}

export function useStats() {
  const backend = useBackend();
  const open = useStoreOpen();
  return useQuery({ queryKey: ["stats"], queryFn: () => backend.stats(), enabled: open });
}

/** How a tenant is named on screen: the empty tenant is the personal scope. */
export function tenantLabel(tenant: string): string {
  return tenant === "" ? "Personal" : tenant;
}

/** The tenant a store opens on when the URL names none: the one with the most events. */
export function defaultTenant(stats: Stats): string | null {
  let best: TenantStats | null = null;
  for (const t of stats.tenants) if (!best || t.events > best.events) best = t;
  return best ? best.tenant : null;
}

/**
 * The tenant every view is scoped to: the URL's, or (once stats arrive) the default, written
 * back to the URL without a history entry so links and reloads keep it.
 */
export function useTenant(): { tenant: string | null; stats: ReturnType<typeof useStats> } {
  const route = useRoute();
  const stats = useStats();
  const fallback = stats.data ? defaultTenant(stats.data) : null;
  useEffect(() => {
    if (route.tenant === null && fallback !== null) navigate({ tenant: fallback }, { replace: true });
  }, [route.tenant, fallback]);
  return { tenant: route.tenant ?? fallback, stats };
}
