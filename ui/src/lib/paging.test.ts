import { describe, expect, it } from "vitest";
import type { EventFilter } from "../bindings/EventFilter";
import type { StoredEvent } from "../bindings/StoredEvent";
import { FakeBackend, makeEvent } from "../backend/fake";
import {
  type Anchor,
  anchorRequests,
  cursorOf,
  emptyWindow,
  type EventWindow,
  firstIndex,
  nextRequest,
  prevRequest,
  reduceWindow,
  type WindowAction,
} from "./paging";
import { toRfc3339Utc } from "./time";

const T0 = 1_793_491_200_000_000;
const FILTER: EventFilter = { tenant: "acme" };

/** `n` events one second apart, with two sharing each odd second (same µs, seq breaks ties). */
function events(n: number): StoredEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makeEvent(i + 1, { occurred_at_us: T0 + Math.floor(i / 2) * 1_000_000 }),
  );
}

/** Drives the reducer against a backend exactly as `useEventWindow` does. */
class Driver {
  w: EventWindow;
  constructor(
    readonly backend: FakeBackend,
    readonly filter: EventFilter,
    readonly limit: number,
    readonly maxRows: number,
  ) {
    this.w = emptyWindow("k");
  }
  dispatch(a: WindowAction) {
    this.w = reduceWindow(this.w, a, this.maxRows);
  }
  async anchor(anchor: Anchor) {
    this.dispatch({ type: "anchor", key: "k" });
    const reqs = anchorRequests(this.filter, anchor, this.limit);
    const [after, before] = await Promise.all([
      reqs.after ? this.backend.events(reqs.after) : undefined,
      reqs.before ? this.backend.events(reqs.before) : undefined,
    ]);
    this.dispatch({
      type: "anchored",
      key: "k",
      ...(after ? { after } : {}),
      ...(before ? { before } : {}),
      limit: this.limit,
    });
  }
  /** Loads one page in `dir`; false when there is nothing more to ask for. */
  async load(dir: "before" | "after"): Promise<boolean> {
    const req =
      dir === "after"
        ? nextRequest(this.filter, this.w, this.limit)
        : prevRequest(this.filter, this.w, this.limit);
    if (!req) return false;
    this.dispatch({ type: "request", key: "k", dir });
    const page = await this.backend.events(req);
    this.dispatch({ type: "loaded", key: "k", dir, page, limit: this.limit });
    return true;
  }
  /** Absolute indexes of the rows, as the view shows them. */
  indexes(): number[] {
    const base = firstIndex(this.w);
    return this.w.rows.map((_, i) => (base ?? Number.NaN) + i);
  }
}

const seqs = (rows: StoredEvent[]) => rows.map((e) => e.seq);

describe("keyset cursors", () => {
  it("are `<occurred_at_us>:<seq>`", () => {
    expect(cursorOf({ occurred_at_us: T0, seq: 42 })).toBe(`${T0}:42`);
  });

  it("anchor at the start with one ascending page, at the end with one descending page", () => {
    expect(anchorRequests(FILTER, { kind: "start" }, 200)).toEqual({
      after: { tenant: "acme", limit: 200 },
    });
    expect(anchorRequests(FILTER, { kind: "end" }, 200)).toEqual({
      before: { tenant: "acme", desc: true, limit: 200 },
    });
  });

  it("anchor at a time with `since` for the page after and a (t, 0) cursor for the page before", () => {
    const t = T0 + 5_123_456;
    expect(anchorRequests(FILTER, { kind: "time", us: t }, 50)).toEqual({
      after: { tenant: "acme", since: toRfc3339Utc(t), limit: 50 },
      before: { tenant: "acme", before: `${t}:0`, desc: true, limit: 50 },
    });
  });

  it("keep the filter's own since when it is later than the anchor", () => {
    const since = toRfc3339Utc(T0 + 60_000_000);
    const reqs = anchorRequests({ ...FILTER, since }, { kind: "time", us: T0 }, 10);
    expect(reqs.after?.since).toBe(since);
  });
});

describe("the window reducer", () => {
  it("anchors at the start: rows, total, nothing before, more after", async () => {
    const d = new Driver(new FakeBackend(events(25)), FILTER, 10, 1000);
    await d.anchor({ kind: "start" });
    expect(d.w.status).toBe("ready");
    expect(seqs(d.w.rows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(d.w.total).toBe(25);
    expect(firstIndex(d.w)).toBe(0);
    expect(d.w.hasBefore).toBe(false);
    expect(d.w.hasAfter).toBe(true);
    expect(d.w.anchorIndex).toBe(0);
  });

  it("scrolling down loads every page once, in order, and stops at the last event", async () => {
    const all = events(25);
    const d = new Driver(new FakeBackend(all), FILTER, 10, 1000);
    await d.anchor({ kind: "start" });
    while (await d.load("after")) {
      // keep going
    }
    expect(seqs(d.w.rows)).toEqual(seqs(all));
    expect(d.w.hasAfter).toBe(false);
    expect(d.indexes()).toEqual(all.map((_, i) => i));
    // 10 + 10 + 5: the short page says it was the last; no request past it.
    expect(d.backend.requests.map((r) => r.after ?? "-")).toEqual([
      "-",
      cursorOf(all[9] as StoredEvent),
      cursorOf(all[19] as StoredEvent),
    ]);
  });

  it("anchors at the end and pages back to the first event", async () => {
    const all = events(23);
    const d = new Driver(new FakeBackend(all), FILTER, 10, 1000);
    await d.anchor({ kind: "end" });
    expect(seqs(d.w.rows)).toEqual([14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(d.w.anchorIndex).toBe(9); // the last row
    expect(firstIndex(d.w)).toBe(13);
    expect(d.w.hasAfter).toBe(false);
    while (await d.load("before")) {
      // keep going
    }
    expect(seqs(d.w.rows)).toEqual(seqs(all));
    expect(firstIndex(d.w)).toBe(0);
    expect(d.w.hasBefore).toBe(false);
    // Every prepended row shifted what was on screen down by one row.
    expect(d.w.frontShift).toBe(13);
    expect(d.w.anchorIndex).toBe(22);
  });

  it("anchors at a time: rows on both sides, the anchor row located, absolute index exact", async () => {
    const all = events(40);
    const d = new Driver(new FakeBackend(all), FILTER, 5, 1000);
    // Events 21 and 22 share T0 + 10 s: the anchor is the first of them.
    await d.anchor({ kind: "time", us: T0 + 10_000_000 });
    expect(seqs(d.w.rows)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(d.w.rows[d.w.anchorIndex]?.seq).toBe(21);
    expect(d.w.total).toBe(40);
    expect(firstIndex(d.w)).toBe(15);
    expect(d.indexes()[d.w.anchorIndex]).toBe(20);
    expect(d.w.hasBefore && d.w.hasAfter).toBe(true);
  });

  it("anchors past the last event on the last rows", async () => {
    const d = new Driver(new FakeBackend(events(8)), FILTER, 5, 1000);
    await d.anchor({ kind: "time", us: T0 + 3_600_000_000 });
    expect(seqs(d.w.rows)).toEqual([4, 5, 6, 7, 8]);
    expect(d.w.anchorIndex).toBe(4);
    expect(firstIndex(d.w)).toBe(3);
    expect(d.w.hasAfter).toBe(false);
  });

  it("keeps at most maxRows, trimming the far end, and still knows where it is", async () => {
    const all = events(100);
    const d = new Driver(new FakeBackend(all), FILTER, 10, 30);
    await d.anchor({ kind: "start" });
    for (let i = 0; i < 6; i++) await d.load("after");
    // 70 rows loaded, 30 kept: the last three pages.
    expect(d.w.rows).toHaveLength(30);
    expect(seqs(d.w.rows)).toEqual(seqs(all.slice(40, 70)));
    expect(firstIndex(d.w)).toBe(40);
    expect(d.w.hasBefore).toBe(true);
    expect(d.w.frontShift).toBe(-40); // the view scrolls up by the trimmed rows
    // Back up: pages come back, the far (bottom) end is trimmed instead.
    await d.load("before");
    expect(seqs(d.w.rows)).toEqual(seqs(all.slice(30, 60)));
    expect(firstIndex(d.w)).toBe(30);
    expect(d.w.hasAfter).toBe(true);
    // And down again picks up exactly where the trimmed rows were.
    await d.load("after");
    expect(seqs(d.w.rows)).toEqual(seqs(all.slice(40, 70)));
  });

  it("walks a large filtered store end to end through a small window, row by row", async () => {
    const all = events(1000).map((e, i) =>
      i % 3 === 0 ? { ...e, type: "approval.action.requested" } : e,
    );
    const filter = { ...FILTER, type: "approval.*" };
    const wanted = all.filter((e) => e.type.startsWith("approval."));
    const d = new Driver(new FakeBackend(all), filter, 50, 200);
    await d.anchor({ kind: "start" });
    const seen: number[] = [...seqs(d.w.rows)];
    for (;;) {
      const lastSeen = d.w.rows[d.w.rows.length - 1]?.seq;
      if (!(await d.load("after"))) break;
      const at = d.w.rows.findIndex((e) => e.seq === lastSeen);
      seen.push(...seqs(d.w.rows.slice(at + 1)));
      expect(d.w.rows.length).toBeLessThanOrEqual(200);
    }
    expect(seen).toEqual(seqs(wanted));
    expect(d.w.total).toBe(wanted.length);
    expect(firstIndex(d.w)).toBe(wanted.length - 200);
  });

  it("ignores answers for a window that was re-anchored since", async () => {
    const backend = new FakeBackend(events(30));
    const d = new Driver(backend, FILTER, 10, 1000);
    await d.anchor({ kind: "start" });
    const stale = await backend.events({ ...FILTER, after: cursorOf(d.w.rows[9] as StoredEvent), limit: 10 });
    d.dispatch({ type: "anchor", key: "other" });
    d.dispatch({ type: "loaded", key: "k", dir: "after", page: stale, limit: 10 });
    expect(d.w.key).toBe("other");
    expect(d.w.rows).toEqual([]);
    expect(d.w.status).toBe("anchoring");
  });

  it("drops overlapping rows so the window stays strictly ordered", async () => {
    const all = events(20);
    const d = new Driver(new FakeBackend(all), FILTER, 10, 1000);
    await d.anchor({ kind: "start" });
    // A page that starts inside the window (e.g. answered for an older cursor).
    d.dispatch({
      type: "loaded",
      key: "k",
      dir: "after",
      page: { events: all.slice(5, 15), total: 20 },
      limit: 10,
    });
    expect(seqs(d.w.rows)).toEqual(seqs(all.slice(0, 15)));
  });

  it("stops a direction on an error until it is asked again", async () => {
    const d = new Driver(new FakeBackend(events(30)), FILTER, 10, 1000);
    await d.anchor({ kind: "start" });
    d.dispatch({ type: "request", key: "k", dir: "after" });
    const error = { code: "store_busy", message: "locked" };
    d.dispatch({ type: "failed", key: "k", dir: "after", error });
    expect(d.w.error.after).toBe(error);
    expect(d.w.loading.after).toBe(false);
    expect(d.w.rows).toHaveLength(10);
    d.dispatch({ type: "request", key: "k", dir: "after" });
    expect(d.w.error.after).toBeNull();
  });

  it("reports an anchor failure as the window's error", () => {
    const error = { code: "bad_filter", message: "bad" };
    const w = reduceWindow(emptyWindow("k"), { type: "failed", key: "k", dir: "anchor", error });
    expect(w.status).toBe("error");
    expect(w.error.anchor).toBe(error);
  });

  it("asks for nothing while a direction is loading or exhausted", async () => {
    const d = new Driver(new FakeBackend(events(30)), FILTER, 10, 1000);
    expect(nextRequest(FILTER, d.w)).toBeNull(); // not anchored yet
    await d.anchor({ kind: "start" });
    expect(prevRequest(FILTER, d.w)).toBeNull(); // nothing before the first event
    d.dispatch({ type: "request", key: "k", dir: "after" });
    expect(nextRequest(FILTER, d.w)).toBeNull(); // already loading
  });

  it("an empty result is ready, with nothing to load either way", async () => {
    const d = new Driver(new FakeBackend(events(10)), { tenant: "nobody" }, 10, 1000);
    await d.anchor({ kind: "start" });
    expect(d.w.status).toBe("ready");
    expect(d.w.rows).toEqual([]);
    expect(d.w.total).toBe(0);
    expect(d.w.hasAfter || d.w.hasBefore).toBe(false);
  });
});
