import { describe, expect, it } from "vitest";
import { FakeBackend, makeEvent } from "../backend/fake";
import { LiveBatcher, type SeqRange, type Timers } from "./live";
import {
  anchorRequests,
  emptyWindow,
  type EventWindow,
  reduceWindow,
  refreshRequest,
} from "./paging";

/** A clock the test moves by hand. */
function fakeTimers(): Timers & { advance(ms: number): void } {
  let now = 1000;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => {
      due.delete(h as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          due.delete(id);
          t.fn();
        }
      }
    },
  };
}

function setup() {
  const timers = fakeTimers();
  const applied: SeqRange[] = [];
  const b = new LiveBatcher((r) => applied.push(r), 250, timers);
  return { timers, applied, b };
}

describe("LiveBatcher", () => {
  it("applies the first notice at once and merges the ones within 250 ms into one refresh", () => {
    const { timers, applied, b } = setup();
    b.notice({ from_seq: 11, to_seq: 12 });
    expect(applied).toEqual([{ from_seq: 11, to_seq: 12 }]);
    timers.advance(100);
    b.notice({ from_seq: 13, to_seq: 13 });
    timers.advance(50);
    b.notice({ from_seq: 14, to_seq: 20 });
    expect(applied).toHaveLength(1);
    expect(b.snapshot().pending).toBe(8);
    timers.advance(99);
    expect(applied).toHaveLength(1);
    timers.advance(1);
    expect(applied).toEqual([
      { from_seq: 11, to_seq: 12 },
      { from_seq: 13, to_seq: 20 },
    ]);
    expect(b.snapshot()).toMatchObject({ applied: 10, pending: 0, appliedSeq: 20 });
  });

  it("never refreshes more often than every 250 ms under a steady stream", () => {
    const { timers, applied, b } = setup();
    let seq = 0;
    for (let t = 0; t < 2000; t += 50) {
      b.notice({ from_seq: seq + 1, to_seq: seq + 5 });
      seq += 5;
      timers.advance(50);
    }
    timers.advance(250);
    expect(applied.length).toBeLessThanOrEqual(2000 / 250 + 1);
    expect(b.snapshot()).toMatchObject({ applied: seq, pending: 0, appliedSeq: seq });
    // Consecutive ranges, no gap, no overlap.
    for (let i = 1; i < applied.length; i++) {
      expect(applied[i]?.from_seq).toBe((applied[i - 1]?.to_seq ?? 0) + 1);
    }
  });

  it("paused, counts notices without applying them; resume applies them in one refresh", () => {
    const { timers, applied, b } = setup();
    b.pause();
    b.notice({ from_seq: 1, to_seq: 3 });
    timers.advance(1000);
    b.notice({ from_seq: 4, to_seq: 4 });
    timers.advance(1000);
    expect(applied).toEqual([]);
    expect(b.snapshot()).toMatchObject({ paused: true, pending: 4, applied: 0 });
    b.resume();
    expect(applied).toEqual([{ from_seq: 1, to_seq: 4 }]);
    expect(b.snapshot()).toMatchObject({ paused: false, pending: 0, applied: 4 });
  });

  it("a pause cancels a refresh that was due", () => {
    const { timers, applied, b } = setup();
    b.notice({ from_seq: 1, to_seq: 1 });
    b.notice({ from_seq: 2, to_seq: 2 });
    b.pause();
    timers.advance(1000);
    expect(applied).toEqual([{ from_seq: 1, to_seq: 1 }]);
    expect(b.snapshot().pending).toBe(1);
  });

  it("does not count a range twice (a reconnect's overlap)", () => {
    const { applied, b } = setup();
    b.notice({ from_seq: 1, to_seq: 5 });
    b.notice({ from_seq: 3, to_seq: 5 });
    expect(applied).toEqual([{ from_seq: 1, to_seq: 5 }]);
    expect(b.snapshot().applied).toBe(5);
  });

  it("tells subscribers of every change", () => {
    const { b } = setup();
    let calls = 0;
    const stop = b.subscribe(() => calls++);
    b.pause();
    b.notice({ from_seq: 1, to_seq: 1 });
    b.resume();
    stop();
    b.pause();
    expect(calls).toBeGreaterThanOrEqual(3);
    const seen = calls;
    b.resume();
    expect(calls).toBe(seen);
  });
});

const T0 = 1_793_491_200_000_000;
const filter = { tenant: "acme" };

async function anchoredAtStart(backend: FakeBackend, limit: number): Promise<EventWindow> {
  const reqs = anchorRequests(filter, { kind: "start" }, limit);
  const after = await backend.events(reqs.after ?? filter);
  return reduceWindow(emptyWindow("k"), { type: "anchored", key: "k", after, limit });
}

describe("live refresh of the window", () => {
  it("splices new events in after the screen, keeping the rows above and the count exact", async () => {
    const backend = new FakeBackend(
      Array.from({ length: 10 }, (_, i) => makeEvent(i + 1, { occurred_at_us: T0 + i * 1000 })),
    );
    const w = await anchoredAtStart(backend, 50);
    expect(w.total).toBe(10);
    const before = w.rows.slice(0, 4);
    // Two appended: one at the end, one late arrival between rows 6 and 7.
    backend.append([
      makeEvent(11, { occurred_at_us: T0 + 20_000 }),
      makeEvent(12, { occurred_at_us: T0 + 6_500 }),
    ]);
    const r = refreshRequest(filter, w, 4, 50);
    expect(r?.start?.seq).toBe(5);
    const page = await backend.events(r?.req ?? filter);
    const next = reduceWindow(w, { type: "refreshed", key: "k", start: r?.start ?? null, page, limit: 50 });
    expect(next.rows.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 12, 8, 9, 10, 11]);
    expect(next.rows.slice(0, 4)).toEqual(before); // the same objects: nothing above re-renders
    expect(next.total).toBe(12);
    expect(next.fromEnd).toBe(12);
    expect(next.hasAfter).toBe(false);
  });

  it("a full page keeps the rows after it and leaves the rest to the ordinary load", async () => {
    const backend = new FakeBackend(
      Array.from({ length: 10 }, (_, i) => makeEvent(i + 1, { occurred_at_us: T0 + i * 1000 })),
    );
    const w = await anchoredAtStart(backend, 50);
    backend.append([makeEvent(11, { occurred_at_us: T0 + 1_500 })]);
    const r = refreshRequest(filter, w, 0, 3);
    expect(r?.start).toBeNull(); // the window starts at the first match
    const page = await backend.events(r?.req ?? filter);
    const next = reduceWindow(w, { type: "refreshed", key: "k", start: null, page, limit: 3 });
    expect(next.rows.map((e) => e.seq)).toEqual([1, 2, 11, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(next.total).toBe(11);
    expect(next.hasAfter).toBe(true);
  });

  it("an answer for another window is ignored", async () => {
    const backend = new FakeBackend([makeEvent(1)]);
    const w = await anchoredAtStart(backend, 50);
    const page = await backend.events(filter);
    expect(reduceWindow(w, { type: "refreshed", key: "other", start: null, page, limit: 50 })).toBe(w);
  });
});
