import { create } from "zustand";

/**
 * UI-only state (nothing here comes from the backend; backend data goes through TanStack Query).
 */
interface UiState {
  /** Whether the right-hand event drawer is open. */
  drawerOpen: boolean;
  setDrawerOpen: (open: boolean) => void;
  toggleDrawer: () => void;
}

export const useUi = create<UiState>()((set) => ({
  drawerOpen: true,
  setDrawerOpen: (open) => set({ drawerOpen: open }),
  toggleDrawer: () => set((s) => ({ drawerOpen: !s.drawerOpen })),
}));
