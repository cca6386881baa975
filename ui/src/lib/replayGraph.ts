/**
 * The replay cursor on the scope's graph: which nodes are in the past of the cursor (drawn
 * normally), which one is the event at the cursor (highlighted), and which are still to come
 * (dimmed). Pure, so the Replay view only recomputes marks when the cursor moves and never
 * refetches the graph.
 *
 * Replay frames are the scope's events in `seq` order and the cursor is "after the frame with
 * this seq", so a node's place is read from its `seq`: the same rule holds for `context` nodes
 * (events outside the scope that a link reaches: had they been logged by then?). A `missing`
 * placeholder has no seq: it appears with the first event that names it.
 */
import type { Graph } from "../bindings/Graph";

export const PAST = 0;
export const AT = 1;
export const FUTURE = 2;
export type Mark = typeof PAST | typeof AT | typeof FUTURE;

export interface CursorMarks {
  /** One mark per node, by node index. */
  marks: Uint8Array;
  /** The node of the event at the cursor; `null` before the first frame, or when that event is not in the graph. */
  at: number | null;
  /** Nodes drawn as past (the node at the cursor not included). */
  past: number;
  /** Nodes dimmed as still to come. */
  future: number;
}

/**
 * Marks every node of `g` against the cursor `cursorSeq` (the seq of the last frame folded;
 * `null` = before the first frame, so everything is still to come).
 */
export function cursorMarks(g: Pick<Graph, "nodes" | "edges">, cursorSeq: number | null): CursorMarks {
  const n = g.nodes.length;
  const marks = new Uint8Array(n).fill(FUTURE);
  let at: number | null = null;
  for (let i = 0; i < n; i++) {
    const seq = g.nodes[i]?.seq ?? null;
    if (seq === null || cursorSeq === null) continue;
    if (seq < cursorSeq) marks[i] = PAST;
    else if (seq === cursorSeq) {
      marks[i] = AT;
      at = i;
    }
  }
  // A placeholder is there once any event linked to it is.
  for (const e of g.edges) {
    const a = g.nodes[e.from];
    const b = g.nodes[e.to];
    if (!a || !b) continue;
    if (a.seq === null && marks[e.to] !== FUTURE) marks[e.from] = PAST;
    if (b.seq === null && marks[e.from] !== FUTURE) marks[e.to] = PAST;
  }
  let past = 0;
  let future = 0;
  for (let i = 0; i < n; i++) {
    if (marks[i] === PAST) past++;
    else if (marks[i] === FUTURE) future++;
  }
  return { marks, at, past, future };
}

/** The seq a click on node `i` moves the cursor to: an event's own seq; none for a placeholder. */
export function cursorSeqOfNode(g: Pick<Graph, "nodes">, i: number | null): number | null {
  if (i === null) return null;
  const node = g.nodes[i];
  return node && node.kind !== "missing" ? node.seq : null;
}
