/**
 * Batching and pausing of `appended` notices (STYLE §8: push small notices, pull pages).
 *
 * The backend announces committed appends at most every 150 ms; a view re-reading on each of
 * them would still flicker under a steady stream. {@link LiveBatcher} applies at most one
 * refresh per `intervalMs`: the first notice after a quiet spell is applied at once (so a single
 * append shows within a frame of its notice), the ones that follow within the interval are
 * merged into one refresh at its end. Paused, notices are only counted; resuming applies them
 * (one refresh) at once.
 *
 * Pure apart from the timer functions, which are injectable for tests.
 */

/** A range of new `seq`s, inclusive (an `AppendedNotice`). */
export interface SeqRange {
  from_seq: number;
  to_seq: number;
}

/** What the live indicator shows. */
export interface LiveSnapshot {
  paused: boolean;
  /** Events applied (shown) since the page opened. */
  applied: number;
  /** Events announced but not applied yet (paused, or waiting for the next refresh). */
  pending: number;
  /** The highest `seq` applied so far (0: none). */
  appliedSeq: number;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The longest a notice waits before it is applied while not paused (ms). */
export const LIVE_INTERVAL_MS = 250;

export class LiveBatcher {
  private paused = false;
  private applied = 0;
  private appliedSeq = 0;
  /** The merged range not applied yet. */
  private waiting: SeqRange | null = null;
  private waitingCount = 0;
  private lastApply = Number.NEGATIVE_INFINITY;
  private timer: unknown = null;
  private listeners = new Set<() => void>();
  private snap: LiveSnapshot;

  constructor(
    /** Applies the merged range (re-query what is visible). */
    private readonly apply: (range: SeqRange) => void,
    private readonly intervalMs = LIVE_INTERVAL_MS,
    private readonly timers: Timers = realTimers,
  ) {
    this.snap = this.makeSnapshot();
  }

  /** A notice arrived. Ranges already applied (a reconnect's overlap) are not counted twice. */
  notice(range: SeqRange): void {
    const from = Math.max(range.from_seq, this.appliedSeq + 1, (this.waiting?.to_seq ?? 0) + 1);
    if (from > range.to_seq) return;
    this.waitingCount += range.to_seq - from + 1;
    this.waiting = {
      from_seq: this.waiting?.from_seq ?? from,
      to_seq: range.to_seq,
    };
    if (!this.paused) this.schedule();
    this.changed();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.cancel();
    this.changed();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.waiting) this.flush();
    this.changed();
  }

  snapshot(): LiveSnapshot {
    return this.snap;
  }

  /** For `useSyncExternalStore`. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the timer (the page is going away). */
  dispose(): void {
    this.cancel();
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.timer !== null) return; // a refresh is already due
    const wait = this.lastApply + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.paused && this.waiting) this.flush();
    }, wait);
  }

  private cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    const range = this.waiting;
    if (!range) return;
    this.cancel();
    this.waiting = null;
    this.applied += this.waitingCount;
    this.waitingCount = 0;
    this.appliedSeq = Math.max(this.appliedSeq, range.to_seq);
    this.lastApply = this.timers.now();
    this.changed();
    this.apply(range);
  }

  private makeSnapshot(): LiveSnapshot {
    return {
      paused: this.paused,
      applied: this.applied,
      pending: this.waitingCount,
      appliedSeq: this.appliedSeq,
    };
  }

  private changed(): void {
    this.snap = this.makeSnapshot();
    for (const l of this.listeners) l();
  }
}
