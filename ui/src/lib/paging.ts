/**
 * The timeline's window of rows: keyset pages around an anchor, grown in both directions as the
 * person scrolls, trimmed at the far end so memory and the list's height stay bounded.
 *
 * Why a window and not one list of `total` rows: the API pages by cursor (`after`/`before` on
 * `(occurred_at, seq)`), not by offset, so row N cannot be fetched directly; and browsers cap an
 * element's height near 33 million px (Chromium; less elsewhere), i.e. about a million 26 px
 * rows. So the list holds at most {@link MAX_ROWS} contiguous rows, and the histogram moves the
 * anchor anywhere in time. The absolute position of the window is still known exactly, from the
 * counts the API returns (`total` ignores cursors; with `since` it counts from the anchor on),
 * so the view can say "rows 1,201–1,240 of 1,000,000".
 *
 * Everything here is pure: the hook that fetches (`useEventWindow`) only dispatches.
 */
import type { EventFilter } from "../bindings/EventFilter";
import type { EventPage } from "../bindings/EventPage";
import type { EventsRequest } from "../bindings/EventsRequest";
import type { StoredEvent } from "../bindings/StoredEvent";
import { boundToUs, toRfc3339Utc } from "./time";

/** Rows per request (API default and a good trade between round trips and latency). */
export const PAGE_SIZE = 200;
/** Rows kept at most: 30 pages, 156,000 px of list, a few MB of events. */
export const MAX_ROWS = 30 * PAGE_SIZE;

/** Where a window starts: the first event, the last, or the first at/after an instant (µs). */
export type Anchor = { kind: "start" } | { kind: "end" } | { kind: "time"; us: number };

/** The keyset cursor of an event: `"<occurred_at_us>:<seq>"`. */
export function cursorOf(e: Pick<StoredEvent, "occurred_at_us" | "seq">): string {
  return `${e.occurred_at_us}:${e.seq}`;
}

/** Compares two events in timeline order, `(occurred_at, seq)`. */
export function compareEvents(
  a: Pick<StoredEvent, "occurred_at_us" | "seq">,
  b: Pick<StoredEvent, "occurred_at_us" | "seq">,
): number {
  return a.occurred_at_us - b.occurred_at_us || a.seq - b.seq;
}

export type LoadDir = "before" | "after";

export interface EventWindow {
  /** Which filter + anchor these rows belong to; actions for another key are ignored. */
  key: string;
  status: "anchoring" | "ready" | "error";
  /** Contiguous matches, ascending. */
  rows: StoredEvent[];
  /** Matches of the filter (ignoring cursors), when known. */
  total: number | null;
  /** Matches from `rows[0]` to the very last one, inclusive, when known. */
  fromEnd: number | null;
  hasBefore: boolean;
  hasAfter: boolean;
  loading: { before: boolean; after: boolean };
  /** The error that stopped the anchor or a direction, if any. */
  error: { anchor: unknown; before: unknown; after: unknown };
  /**
   * Net rows added (+) or removed (−) in front of the rows that were there at the anchor. The
   * view shifts its scroll position by the change, so what the person looks at stays put.
   */
  frontShift: number;
  /** Index in `rows` of the anchor row at anchor time (adjusted by `frontShift`). */
  anchorIndex: number;
}

export function emptyWindow(key: string): EventWindow {
  return {
    key,
    status: "anchoring",
    rows: [],
    total: null,
    fromEnd: null,
    hasBefore: false,
    hasAfter: false,
    loading: { before: false, after: false },
    error: { anchor: null, before: null, after: null },
    frontShift: 0,
    anchorIndex: 0,
  };
}

/** Absolute index (0-based, among all matches) of `rows[0]`, when the counts tell it. */
export function firstIndex(w: EventWindow): number | null {
  return w.total !== null && w.fromEnd !== null ? Math.max(0, w.total - w.fromEnd) : null;
}

/** The requests that anchor a window: one or two pages, fetched in parallel. */
export interface AnchorRequests {
  /** From the anchor on, ascending. */
  after?: EventsRequest;
  /** Before the anchor, newest first (the API's `desc`). */
  before?: EventsRequest;
}

export function anchorRequests(
  filter: EventFilter,
  anchor: Anchor,
  limit = PAGE_SIZE,
): AnchorRequests {
  switch (anchor.kind) {
    case "start":
      return { after: { ...filter, limit } };
    case "end":
      return { before: { ...filter, desc: true, limit } };
    case "time": {
      // `since` gives the page from the anchor on *and* (its total) how many matches remain,
      // which places the window absolutely. The filter's own `since` wins when it is later.
      const own = filter.since !== undefined ? boundToUs(filter.since) : null;
      const since = own !== null && own >= anchor.us ? filter.since : toRfc3339Utc(anchor.us);
      return {
        after: { ...filter, ...(since !== undefined ? { since } : {}), limit },
        // Cursor (t, 0): everything strictly before t (seq starts at 1).
        before: { ...filter, before: `${anchor.us}:0`, desc: true, limit },
      };
    }
  }
}

/** The page after the window's last row, if there may be one and none is loading. */
export function nextRequest(
  filter: EventFilter,
  w: EventWindow,
  limit = PAGE_SIZE,
): EventsRequest | null {
  const last = w.rows[w.rows.length - 1];
  if (w.status !== "ready" || !w.hasAfter || w.loading.after || !last) return null;
  return { ...filter, after: cursorOf(last), limit };
}

/** The page before the window's first row (newest first), if there may be one. */
export function prevRequest(
  filter: EventFilter,
  w: EventWindow,
  limit = PAGE_SIZE,
): EventsRequest | null {
  const first = w.rows[0];
  if (w.status !== "ready" || !w.hasBefore || w.loading.before || !first) return null;
  return { ...filter, before: cursorOf(first), desc: true, limit };
}

export type WindowAction =
  | { type: "anchor"; key: string }
  | {
      type: "anchored";
      key: string;
      /** The page from the anchor on (ascending), if requested. */
      after?: EventPage;
      /** The page before the anchor (as the API sent it: newest first), if requested. */
      before?: EventPage;
      limit: number;
    }
  | { type: "request"; key: string; dir: LoadDir }
  | { type: "loaded"; key: string; dir: LoadDir; page: EventPage; limit: number }
  | { type: "failed"; key: string; dir: LoadDir | "anchor"; error: unknown }
  | {
      type: "refreshed";
      key: string;
      /** The row the page was asked from (inclusive); `null`: from the first match. */
      start: Pick<StoredEvent, "occurred_at_us" | "seq"> | null;
      /** The page from `start` on, ascending, as the store answers now. */
      page: EventPage;
      limit: number;
    };

/**
 * The live refresh's request: the rows from `rows[from]` on (what is on screen), as they are
 * now — events appended since, among them, included. `start` is where the answer is merged.
 */
export function refreshRequest(
  filter: EventFilter,
  w: EventWindow,
  from: number,
  limit = PAGE_SIZE,
): { req: EventsRequest; start: StoredEvent | null } | null {
  if (w.status !== "ready") return null;
  const i = Math.max(0, Math.min(from, w.rows.length - 1));
  const row = w.rows[i];
  // At the very first match, events that now sort before it belong on screen too.
  if (!row || (i === 0 && !w.hasBefore)) return { req: { ...filter, limit }, start: null };
  // Strictly after (t, seq - 1): the row itself and anything newer at the same instant.
  return { req: { ...filter, after: `${row.occurred_at_us}:${row.seq - 1}`, limit }, start: row };
}

export function reduceWindow(
  w: EventWindow,
  action: WindowAction,
  maxRows = MAX_ROWS,
): EventWindow {
  if (action.type === "anchor") return emptyWindow(action.key);
  if (action.key !== w.key) return w; // a late answer for a window that is gone

  switch (action.type) {
    case "anchored": {
      const before = action.before ? [...action.before.events].reverse() : [];
      const after = action.after?.events ?? [];
      const rows = [...before, ...after];
      // `total`: the before page has the plain filter (its cursor is ignored by the count); a
      // start anchor's page too. `fromEnd`: matches from rows[0] on.
      let total: number | null = null;
      let fromEnd: number | null = null;
      if (action.after && !action.before) {
        total = action.after.total; // start anchor
        fromEnd = action.after.total;
      } else if (action.before && !action.after) {
        total = action.before.total; // end anchor
        fromEnd = rows.length;
      } else if (action.before && action.after) {
        total = action.before.total; // time anchor
        fromEnd = action.after.total + before.length;
      }
      return {
        ...w,
        status: "ready",
        rows,
        total,
        fromEnd,
        hasBefore: action.before ? action.before.events.length >= action.limit : false,
        hasAfter: action.after ? action.after.events.length >= action.limit : false,
        // The first row at/after the anchor; the last row when there is none (or for `end`).
        anchorIndex: after.length > 0 ? before.length : Math.max(0, rows.length - 1),
        frontShift: 0,
      };
    }
    case "request":
      return {
        ...w,
        loading: { ...w.loading, [action.dir]: true },
        error: { ...w.error, [action.dir]: null },
      };
    case "failed":
      if (action.dir === "anchor") {
        return { ...w, status: "error", error: { ...w.error, anchor: action.error } };
      }
      return {
        ...w,
        loading: { ...w.loading, [action.dir]: false },
        error: { ...w.error, [action.dir]: action.error },
      };
    case "loaded":
      return action.dir === "after" ? append(w, action, maxRows) : prepend(w, action, maxRows);
    case "refreshed":
      return refreshed(w, action, maxRows);
  }
}

/**
 * Splices a live refresh into the window: the rows before `start` stay as they are (nothing
 * above the screen moves), the page replaces the rows it covers, the rows after it stay. A
 * page shorter than `limit` reached the last match, so nothing after it remains.
 */
function refreshed(
  w: EventWindow,
  action: {
    start: Pick<StoredEvent, "occurred_at_us" | "seq"> | null;
    page: EventPage;
    limit: number;
  },
  maxRows: number,
): EventWindow {
  const { start } = action;
  const head = start ? w.rows.filter((r) => compareEvents(r, start) < 0) : [];
  const prev = head[head.length - 1];
  const page = prev
    ? action.page.events.filter((e) => compareEvents(e, prev) > 0)
    : action.page.events;
  const full = action.page.events.length >= action.limit;
  const lastNew = page[page.length - 1];
  const tail = full
    ? lastNew
      ? w.rows.filter((r) => compareEvents(r, lastNew) > 0)
      : w.rows.slice(head.length)
    : [];
  let rows = [...head, ...page, ...tail];
  const total = action.page.total;
  // New matches are counted as after rows[0] (appends are; a late arrival before a window that
  // does not start at the first match puts the row readout off by one each).
  let fromEnd =
    w.fromEnd !== null && w.total !== null
      ? Math.min(total, Math.max(rows.length, w.fromEnd + (total - w.total)))
      : null;
  if (!start) fromEnd = total; // the window starts at the first match
  let { frontShift, anchorIndex, hasBefore } = w;
  const drop = overflow(rows.length, maxRows);
  if (drop > 0) {
    rows = rows.slice(drop);
    if (fromEnd !== null) fromEnd -= drop;
    frontShift -= drop;
    anchorIndex -= drop;
    hasBefore = true;
  }
  return {
    ...w,
    rows,
    total,
    fromEnd,
    frontShift,
    anchorIndex,
    hasBefore,
    // A full page may have more after it (new events past the old last row, too): the ordinary
    // "load after" brings them when the view nears the end.
    hasAfter: full,
  };
}

function append(
  w: EventWindow,
  action: { page: EventPage; limit: number },
  maxRows: number,
): EventWindow {
  const last = w.rows[w.rows.length - 1];
  // Keyset pages cannot overlap, but a page answered for a stale cursor could: keep order strict.
  const fresh = last
    ? action.page.events.filter((e) => compareEvents(e, last) > 0)
    : action.page.events;
  let rows = [...w.rows, ...fresh];
  let { fromEnd, frontShift, anchorIndex, hasBefore } = w;
  const drop = overflow(rows.length, maxRows);
  if (drop > 0) {
    rows = rows.slice(drop);
    if (fromEnd !== null) fromEnd -= drop;
    frontShift -= drop;
    anchorIndex -= drop;
    hasBefore = true;
  }
  return {
    ...w,
    rows,
    fromEnd,
    frontShift,
    anchorIndex,
    hasBefore,
    total: action.page.total,
    hasAfter: action.page.events.length >= action.limit,
    loading: { ...w.loading, after: false },
    error: { ...w.error, after: null },
  };
}

function prepend(
  w: EventWindow,
  action: { page: EventPage; limit: number },
  maxRows: number,
): EventWindow {
  const first = w.rows[0];
  const older = [...action.page.events].reverse();
  const fresh = first ? older.filter((e) => compareEvents(e, first) < 0) : older;
  let rows = [...fresh, ...w.rows];
  let { hasAfter } = w;
  const drop = overflow(rows.length, maxRows);
  if (drop > 0) {
    rows = rows.slice(0, rows.length - drop);
    hasAfter = true;
  }
  return {
    ...w,
    rows,
    hasAfter,
    fromEnd: w.fromEnd !== null ? w.fromEnd + fresh.length : null,
    frontShift: w.frontShift + fresh.length,
    anchorIndex: w.anchorIndex + fresh.length,
    total: action.page.total,
    hasBefore: action.page.events.length >= action.limit,
    loading: { ...w.loading, before: false },
    error: { ...w.error, before: null },
  };
}

/** Rows to drop at the far end to get back to `maxRows`. */
function overflow(length: number, maxRows: number): number {
  return Math.max(0, length - maxRows);
}
