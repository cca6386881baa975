import { create } from "zustand";
import type { LiveSnapshot } from "../lib/live";

/**
 * The live view's state for the views: what the indicator shows (mirrored from the one
 * `LiveBatcher` of `LiveController`), and `tick`, which grows by one per applied refresh: the
 * timeline re-reads what is on screen when it changes.
 */
interface LiveState extends LiveSnapshot {
  /** True once the backend's notices are subscribed to (the view then follows the store). */
  connected: boolean;
  tick: number;
  pause: () => void;
  resume: () => void;
}

export const useLive = create<LiveState>()(() => ({
  connected: false,
  paused: false,
  applied: 0,
  pending: 0,
  appliedSeq: 0,
  tick: 0,
  pause: () => {},
  resume: () => {},
}));
