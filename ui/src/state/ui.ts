import { create } from "zustand";
import type { StoredEvent } from "../bindings/StoredEvent";

/**
 * UI-only state (nothing here comes from the backend; backend data goes through TanStack Query).
 * Where a person is (view, tenant, filters, open event) lives in the URL, not here.
 */
interface UiState {
  /** Whether the right-hand event drawer is open. */
  drawerOpen: boolean;
  setDrawerOpen: (open: boolean) => void;
  toggleDrawer: () => void;
  /** Times in UTC instead of the viewer's zone; remembered across sessions. */
  utc: boolean;
  setUtc: (utc: boolean) => void;
  /** The `?` keyboard help. */
  keysOpen: boolean;
  setKeysOpen: (open: boolean) => void;
  /**
   * The last event a view selected, as that view already has it: the drawer shows it at once
   * while `event()` confirms it (no blank drawer for a round trip).
   */
  picked: StoredEvent | null;
  setPicked: (event: StoredEvent | null) => void;
}

const UTC_KEY = "trailview.utc";

function storedUtc(): boolean {
  try {
    return globalThis.localStorage?.getItem(UTC_KEY) === "1";
  } catch {
    return false;
  }
}

export const useUi = create<UiState>()((set) => ({
  drawerOpen: true,
  setDrawerOpen: (open) => set({ drawerOpen: open }),
  toggleDrawer: () => set((s) => ({ drawerOpen: !s.drawerOpen })),
  utc: storedUtc(),
  setUtc: (utc) => {
    try {
      globalThis.localStorage?.setItem(UTC_KEY, utc ? "1" : "0");
    } catch {
      // Private mode: the choice lasts this session.
    }
    set({ utc });
  },
  keysOpen: false,
  setKeysOpen: (open) => set({ keysOpen: open }),
  picked: null,
  setPicked: (picked) => set({ picked }),
}));
