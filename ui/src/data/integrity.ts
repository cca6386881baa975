/**
 * The Integrity view's reads. The bundle and key answers change only when another store or key
 * ring is used, so they are read once per window; the quarantine is keyed on the store's
 * quarantined count, so a record refused by a later ingest shows up on the next stats read.
 */
import { useQuery } from "@tanstack/react-query";
import { useBackend } from "../backend";
import { useStats, useStoreOpen } from "./queries";

/** How many refused records the view lists (docs/API.md: `quarantine` takes 1–10000). */
export const QUARANTINE_LIMIT = 1000;

export function useBundleInfo() {
  const backend = useBackend();
  const open = useStoreOpen();
  return useQuery({
    queryKey: ["bundle_info"],
    queryFn: () => backend.bundleInfo(),
    enabled: open,
    staleTime: Infinity,
  });
}

export function useKeyInfo() {
  const backend = useBackend();
  return useQuery({ queryKey: ["key_info"], queryFn: () => backend.keyInfo(), staleTime: Infinity });
}

export function useQuarantine() {
  const backend = useBackend();
  const stats = useStats();
  const quarantined = stats.data?.quarantined;
  return useQuery({
    queryKey: ["quarantine", quarantined],
    queryFn: () => backend.quarantine(QUARANTINE_LIMIT),
    enabled: quarantined !== undefined,
  });
}
