import { beforeEach, describe, expect, it } from "vitest";
import type { IngestProgress } from "../bindings/IngestProgress";
import { fileFraction, importTotals, ratePerSecond, useImportStore } from "./state";

const notice = (path: string, accepted: number, extra: Partial<IngestProgress> = {}): IngestProgress => ({
  path,
  bytes_read: 10,
  bytes_total: 100,
  accepted,
  duplicates: 1,
  quarantined: 2,
  committed: 0,
  ...extra,
});

describe("the import's progress", () => {
  beforeEach(() => useImportStore.getState().dismiss());

  it("adds up finished files and the current one", () => {
    const store = useImportStore.getState();
    store.set({ status: "running", paths: ["a", "b"], startedAt: 0, progress: null, finished: [] });
    store.progress(notice("a", 5));
    store.progress(notice("a", 40));
    store.progress(notice("b", 7));
    const state = useImportStore.getState().state;
    if (state.status !== "running") throw new Error("still running");
    expect(state.finished.map((p) => p.accepted)).toEqual([40]);
    expect(importTotals(state)).toEqual({ accepted: 47, duplicates: 2, quarantined: 4, records: 53 });
  });

  it("ignores notices when no import runs", () => {
    useImportStore.getState().progress(notice("a", 5));
    expect(useImportStore.getState().state).toEqual({ status: "idle" });
  });

  it("says a rate only once there is one, and a fraction only for a known size", () => {
    expect(ratePerSecond(0, 3)).toBeNull();
    expect(ratePerSecond(10, 0.1)).toBeNull();
    expect(ratePerSecond(123_456, 2)).toBe(61_700);
    expect(ratePerSecond(50, 2)).toBe(25);
    expect(fileFraction(notice("a", 1, { bytes_total: null }))).toBeNull();
    expect(fileFraction(notice("a", 1, { bytes_read: 150, bytes_total: 100 }))).toBe(1);
  });
});
