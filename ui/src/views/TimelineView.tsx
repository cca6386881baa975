import { useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  type KeyboardEvent as ReactKeyboardEvent,
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import type { Stats } from "../bindings/Stats";
import type { StoredEvent } from "../bindings/StoredEvent";
import { useBackend } from "../backend";
import { CopyButton } from "../components/CopyButton";
import { SourceTag } from "../components/SourceTag";
import { ErrorNotice } from "../components/ErrorNotice";
import { Histogram } from "../components/Histogram";
import { LiveIndicator } from "../components/LiveController";
import { tenantLabel, useAppInfo, useTenant } from "../data/queries";
import { toEventFilter, withoutTimeRange } from "../lib/filters";
import { type Anchor, firstIndex, MAX_ROWS } from "../lib/paging";
import { rowText } from "../lib/rows";
import { boundToUs, localOffsetMinutes, formatOffset, parseRfc3339Us, toRfc3339Utc } from "../lib/time";
import { navigate, useRoute } from "../state/route";
import { useLive } from "../state/live";
import { useUi } from "../state/ui";
import { EmptyStore } from "./timeline/EmptyStore";
import { ExportBundleButton } from "../bundle/ExportDialog";
import { useEventWindow } from "./timeline/useEventWindow";

/** Row height in px: fixed, so the virtualizer never measures (UI.md: dense rows, 24–28 px). */
export const ROW_HEIGHT = 26;
/** Start loading the next page when the view comes this close (rows) to the window's edge. */
const PREFETCH_ROWS = 80;
const START: Anchor = { kind: "start" };

/**
 * The Timeline view: the store gate (is it open? empty?), then the histogram strip and the
 * virtualized list of the tenant's events under the current filters.
 */
export function TimelineView() {
  const info = useAppInfo();
  if (info.isPending) return <p className="muted">Opening the store…</p>;
  if (info.isError) return <ErrorNotice error={info.error} action="read the store information" />;
  if (info.data.store_error) {
    return <ErrorNotice error={info.data.store_error} action="open the store" />;
  }
  return <TimelineBody />;
}

function TimelineBody() {
  const { tenant, stats } = useTenant();
  if (stats.isPending) return <p className="muted">Reading the store…</p>;
  if (stats.isError) {
    return <ErrorNotice error={stats.error} action="read the store's tenants" />;
  }
  if (stats.data.events === 0) return <EmptyStore />;
  if (tenant === null) return null;
  return <Timeline tenant={tenant} stats={stats.data} />;
}

/** "now" in µs, refreshed each minute: for "3 min ago" in tooltips without re-rendering rows. */
function useNowUs(): number {
  const [now, setNow] = useState(() => Date.now() * 1000);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now() * 1000), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

function Timeline({ tenant, stats }: { tenant: string; stats: Stats }) {
  const backend = useBackend();
  const route = useRoute();
  const utc = useUi((s) => s.utc);
  const setUtc = useUi((s) => s.setUtc);
  const setPicked = useUi((s) => s.setPicked);
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  const now = useNowUs();

  const filtersKey = JSON.stringify(route.filters);
  // `filtersKey` stands for route.filters (a new object on every URL change).
  const filter = useMemo(() => toEventFilter(tenant, route.filters), [tenant, filtersKey]);

  // A pasted link names an event but no place: find the event's time, anchor there.
  const [arrivedWithEvent] = useState(() => route.event !== null && route.at === null);
  const linked = useQuery({
    queryKey: ["event", tenant, route.event],
    queryFn: () => backend.event(tenant, route.event ?? ""),
    enabled: arrivedWithEvent && route.event !== null && route.at === null,
    staleTime: Number.POSITIVE_INFINITY,
  });
  useEffect(() => {
    if (arrivedWithEvent && route.at === null && linked.data) {
      navigate({ at: { kind: "time", us: linked.data.occurred_at_us } }, { replace: true });
    }
  }, [arrivedWithEvent, route.at, linked.data]);
  const waitingForPlace =
    arrivedWithEvent && route.at === null && route.event !== null && linked.isPending;

  const anchor = route.at ?? START;
  // Followed live, the store's growth is spliced into the rows on screen (below); without
  // notices, a grown store re-anchors the window.
  const live = useLive((s) => s.connected);
  const [liveVersion] = useState(stats.last_seq);
  const { window: w, load, reanchor, refresh } = useEventWindow(
    waitingForPlace ? null : filter,
    anchor,
    live ? liveVersion : stats.last_seq,
  );
  const rows = w.rows;

  // ---- the list ----------------------------------------------------------------------------
  const grid = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => body.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => (rows[i] as StoredEvent).seq,
    overscan: 15,
    // Rows added or trimmed above keep what is on screen in place (keyed by seq).
    anchorTo: "end",
  });
  const items = virtualizer.getVirtualItems();

  const selectedIndex = useMemo(
    () => (route.event === null ? -1 : rows.findIndex((r) => r.id === route.event)),
    [rows, route.event],
  );

  // Rows call back with their event; indexes are looked up in the rows of now.
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const select = useCallback(
    (index: number, how: "key" | "click") => {
      const row = rowsRef.current[index];
      if (!row) return;
      setPicked(row);
      navigate({ event: row.id }, { replace: how === "key" });
      virtualizer.scrollToIndex(index, { align: "auto" });
    },
    [setPicked, virtualizer],
  );

  const onRowSelect = useCallback(
    (e: StoredEvent) => {
      const index = rowsRef.current.findIndex((r) => r.seq === e.seq);
      if (index >= 0) select(index, "click");
      grid.current?.focus();
    },
    [select],
  );
  const onRowOpen = useCallback(() => setDrawerOpen(true), [setDrawerOpen]);

  // Home/End go to the very first/last match, which may need a new anchor first.
  const pendingEdge = useRef<"first" | "last" | null>(null);
  const placed = useRef("");
  useLayoutEffect(() => {
    if (w.status !== "ready" || placed.current === w.key) return;
    placed.current = w.key;
    const edge = pendingEdge.current;
    pendingEdge.current = null;
    if (rows.length === 0) return;
    if (edge) {
      select(edge === "first" ? 0 : rows.length - 1, "key");
      return;
    }
    const selected = route.event === null ? -1 : rows.findIndex((r) => r.id === route.event);
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: "center" });
    else if (anchor.kind === "end") virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
    else virtualizer.scrollToIndex(Math.min(w.anchorIndex, rows.length - 1), { align: "start" });
    // Placing happens once per window; later renders keep the person's scroll position.
  });

  // Back/forward to another event of this window: bring it into view.
  useEffect(() => {
    if (selectedIndex >= 0 && placed.current === w.key) {
      virtualizer.scrollToIndex(selectedIndex, { align: "auto" });
    }
  }, [route.event]);

  // Load the next page when the view nears an edge of the window.
  const firstItem = items[0]?.index ?? -1;
  const lastItem = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (w.status !== "ready" || placed.current !== w.key || rows.length === 0) return;
    if (w.hasBefore && firstItem >= 0 && firstItem < PREFETCH_ROWS) load("before");
    if (w.hasAfter && lastItem >= rows.length - PREFETCH_ROWS) load("after");
  }, [firstItem, lastItem, w.status, w.key, rows.length, w.hasBefore, w.hasAfter, load]);

  // What is on screen (not the overscan): the histogram's band and the position readout.
  const offset = virtualizer.scrollOffset ?? 0;
  const viewHeight = virtualizer.scrollRect?.height ?? 0;
  const firstVisible = Math.min(rows.length - 1, Math.max(0, Math.floor(offset / ROW_HEIGHT)));
  const lastVisible = Math.min(
    rows.length - 1,
    Math.max(firstVisible, Math.ceil((offset + viewHeight) / ROW_HEIGHT) - 1),
  );
  const pageRows = Math.max(1, Math.floor(viewHeight / ROW_HEIGHT) - 1);
  const visible =
    rows.length > 0 && rows[firstVisible] && rows[lastVisible]
      ? {
          from: (rows[firstVisible] as StoredEvent).occurred_at_us,
          to: (rows[lastVisible] as StoredEvent).occurred_at_us + 1,
        }
      : null;
  const base = firstIndex(w);

  // ---- live: re-read what is on screen on each applied notice batch --------------------------
  const tick = useLive((s) => s.tick);
  const liveAt = useRef({ firstVisible, hasAfter: w.hasAfter });
  liveAt.current = { firstVisible, hasAfter: w.hasAfter };
  const seenTick = useRef(tick);
  useEffect(() => {
    if (tick === seenTick.current) return;
    seenTick.current = tick;
    const el = body.current;
    // At the bottom of the last rows: stay there as rows arrive (tail -f); elsewhere, stay put.
    const follow =
      !liveAt.current.hasAfter &&
      el !== null &&
      el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
    void refresh(liveAt.current.firstVisible).then(() => {
      if (!follow) return;
      requestAnimationFrame(() => {
        const n = rowsRef.current.length;
        if (n > 0) virtualizer.scrollToIndex(n - 1, { align: "end" });
      });
    });
  }, [tick, refresh, virtualizer]);

  const goEdge = useCallback(
    (edge: "first" | "last") => {
      const more = edge === "first" ? w.hasBefore : w.hasAfter;
      if (!more) {
        select(edge === "first" ? 0 : rows.length - 1, "key");
        return;
      }
      pendingEdge.current = edge;
      const at: Anchor | null = edge === "first" ? null : { kind: "end" };
      const same = (route.at?.kind ?? "start") === (at?.kind ?? "start");
      if (same) reanchor();
      else navigate({ at, event: null });
    },
    [w.hasBefore, w.hasAfter, rows.length, route.at, select, reanchor],
  );

  const onKey = useCallback(
    (event: KeyboardEvent | ReactKeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return false;
      const from = selectedIndex >= 0 ? selectedIndex : firstVisible - 1;
      switch (event.key) {
        case "ArrowDown":
          select(Math.min(rows.length - 1, from + 1), "key");
          break;
        case "ArrowUp":
          select(Math.max(0, selectedIndex >= 0 ? from - 1 : firstVisible), "key");
          break;
        case "PageDown":
          select(Math.min(rows.length - 1, Math.max(0, from) + pageRows), "key");
          break;
        case "PageUp":
          select(Math.max(0, Math.max(0, from) - pageRows), "key");
          break;
        case "Home":
          goEdge("first");
          break;
        case "End":
          goEdge("last");
          break;
        case "Enter":
          if (selectedIndex < 0) select(firstVisible, "key");
          setDrawerOpen(true);
          break;
        default:
          return false;
      }
      event.preventDefault();
      return true;
    },
    [selectedIndex, firstVisible, rows.length, pageRows, select, goEdge, setDrawerOpen],
  );

  // The list keys also work when nothing in particular has focus (lnav-style).
  useEffect(() => {
    function onWindowKey(event: KeyboardEvent) {
      if (event.defaultPrevented || document.activeElement !== document.body) return;
      if (onKey(event)) grid.current?.focus();
    }
    window.addEventListener("keydown", onWindowKey);
    return () => window.removeEventListener("keydown", onWindowKey);
  }, [onKey]);

  // ---- histogram --------------------------------------------------------------------------
  const tenantStats = stats.tenants.find((t) => t.tenant === tenant);
  const histRange = useMemo(() => {
    const first = tenantStats ? parseRfc3339Us(tenantStats.first_occurred_at) : null;
    const last = tenantStats ? parseRfc3339Us(tenantStats.last_occurred_at) : null;
    const since = route.filters.since ? boundToUs(route.filters.since) : null;
    const until = route.filters.until ? boundToUs(route.filters.until) : null;
    const from = since ?? first;
    const to = until ?? (last !== null ? last + 1 : null);
    if (from === null || to === null || to <= from) return null;
    return { from, to };
  }, [tenantStats, route.filters.since, route.filters.until]);
  const histFilter = useMemo(
    () => toEventFilter(tenant, withoutTimeRange(route.filters)),
    [tenant, filtersKey],
  );

  const onBrush = useCallback((from: number, to: number) => {
    navigate((r) => ({
      ...r,
      filters: { ...r.filters, since: toRfc3339Utc(from), until: toRfc3339Utc(to) },
      at: null,
    }));
  }, []);
  const onReset = useCallback(() => {
    navigate((r) => ({ ...r, filters: withoutTimeRange(r.filters), at: null }));
  }, []);
  const onJump = useCallback((us: number) => {
    navigate({ at: { kind: "time", us } });
  }, []);

  const clearFilters = () => navigate((r) => ({ ...r, filters: {}, at: null }));
  const hasFilters = Object.keys(route.filters).length > 0;
  const headerOffset = utc ? 0 : localOffsetMinutes(now);
  const offsetLabel = utc ? "UTC" : `UTC${formatOffset(headerOffset)}`;
  const activeId = selectedIndex >= 0 ? `tl-row-${(rows[selectedIndex] as StoredEvent).seq}` : undefined;

  return (
    <div className="timeline">
      <p className="view-scope" data-testid="scope">
        <span className="muted">Tenant</span>{" "}
        <strong data-testid="scope-tenant">{tenantLabel(tenant)}</strong>
        {hasFilters && <span className="muted"> · filtered</span>}
      </p>
      {histRange && (
        <Histogram
          filter={histFilter}
          from={histRange.from}
          to={histRange.to}
          version={stats.last_seq}
          utc={utc}
          visible={visible}
          onBrush={onBrush}
          onJump={onJump}
          onReset={onReset}
        />
      )}
      <div className="tl-bar">
        <p className="tl-count" data-testid="timeline-count">
          {w.total !== null ? (
            <>
              {/* Only the total is announced; the row range changes on every scroll. */}
              <span role="status">
                <strong>{w.total.toLocaleString("en-US")}</strong>{" "}
                {w.total === 1 ? "event" : "events"}
              </span>
              {base !== null && rows.length > 0 && (
                <span className="muted">
                  {" "}
                  · rows {(base + firstVisible + 1).toLocaleString("en-US")}–
                  {(base + lastVisible + 1).toLocaleString("en-US")}
                </span>
              )}
              {w.total > MAX_ROWS && (
                <span
                  className="muted tl-window-note"
                  title={`The list holds a window of ${MAX_ROWS.toLocaleString("en-US")} rows around where you are (browsers cannot lay out millions of rows); click or drag the histogram to travel anywhere in time, or use Home/End.`}
                >
                  {" "}
                  · window of {MAX_ROWS.toLocaleString("en-US")}
                </span>
              )}
            </>
          ) : w.status === "anchoring" ? (
            <span className="muted">Counting…</span>
          ) : null}
        </p>
        <div className="tl-tools">
          <LiveIndicator />
          <ExportBundleButton small />
          <button type="button" className="button button-small" onClick={() => goEdge("first")} title="First event (Home)">
            First
          </button>
          <button type="button" className="button button-small" onClick={() => goEdge("last")} title="Last event (End)">
            Latest
          </button>
          <div className="segmented" role="group" aria-label="Time zone">
            <button type="button" className="button button-small" aria-pressed={!utc} onClick={() => setUtc(false)} title="Times in your zone, with its UTC offset">
              Local
            </button>
            <button type="button" className="button button-small" aria-pressed={utc} onClick={() => setUtc(true)} title="Times in UTC">
              UTC
            </button>
          </div>
        </div>
      </div>

      <div
        ref={grid}
        className="tl-grid"
        role="grid"
        aria-label={`Events of ${tenantLabel(tenant)}`}
        aria-rowcount={w.total !== null ? w.total + 1 : -1}
        aria-colcount={6}
        aria-busy={w.status === "anchoring"}
        aria-activedescendant={activeId}
        tabIndex={0}
        data-testid="timeline"
        onKeyDown={(e) => {
          onKey(e);
        }}
      >
        <div className="tl-head" role="row" aria-rowindex={1}>
          <div role="columnheader" className="tl-time">
            Time ({offsetLabel})
          </div>
          <div role="columnheader">Type</div>
          <div role="columnheader">Source</div>
          <div role="columnheader">Dialect</div>
          <div role="columnheader">User</div>
          <div role="columnheader">Id</div>
        </div>
        <div ref={body} className="tl-body" data-testid="timeline-body">
          <div className="tl-rows" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const e = rows[item.index] as StoredEvent;
              return (
                <Row
                  key={item.key as number}
                  event={e}
                  top={item.start}
                  rowIndex={base !== null ? base + item.index + 2 : undefined}
                  selected={item.index === selectedIndex}
                  utc={utc}
                  now={now}
                  headerOffset={headerOffset}
                  onSelect={onRowSelect}
                  onOpen={onRowOpen}
                />
              );
            })}
          </div>
        </div>
        {/* Overlays sit outside the scrolled body, so they never shift the rows. */}
        {w.loading.before && <p className="tl-loading tl-loading-top">Loading earlier events…</p>}
        {w.loading.after && <p className="tl-loading tl-loading-bottom">Loading later events…</p>}
        {w.error.before !== null && (
          <DirError error={w.error.before} what="earlier events" retry={() => load("before", true)} />
        )}
        {w.error.after !== null && (
          <DirError error={w.error.after} what="later events" retry={() => load("after", true)} />
        )}
        {w.status === "anchoring" && (
          <p className="tl-overlay muted" role="status">
            Loading events…
          </p>
        )}
        {w.status === "error" && (
          <div className="tl-overlay">
            <ErrorNotice error={w.error.anchor} action="read the events" />
            <button type="button" className="button" onClick={reanchor}>
              Try again
            </button>
          </div>
        )}
        {w.status === "ready" && rows.length === 0 && (
          <div className="tl-overlay tl-empty" data-testid="timeline-empty">
            <p>
              {hasFilters
                ? `No events of ${tenantLabel(tenant)} match these filters.`
                : `No events in ${tenantLabel(tenant)}.`}
            </p>
            {hasFilters && (
              <button type="button" className="button" onClick={clearFilters}>
                Clear filters
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

function DirError({ error, what, retry }: { error: unknown; what: string; retry: () => void }) {
  return (
    <div className="tl-direrror">
      <ErrorNotice error={error} action={`load ${what}`} />
      <button type="button" className="button button-small" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

interface RowProps {
  event: StoredEvent;
  top: number;
  rowIndex: number | undefined;
  selected: boolean;
  utc: boolean;
  now: number;
  headerOffset: number;
  onSelect: (event: StoredEvent) => void;
  onOpen: () => void;
}

/** One dense row; memoized so scrolling re-renders only the rows that enter the view. */
const Row = memo(
  function Row({ event, top, rowIndex, selected, utc, now, headerOffset, onSelect, onOpen }: RowProps) {
    const t = rowText(event, utc, now, headerOffset);
    return (
      <div
        id={`tl-row-${event.seq}`}
        className={selected ? "tl-row selected" : "tl-row"}
        role="row"
        aria-rowindex={rowIndex}
        aria-selected={selected}
        data-testid="timeline-row"
        data-seq={event.seq}
        data-event-id={event.id}
        style={{ transform: `translateY(${top}px)` }}
        onClick={() => onSelect(event)}
        onDoubleClick={onOpen}
      >
        <div role="gridcell" className="tl-time mono" title={t.timeTitle}>
          {t.time}
        </div>
        <div role="gridcell" className="tl-type" title={t.type}>
          {t.type}
          {event.flags.length > 0 && (
            <span className="tl-flag" title={`flags: ${event.flags.join(", ")}`}>
              {" "}
              ⚑<span className="visually-hidden"> flagged: {event.flags.join(", ")}</span>
            </span>
          )}
        </div>
        <div role="gridcell" className="tl-source">
          <SourceTag source={event.source} />
        </div>
        <div role="gridcell">
          <span className="badge" title={`dialect ${t.dialect}`}>
            {t.dialect}
          </span>
        </div>
        <div role="gridcell" className="tl-who" title={t.whoTitle}>
          {t.who}
        </div>
        <div role="gridcell" className="tl-id mono" onClick={(e) => e.stopPropagation()}>
          <CopyButton text={t.id} label={t.idShort} className="id-copy" title={`${t.id}\n(click to copy)`} />
        </div>
      </div>
    );
  },
  (a, b) =>
    a.event === b.event &&
    a.top === b.top &&
    a.rowIndex === b.rowIndex &&
    a.selected === b.selected &&
    a.utc === b.utc &&
    a.now === b.now &&
    a.headerOffset === b.headerOffset &&
    a.onSelect === b.onSelect &&
    a.onOpen === b.onOpen,
);

