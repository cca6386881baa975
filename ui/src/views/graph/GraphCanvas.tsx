import { type KeyboardEvent, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Graph } from "../../bindings/Graph";
import {
  type ColourBy,
  colourKey,
  colourOf,
  fitTransform,
  hitTest,
  initialTransform,
  screenRadius,
  type Transform,
  zoomAt,
} from "../../lib/graph";
import { type CursorMarks, FUTURE } from "../../lib/replayGraph";

interface Props {
  graph: Graph;
  colourBy: ColourBy;
  dark: boolean;
  selected: number | null;
  /** The selected node's path to the root (node indices, the node first). */
  path: number[];
  showCritical: boolean;
  /** Bumped by the Fit button. */
  fitSignal: number;
  onSelect: (node: number | null) => void;
  /**
   * A replay cursor (the Replay view): nodes still to come are dimmed, the node at the cursor is
   * ringed and kept in view. Absent in the Graph view.
   */
  cursor?: CursorMarks | null;
}

const DASH: Record<string, number[]> = { causation: [], parent: [6, 3], sequence: [2, 3] };
/** Opacity of what is still to come after a replay cursor (nodes and edges; labels a little more). */
const DIM = 0.2;
const DIM_TEXT = 0.35;

/**
 * The graph on a 2D canvas: positions and edge routes come from the core, this only maps them
 * to pixels, so 5,000 nodes redraw in a frame. Text drawn on a canvas is inert (never markup).
 * The current transform is published as `data-transform="k x y"`, so a test can find a node's
 * pixel from its layout position; with a replay cursor, the container publishes the event at the
 * cursor as `data-cursor-event` (and `data-cursor-past` / `data-cursor-future`, the node counts
 * drawn as past and dimmed), since pixels are not something a test can read.
 */
export function GraphCanvas({
  graph: g,
  colourBy,
  dark,
  selected,
  path,
  showCritical,
  fitSignal,
  onSelect,
  cursor = null,
}: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const [t, setT] = useState<Transform | null>(null);
  const drag = useRef<{ x: number; y: number; t: Transform; moved: boolean } | null>(null);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const measure = () => setSize({ w: el.clientWidth, h: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // A new graph (or the first size) opens at its initial view; Fit shows everything.
  const sized = size !== null && size.w > 0;
  useEffect(() => {
    if (sized && size) setT(initialTransform(g, size.w, size.h));
    // Only when the graph or the size first arrives: later resizes keep the person's view.
  }, [g, sized]);
  useEffect(() => {
    if (fitSignal > 0 && size) setT(fitTransform(g, size.w, size.h));
  }, [fitSignal]);

  // The node at the replay cursor stays in view: when the cursor moves off screen, centre it.
  const cursorAt = cursor?.at ?? null;
  useEffect(() => {
    if (cursorAt === null || !size) return;
    const n = g.nodes[cursorAt];
    if (!n) return;
    setT((cur) => {
      if (!cur) return cur;
      const [px, py] = [n.x * cur.k + cur.x, n.y * cur.k + cur.y];
      if (px >= 40 && px <= size.w - 40 && py >= 40 && py <= size.h - 40) return cur;
      return { k: cur.k, x: size.w / 2 - n.x * cur.k, y: size.h / 2 - n.y * cur.k };
    });
  }, [g, cursorAt, sized]);

  // Draw.
  useEffect(() => {
    const c = canvas.current;
    if (!c || !size || !t) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(size.w * dpr);
    c.height = Math.round(size.h * dpr);
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw(ctx, g, t, size, { colourBy, dark, selected, path, showCritical, cursor, style: getComputedStyle(c) });
  }, [g, t, size, colourBy, dark, selected, path, showCritical, cursor]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      setT((cur) => (cur ? zoomAt(cur, factor, e.clientX - r.left, e.clientY - r.top) : cur));
    };
    c.addEventListener("wheel", onWheel, { passive: false });
    return () => c.removeEventListener("wheel", onWheel);
  }, []);

  const onPointerDown = useCallback(
    (e: React.PointerEvent<HTMLCanvasElement>) => {
      if (!t || e.button !== 0) return;
      e.currentTarget.setPointerCapture(e.pointerId);
      drag.current = { x: e.clientX, y: e.clientY, t, moved: false };
    },
    [t],
  );
  const onPointerMove = useCallback((e: React.PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && dx * dx + dy * dy < 16) return;
    d.moved = true;
    setT({ k: d.t.k, x: d.t.x + dx, y: d.t.y + dy });
  }, []);
  const onPointerUp = useCallback(
    (e: React.PointerEvent<HTMLCanvasElement>) => {
      const d = drag.current;
      drag.current = null;
      if (!d || d.moved || !t) return;
      const r = e.currentTarget.getBoundingClientRect();
      onSelect(hitTest(g.nodes, t, e.clientX - r.left, e.clientY - r.top));
    },
    [g, t, onSelect],
  );

  function onKeyDown(e: KeyboardEvent<HTMLCanvasElement>) {
    if (!t || !size) return;
    const step = 80;
    const moves: Record<string, () => Transform> = {
      ArrowLeft: () => ({ ...t, x: t.x + step }),
      ArrowRight: () => ({ ...t, x: t.x - step }),
      ArrowUp: () => ({ ...t, y: t.y + step }),
      ArrowDown: () => ({ ...t, y: t.y - step }),
      "+": () => zoomAt(t, 1.25, size.w / 2, size.h / 2),
      "=": () => zoomAt(t, 1.25, size.w / 2, size.h / 2),
      "-": () => zoomAt(t, 0.8, size.w / 2, size.h / 2),
      "0": () => fitTransform(g, size.w, size.h),
    };
    // [ and ] step the selection through the nodes in time order, keeping it in view.
    if (e.key === "[" || e.key === "]") {
      e.preventDefault();
      const last = g.nodes.length - 1;
      const next =
        selected === null ? (e.key === "]" ? 0 : last) : Math.min(last, Math.max(0, selected + (e.key === "]" ? 1 : -1)));
      const n = g.nodes[next];
      if (!n) return;
      const [px, py] = [n.x * t.k + t.x, n.y * t.k + t.y];
      if (px < 40 || px > size.w - 40 || py < 40 || py > size.h - 40) {
        setT({ k: t.k, x: size.w / 2 - n.x * t.k, y: size.h / 2 - n.y * t.k });
      }
      onSelect(next);
      return;
    }
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      setT(move());
    }
  }

  return (
    <div
      ref={wrap}
      className="graph-canvas-wrap"
      data-testid="graph-canvas-wrap"
      data-cursor-event={cursor ? (cursor.at === null ? "" : (g.nodes[cursor.at]?.id ?? "")) : undefined}
      data-cursor-past={cursor ? cursor.past : undefined}
      data-cursor-future={cursor ? cursor.future : undefined}
    >
      <canvas
        ref={canvas}
        className="graph-canvas"
        data-testid="graph-canvas"
        data-transform={t ? `${t.k} ${t.x} ${t.y}` : undefined}
        data-ready={t ? "true" : "false"}
        role="img"
        aria-label={`Graph of ${g.nodes.length} nodes and ${g.edges.length} edges. Arrow keys pan, + and - zoom, 0 fits, [ and ] select the previous or next node in time.`}
        tabIndex={0}
        style={{ width: size?.w ?? 0, height: size?.h ?? 0 }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}

interface DrawOptions {
  colourBy: ColourBy;
  dark: boolean;
  selected: number | null;
  path: number[];
  showCritical: boolean;
  cursor: CursorMarks | null;
  style: CSSStyleDeclaration;
}

function draw(
  ctx: CanvasRenderingContext2D,
  g: Graph,
  t: Transform,
  size: { w: number; h: number },
  o: DrawOptions,
) {
  const css = (name: string, fallback: string) => o.style.getPropertyValue(name).trim() || fallback;
  const fg = css("--fg", "#1b1f24");
  const muted = css("--fg-muted", "#57606a");
  const accent = css("--accent", "#0b5cad");
  const danger = css("--danger", "#b3261e");
  const highlight = css("--mark-accent", "#f2b84b");
  ctx.clearRect(0, 0, size.w, size.h);
  const r = screenRadius(t);
  const margin = 40 + r;
  const sx = (x: number) => x * t.k + t.x;
  const sy = (y: number) => y * t.k + t.y;
  const visible = (x: number, y: number) =>
    x >= -margin && x <= size.w + margin && y >= -margin && y <= size.h + margin;

  // Edges, one path per kind (batched: 10,000 curves stroke in one call each).
  const onPath = new Set<string>();
  for (let i = 0; i + 1 < o.path.length; i++) onPath.add(`${o.path[i + 1]}>${o.path[i]}`);
  const critical = new Set<string>();
  if (o.showCritical) {
    for (let i = 0; i + 1 < g.critical_path.length; i++) {
      critical.add(`${g.critical_path[i]}>${g.critical_path[i + 1]}`);
    }
  }
  const strokeEdges = (pick: (e: Graph["edges"][number]) => boolean, colour: string, width: number, dash?: number[]) => {
    for (const kind of ["causation", "parent", "sequence"] as const) {
      ctx.beginPath();
      let any = false;
      for (const e of g.edges) {
        if (e.kind !== kind || !pick(e)) continue;
        const [a, c, b] = e.route;
        const ax = sx(a.x);
        const bx = sx(b.x);
        if ((ax < -margin && bx < -margin) || (ax > size.w + margin && bx > size.w + margin)) continue;
        ctx.moveTo(ax, sy(a.y));
        ctx.quadraticCurveTo(sx(c.x), sy(c.y), bx, sy(b.y));
        any = true;
      }
      if (!any) continue;
      ctx.setLineDash(dash ?? DASH[kind] ?? []);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.stroke();
    }
  };
  // With a replay cursor, what is still to come is dimmed: an edge is, when either end is.
  const marks = o.cursor?.marks ?? null;
  const dimNode = (i: number) => marks !== null && marks[i] === FUTURE;
  const dimEdge = (e: Graph["edges"][number]) => dimNode(e.from) || dimNode(e.to);
  if (marks !== null) {
    ctx.globalAlpha = DIM;
    strokeEdges(dimEdge, muted, 1.2);
    ctx.globalAlpha = 1;
  }
  strokeEdges((e) => !e.in_cycle && !dimEdge(e), muted, 1.2);
  strokeEdges((e) => e.in_cycle && !dimEdge(e), danger, 1.6);
  if (critical.size > 0) strokeEdges((e) => critical.has(`${e.from}>${e.to}`) && !dimEdge(e), accent, 2.4);
  if (onPath.size > 0) strokeEdges((e) => onPath.has(`${e.from}>${e.to}`), highlight, 3.2, []);
  ctx.setLineDash([]);

  // Nodes, filled per colour (batched), then the outlines of context and missing ones.
  const byColour = new Map<string, number[]>();
  for (let i = 0; i < g.nodes.length; i++) {
    const n = g.nodes[i];
    if (!n || n.kind === "missing" || !visible(sx(n.x), sy(n.y))) continue;
    const key = colourKey(n, o.colourBy);
    const fill = `${dimNode(i) ? "d" : "n"}${key === null ? muted : colourOf(key, o.dark)}`;
    const list = byColour.get(fill);
    if (list) list.push(i);
    else byColour.set(fill, [i]);
  }
  for (const [dimFill, list] of byColour) {
    const fill = dimFill.slice(1);
    ctx.globalAlpha = dimFill.startsWith("d") ? DIM : 1;
    ctx.beginPath();
    for (const i of list) {
      const n = g.nodes[i];
      if (!n) continue;
      ctx.moveTo(sx(n.x) + r, sy(n.y));
      ctx.arc(sx(n.x), sy(n.y), r, 0, Math.PI * 2);
    }
    ctx.fillStyle = fill;
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  const bg = css("--bg", "#ffffff");
  for (let i = 0; i < g.nodes.length; i++) {
    const n = g.nodes[i];
    if (!n || n.kind === "event" || !visible(sx(n.x), sy(n.y))) continue;
    ctx.globalAlpha = dimNode(i) ? DIM : 1;
    ctx.beginPath();
    ctx.arc(sx(n.x), sy(n.y), r, 0, Math.PI * 2);
    if (n.kind === "missing") {
      ctx.fillStyle = bg;
      ctx.fill();
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = danger;
    } else {
      ctx.setLineDash([]);
      ctx.lineWidth = 2;
      ctx.strokeStyle = fg;
      // A context node: a ring around its colour.
      ctx.arc(sx(n.x), sy(n.y), r * 0.45, 0, Math.PI * 2);
      ctx.fillStyle = bg;
      ctx.fill("evenodd");
    }
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.globalAlpha = 1;
  // The path to the root and the selected node.
  for (const i of o.path) {
    const n = g.nodes[i];
    if (!n) continue;
    ctx.beginPath();
    ctx.arc(sx(n.x), sy(n.y), r + 3, 0, Math.PI * 2);
    ctx.lineWidth = i === o.selected ? 3 : 2;
    ctx.strokeStyle = i === o.selected ? fg : highlight;
    ctx.stroke();
  }
  // The event at the replay cursor: a wide ring in the accent colour.
  const atNode = o.cursor?.at === null || o.cursor?.at === undefined ? undefined : g.nodes[o.cursor.at];
  if (atNode) {
    ctx.beginPath();
    ctx.arc(sx(atNode.x), sy(atNode.y), r + 7, 0, Math.PI * 2);
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = accent;
    ctx.stroke();
  }

  // Labels, when there is room: alternately above and below, so neighbours share two columns.
  const room = 2 * 40 * t.k - 8;
  if (room >= 48) {
    ctx.font = `${Math.min(13, 10 + t.k)}px system-ui, sans-serif`;
    ctx.fillStyle = fg;
    ctx.textAlign = "center";
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i];
      if (!n) continue;
      const x = sx(n.x);
      const y = sy(n.y);
      if (!visible(x, y)) continue;
      const text = n.kind === "missing" ? `missing ${n.id}` : (n.type ?? "");
      const below = n.column % 2 === 1;
      ctx.textBaseline = below ? "top" : "bottom";
      if (i === o.selected) continue; // drawn last, on top
      ctx.globalAlpha = dimNode(i) ? DIM_TEXT : 1;
      ctx.fillText(fit(ctx, text, room), x, below ? y + r + 4 : y - r - 4);
    }
    ctx.globalAlpha = 1;
  }
  // The selected node's label in full, on a plate over its neighbours'.
  const s = o.selected === null ? undefined : g.nodes[o.selected];
  if (s) {
    const text = s.kind === "missing" ? `missing ${s.id}` : (s.type ?? "");
    ctx.font = "600 13px system-ui, sans-serif";
    const w = Math.min(ctx.measureText(text).width, 420);
    const x = sx(s.x);
    const y = sy(s.y) - r - 8;
    ctx.fillStyle = css("--bg", "#ffffff");
    ctx.strokeStyle = css("--border", "#d5dae0");
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.rect(x - w / 2 - 5, y - 18, w + 10, 20);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = fg;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(fit(ctx, text, 420), x, y);
  }
}

/** `text`, cut with an ellipsis to `max` pixels. */
function fit(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
