import { describe, expect, it } from "vitest";
import type { GraphEdge } from "../bindings/GraphEdge";
import type { GraphNode } from "../bindings/GraphNode";
import { AT, cursorMarks, cursorSeqOfNode, FUTURE, PAST } from "./replayGraph";

function node(id: string, seq: number | null, kind: GraphNode["kind"] = "event"): GraphNode {
  return {
    id,
    kind,
    seq,
    type: seq === null ? null : `t.${id}`,
    source: null,
    dialect: null,
    occurred_at: null,
    occurred_at_us: null,
    correlation_id: null,
    depth: 0,
    up: null,
    column: 0,
    lane: 0,
    x: 0,
    y: 0,
  };
}
function edge(from: number, to: number): GraphEdge {
  const p = { x: 0, y: 0 };
  return { from, to, kind: "causation", route: [p, p, p], in_cycle: false };
}

// A chain in time order whose seqs are not (a later-logged event occurred earlier), a context
// event from outside the scope, and a missing cause named by the last event.
const g = {
  nodes: [node("a", 10), node("b", 14), node("ctx", 12, "context"), node("c", 11), node("gone", null, "missing"), node("d", 20)],
  edges: [edge(0, 1), edge(2, 1), edge(0, 3), edge(4, 5), edge(3, 5)],
};
const marksOf = (seq: number | null) => [...cursorMarks(g, seq).marks];

describe("the replay cursor on the graph", () => {
  it("before the first frame, everything is still to come", () => {
    const m = cursorMarks(g, null);
    expect([...m.marks]).toEqual([FUTURE, FUTURE, FUTURE, FUTURE, FUTURE, FUTURE]);
    expect(m.at).toBeNull();
    expect(m.past).toBe(0);
    expect(m.future).toBe(6);
  });

  it("marks by seq, not by position in the layout: past, the one at the cursor, still to come", () => {
    // Cursor after seq 11 (the frame "c"): "a" (10) is past, "c" is at, "ctx" (12) and "b" (14) are not yet logged.
    const m = cursorMarks(g, 11);
    expect([...m.marks]).toEqual([PAST, FUTURE, FUTURE, AT, FUTURE, FUTURE]);
    expect(m.at).toBe(3);
    expect(m.past).toBe(1);
    expect(m.future).toBe(4);
  });

  it("a context event follows its own seq", () => {
    expect(marksOf(12)).toEqual([PAST, FUTURE, AT, PAST, FUTURE, FUTURE]);
  });

  it("a missing placeholder appears with the first event that names it", () => {
    expect(marksOf(14)[4]).toBe(FUTURE);
    const m = cursorMarks(g, 20);
    expect([...m.marks]).toEqual([PAST, PAST, PAST, PAST, PAST, AT]);
    expect(m.future).toBe(0);
  });

  it("a cursor between events highlights none and keeps the earlier ones", () => {
    const m = cursorMarks(g, 13);
    expect(m.at).toBeNull();
    expect([...m.marks]).toEqual([PAST, FUTURE, PAST, PAST, FUTURE, FUTURE]);
  });

  it("moving the cursor never changes the graph it reads", () => {
    const before = JSON.stringify(g);
    for (const s of [null, 10, 11, 12, 14, 20, 99]) cursorMarks(g, s);
    expect(JSON.stringify(g)).toBe(before);
  });

  it("a click moves the cursor to an event's seq, never to a placeholder", () => {
    expect(cursorSeqOfNode(g, 1)).toBe(14);
    expect(cursorSeqOfNode(g, 2)).toBe(12);
    expect(cursorSeqOfNode(g, 4)).toBeNull();
    expect(cursorSeqOfNode(g, null)).toBeNull();
    expect(cursorSeqOfNode(g, 99)).toBeNull();
  });
});
