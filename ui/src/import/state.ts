import { create } from "zustand";
import type { IngestProgress } from "../bindings/IngestProgress";
import type { IngestSummary } from "../bindings/IngestSummary";

/**
 * The one import the window runs at a time (the store has one writer): what it is reading, how
 * far it got, and how it ended. Started by the Open… button, Ctrl+O, File → Open Files… or
 * files dropped on the window (`useImporter`).
 */
export type ImportState =
  | { status: "idle" }
  | {
      status: "running";
      paths: string[];
      /** `performance.now()` at the start, for the rate. */
      startedAt: number;
      progress: IngestProgress | null;
      /** Files finished so far (progress restarts its counts per file). */
      finished: IngestProgress[];
    }
  | { status: "done"; paths: string[]; summary: IngestSummary; seconds: number }
  | { status: "failed"; paths: string[]; error: unknown };

interface ImportStore {
  state: ImportState;
  set: (state: ImportState) => void;
  progress: (p: IngestProgress) => void;
  dismiss: () => void;
}

export const useImportStore = create<ImportStore>()((set) => ({
  state: { status: "idle" },
  set: (state) => set({ state }),
  progress: (p) =>
    set(({ state }) => {
      if (state.status !== "running") return { state };
      const current = state.progress;
      // A notice for another path means the previous file is done.
      const finished =
        current && current.path !== p.path ? [...state.finished, current] : state.finished;
      return { state: { ...state, progress: p, finished } };
    }),
  dismiss: () => set({ state: { status: "idle" } }),
}));

/** Totals over the finished files and the current one. */
export function importTotals(state: Extract<ImportState, { status: "running" }>): {
  accepted: number;
  duplicates: number;
  quarantined: number;
  records: number;
} {
  const all = state.progress ? [...state.finished, state.progress] : state.finished;
  const sum = (f: (p: IngestProgress) => number) => all.reduce((n, p) => n + f(p), 0);
  const accepted = sum((p) => p.accepted);
  const duplicates = sum((p) => p.duplicates);
  const quarantined = sum((p) => p.quarantined);
  return { accepted, duplicates, quarantined, records: accepted + duplicates + quarantined };
}

/** Records per second, rounded for display; null before there is anything to say. */
export function ratePerSecond(records: number, seconds: number): number | null {
  if (seconds < 0.2 || records === 0) return null;
  const rate = records / seconds;
  return rate >= 100 ? Math.round(rate / 100) * 100 : Math.round(rate);
}

/** The share of the current file read, 0–1, or null when its size is unknown. */
export function fileFraction(p: IngestProgress | null): number | null {
  if (!p || p.bytes_total === null || p.bytes_total === 0) return null;
  return Math.min(1, p.bytes_read / p.bytes_total);
}
