import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Bucket } from "../bindings/Bucket";
import type { EventFilter } from "../bindings/EventFilter";
import { useBackend } from "../backend";
import { ErrorNotice } from "./ErrorNotice";
import { axisLabel, formatTime } from "../lib/time";

const HEIGHT = 64;
/** Bars at least this wide (px); at most the API's 2000 bins. */
const MIN_BAR_PX = 3;

export interface HistogramProps {
  filter: EventFilter;
  /** The range drawn, µs `[from, to)`. */
  from: number;
  to: number;
  /** The store's `last_seq`, so a grown store is re-counted. */
  version: number;
  utc: boolean;
  /** The time span of the rows in view, drawn as a band (µs). */
  visible: { from: number; to: number } | null;
  /** A dragged range, µs `[from, to)`: becomes the since/until filter. */
  onBrush: (from: number, to: number) => void;
  /** A click: move the timeline to this instant (µs). */
  onJump: (at: number) => void;
  /** A double-click: drop the time range. */
  onReset: () => void;
}

function bucketCount(width: number): number {
  // Quantized, so resizing the window by a few pixels does not re-count.
  const n = Math.floor(width / MIN_BAR_PX / 10) * 10;
  return Math.max(10, Math.min(2000, n));
}

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/**
 * The histogram strip: how many events fall in each slice of the range, drawn by uPlot on a
 * canvas from bins counted in SQL. It is the timeline's navigator: drag to filter a time range,
 * double-click to drop it, click to move the list to that moment.
 */
export function Histogram(props: HistogramProps) {
  const { filter, from, to, version, utc, visible } = props;
  const backend = useBackend();
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const band = useRef<HTMLDivElement | null>(null);
  const tip = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [dark, setDark] = useState(
    () => globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false,
  );
  const descId = useId();
  // Handlers change identity every render; the plot reads them through a ref.
  const handlers = useRef(props);
  handlers.current = props;

  const buckets = bucketCount(width);
  const span = Math.max(1, to - from);
  const histogram = useQuery({
    queryKey: ["histogram", { ...filter, from, to, buckets }, version],
    queryFn: () => backend.histogram({ ...filter, from, to: from + span, buckets }),
    enabled: width > 0,
    placeholderData: keepPreviousData,
    staleTime: Number.POSITIVE_INFINITY,
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      setWidth((old) => (Math.abs(old - w) >= 1 ? w : old));
    });
    observer.observe(el);
    const media = globalThis.matchMedia?.("(prefers-color-scheme: dark)");
    const onTheme = () => setDark(media?.matches ?? false);
    media?.addEventListener("change", onTheme);
    return () => {
      observer.disconnect();
      media?.removeEventListener("change", onTheme);
    };
  }, []);

  const data = histogram.data;

  // (Re)create the plot when what it is drawn with changes: range, zone, theme, bins.
  useEffect(() => {
    const el = host.current;
    if (!el || width === 0 || !data) return;
    const xs = data.map((b: Bucket) => b.start_us / 1e6);
    const ys = data.map((b: Bucket) => b.count);
    const bar = cssVar(el, "--hist-bar", "#0b5cad");
    const fill = cssVar(el, "--hist-fill", "#0b5cad66");
    const muted = cssVar(el, "--fg-muted", "#57606a");
    const border = cssVar(el, "--border", "#d5dae0");
    // Left-aligned bars filling their bin: the bins are [start, start + width).
    const bars = uPlot.paths.bars?.({ size: [1, Number.POSITIVE_INFINITY], gap: 0, align: 1 });
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      padding: [4, 14, 0, 14],
      legend: { show: false },
      cursor: {
        y: false,
        points: { show: false },
        drag: { x: true, y: false, setScale: false },
        // Our double-click drops the time range; uPlot's own would only re-zoom the plot.
        bind: { dblclick: () => () => null },
      },
      scales: {
        x: { time: true, range: () => [from / 1e6, (from + span) / 1e6] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] },
      },
      axes: [
        {
          stroke: muted,
          grid: { show: false },
          ticks: { stroke: border, size: 3 },
          size: 20,
          gap: 2,
          font: "11px system-ui, sans-serif",
          // 24-hour labels in the zone the list uses (uPlot's default is 12-hour, local).
          values: (_u, splits) => splits.map((s) => axisLabel(s * 1e6, span, utc)),
        },
        { show: false },
      ],
      series: [
        {},
        {
          stroke: bar,
          fill,
          width: 1,
          points: { show: false },
          ...(bars ? { paths: bars } : {}),
        },
      ],
      hooks: {
        setSelect: [
          (u) => {
            const { left, width: w } = u.select;
            if (w < 3) return;
            const a = Math.round(u.posToVal(left, "x") * 1e6);
            const b = Math.round(u.posToVal(left + w, "x") * 1e6);
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            handlers.current.onBrush(Math.max(from, a), Math.min(from + span, b));
          },
        ],
        setCursor: [
          (u) => {
            const t = tip.current;
            if (!t) return;
            const idx = u.cursor.idx;
            const bucket = idx !== null && idx !== undefined ? data[idx] : undefined;
            if (!bucket || u.cursor.left === undefined || u.cursor.left < 0) {
              t.hidden = true;
              return;
            }
            const binUs = data.length > 1 ? (data[1] as Bucket).start_us - (data[0] as Bucket).start_us : span;
            t.hidden = false;
            t.textContent = `${formatTime(bucket.start_us, handlers.current.utc, "s")} – ${formatTime(bucket.start_us + binUs, handlers.current.utc, "s")}: ${bucket.count.toLocaleString("en-US")} events`;
            const x = Math.min(Math.max(0, u.cursor.left - 80), width - 260);
            t.style.transform = `translateX(${x}px)`;
          },
        ],
      },
      ...(utc ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC") } : {}),
    };
    const u = new uPlot(opts, [xs, ys], el);
    plot.current = u;

    // Click (press and release in place) moves the list; a drag is a brush (above).
    let down: { x: number; y: number } | null = null;
    const onDown = (e: MouseEvent) => {
      down = { x: e.clientX, y: e.clientY };
    };
    const onUp = (e: MouseEvent) => {
      if (down && Math.abs(e.clientX - down.x) < 3 && Math.abs(e.clientY - down.y) < 3) {
        const rect = u.over.getBoundingClientRect();
        const at = Math.round(u.posToVal(e.clientX - rect.left, "x") * 1e6);
        handlers.current.onJump(Math.max(from, Math.min(from + span - 1, at)));
      }
      down = null;
    };
    const onDbl = () => handlers.current.onReset();
    u.over.addEventListener("mousedown", onDown);
    u.over.addEventListener("mouseup", onUp);
    u.over.addEventListener("dblclick", onDbl);
    const marker = document.createElement("div");
    marker.className = "hist-window";
    marker.setAttribute("aria-hidden", "true");
    u.over.appendChild(marker);
    band.current = marker;
    return () => {
      u.over.removeEventListener("mousedown", onDown);
      u.over.removeEventListener("mouseup", onUp);
      u.over.removeEventListener("dblclick", onDbl);
      band.current = null;
      plot.current = null;
      u.destroy();
    };
  }, [data, width, from, span, utc, dark]);

  // The band of rows in view: moved on every scroll, without redrawing the canvas.
  useEffect(() => {
    const u = plot.current;
    const marker = band.current;
    if (!u || !marker) return;
    if (!visible) {
      marker.hidden = true;
      return;
    }
    const x0 = u.valToPos(Math.max(from, visible.from) / 1e6, "x");
    const x1 = u.valToPos(Math.min(from + span, visible.to) / 1e6, "x");
    marker.hidden = false;
    marker.style.left = `${Math.min(x0, x1)}px`;
    marker.style.width = `${Math.max(2, Math.abs(x1 - x0))}px`;
  });

  const total = data?.reduce((n, b) => n + b.count, 0);
  return (
    <section className="hist" aria-label="Events over time" aria-describedby={descId}>
      <p id={descId} className="visually-hidden">
        {total !== undefined
          ? `${total.toLocaleString("en-US")} events between ${formatTime(from, utc, "s")} and ${formatTime(from + span, utc, "s")}. `
          : ""}
        Drag across the chart to filter a time range, double-click to drop the range, click to
        move the list to that moment. The since: and until: filters do the same from the keyboard.
      </p>
      {histogram.isError && (
        <ErrorNotice error={histogram.error} action="count the events over time" />
      )}
      <div className="hist-plot" ref={host} data-testid="histogram" />
      <div className="hist-tip" ref={tip} hidden role="presentation" />
    </section>
  );
}
