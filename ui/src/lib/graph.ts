/**
 * The Graph view's geometry and picking, kept pure so they are unit-tested: the layout itself
 * (columns, lanes, positions, edge routes) comes computed from the core; the UI only maps layout
 * units to screen pixels, finds the node under the pointer, and walks `up` to the root.
 */
import type { GraphNode } from "../bindings/GraphNode";
import { sourceHue } from "./colour";

/** Screen = layout × k + (x, y). */
export interface Transform {
  k: number;
  x: number;
  y: number;
}

/** Zoom limits: from a 5,000-event chain on one screen to a few nodes filling it. */
export const MIN_K = 0.002;
export const MAX_K = 4;
/** Below this scale a column is too narrow to tell neighbours apart: start readable instead. */
export const READABLE_K = 0.35;
/** Node radius in layout units (columns are 40 apart). */
export const NODE_RADIUS = 9;

export function clampK(k: number): number {
  return Math.min(MAX_K, Math.max(MIN_K, k));
}

/** The whole layout centred in the view, with `pad` pixels around it. */
export function fitTransform(
  layout: { width: number; height: number },
  viewW: number,
  viewH: number,
  pad = 48,
): Transform {
  const k = clampK(
    Math.min((viewW - 2 * pad) / Math.max(layout.width, 1), (viewH - 2 * pad) / Math.max(layout.height, 1), 1.5),
  );
  return { k, x: (viewW - layout.width * k) / 2, y: (viewH - layout.height * k) / 2 };
}

/**
 * Where the view opens: the whole graph when it fits readably; else readable, from the start of
 * time (left edge), lanes centred. The Fit button still shows everything.
 */
export function initialTransform(
  layout: { width: number; height: number },
  viewW: number,
  viewH: number,
): Transform {
  const fit = fitTransform(layout, viewW, viewH);
  if (fit.k >= READABLE_K) return fit;
  const k = 1;
  return { k, x: 48, y: Math.max(48, (viewH - layout.height * k) / 2) };
}

/** Zoom by `factor` keeping the layout point under (sx, sy) where it is. */
export function zoomAt(t: Transform, factor: number, sx: number, sy: number): Transform {
  const k = clampK(t.k * factor);
  const f = k / t.k;
  return { k, x: sx - (sx - t.x) * f, y: sy - (sy - t.y) * f };
}

export function toScreen(t: Transform, x: number, y: number): [number, number] {
  return [x * t.k + t.x, y * t.k + t.y];
}

/** Radius of a node on screen: grows with zoom, never below a clickable dot. */
export function screenRadius(t: Transform): number {
  return Math.max(3, Math.min(14, NODE_RADIUS * t.k));
}

/** The node under (sx, sy), within `slop` pixels of its disc; the nearest wins. */
export function hitTest(
  nodes: readonly Pick<GraphNode, "x" | "y">[],
  t: Transform,
  sx: number,
  sy: number,
  slop = 4,
): number | null {
  const r = screenRadius(t) + slop;
  let best: number | null = null;
  let bestD = r * r;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as Pick<GraphNode, "x" | "y">;
    const dx = n.x * t.k + t.x - sx;
    const dy = n.y * t.k + t.y - sy;
    const d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** Node `i`, its `up`, that one's `up` … to a root. Stops on a repeat (never loops). */
export function pathToRoot(nodes: readonly Pick<GraphNode, "up">[], i: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  let cur: number | null = i;
  while (cur !== null && !seen.has(cur) && cur >= 0 && cur < nodes.length) {
    out.push(cur);
    seen.add(cur);
    cur = nodes[cur]?.up ?? null;
  }
  return out;
}

export type ColourBy = "source" | "dialect";

/** What a node is coloured by: its source or its dialect; placeholders have neither. */
export function colourKey(node: Pick<GraphNode, "source" | "dialect">, by: ColourBy): string | null {
  const v = by === "source" ? node.source : node.dialect;
  return v ?? null;
}

/** The fill of a colour key, with the hue the source tags use (lib/colour.ts). */
export function colourOf(key: string, dark: boolean): string {
  return `hsl(${sourceHue(key)} 60% ${dark ? 62 : 42}%)`;
}
