import { type QueryClient, useQuery } from "@tanstack/react-query";
import { create } from "zustand";
import type { CurrentStore } from "../bindings/CurrentStore";
import { type Backend, BackendError, useBackend } from "../backend";
import { useStoreOpen } from "../data/queries";
import { navigate } from "../state/route";

/**
 * Which store the window reads (the user's own, or a bundle opened in its place) and the
 * switching between them. Opening comes from Open…/drop (desktop: a path; browser: the file's
 * bytes), closing from the bundle bar. After a switch every query is reset (nothing of the
 * previous store stays on screen) and the tenant becomes the bundle's (or, on close, the
 * store's default).
 */
export const CURRENT_STORE_KEY = ["current_store"] as const;

export function useCurrentStore() {
  const backend = useBackend();
  const open = useStoreOpen();
  return useQuery({ queryKey: CURRENT_STORE_KEY, queryFn: () => backend.currentStore(), enabled: open });
}

/** True while a bundle is open: writes (ingest, demo data, export) are refused. */
export function useReadOnly(): boolean {
  return useCurrentStore().data?.read_only ?? false;
}

/** A file name that is a bundle's (`*.trail`). */
export function isBundleName(name: string): boolean {
  return /\.trail$/i.test(name.trim());
}

export type SwitchState =
  | { status: "idle" }
  | { status: "opening"; name: string }
  | { status: "closing" }
  | { status: "failed"; name: string; error: unknown };

export const useSwitchStore = create<{ state: SwitchState; set: (s: SwitchState) => void }>()((set) => ({
  state: { status: "idle" },
  set: (state) => set({ state }),
}));

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

async function switched(queryClient: QueryClient, current: CurrentStore): Promise<void> {
  navigate((r) => ({ ...r, tenant: current.bundle ? current.bundle.tenant : null, at: null, event: null }));
  await queryClient.resetQueries();
  queryClient.setQueryData(CURRENT_STORE_KEY, current);
}

/** Opens a bundle (a path on the desktop, a picked or dropped file in a browser). */
export async function openBundle(
  backend: Backend,
  queryClient: QueryClient,
  source: { path: string } | { file: Blob; name: string },
): Promise<void> {
  const name = "path" in source ? baseName(source.path) : source.name;
  const store = useSwitchStore.getState();
  if (store.state.status === "opening") return;
  store.set({ status: "opening", name });
  try {
    const current =
      "path" in source ? await backend.openBundle(source.path) : await backend.openBundleFile(source.file, source.name);
    await switched(queryClient, current);
    useSwitchStore.getState().set({ status: "idle" });
  } catch (error: unknown) {
    useSwitchStore.getState().set({ status: "failed", name, error });
  }
}

/** Returns to the user's own store. */
export async function closeBundle(backend: Backend, queryClient: QueryClient): Promise<void> {
  useSwitchStore.getState().set({ status: "closing" });
  try {
    const current = await backend.closeBundle();
    await switched(queryClient, current);
    useSwitchStore.getState().set({ status: "idle" });
  } catch (error: unknown) {
    useSwitchStore.getState().set({ status: "failed", name: "", error });
  }
}

/** The refusal shown when files other than bundles reach a read-only window or a browser. */
export function notABundle(names: string[], readOnly: boolean): BackendError {
  return readOnly
    ? new BackendError(
        "read_only",
        `A bundle is open, read-only: ${names.join(", ")} cannot be imported into it. Close the bundle first.`,
      )
    : new BackendError(
        "desktop_only",
        `${names.join(", ")}: a browser page can open bundles (.trail) only. Ingest event files with \`trailview ingest FILE…\` and reload.`,
      );
}
