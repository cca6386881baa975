/**
 * The scope's graph beside the Replay view's state panel, following the cursor: the Graph view's
 * canvas over the same `graph` operation and scope, fetched once per scope (the query key holds
 * only the scope, never the cursor), with the events up to the cursor drawn normally, the event
 * at the cursor ringed, and the events after it dimmed. Clicking a node moves the cursor to it.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { Graph } from "../../bindings/Graph";
import type { GraphRequest } from "../../bindings/GraphRequest";
import { useBackend } from "../../backend";
import { ErrorNotice } from "../../components/ErrorNotice";
import { pathToRoot } from "../../lib/graph";
import { graphQueryKey } from "../../lib/graphScope";
import { cursorMarks, cursorSeqOfNode } from "../../lib/replayGraph";
import { GraphCanvas } from "../graph/GraphCanvas";

interface Props {
  /** The `graph` request of the replay's scope; `null` for a time window (no graph). */
  req: GraphRequest | null;
  /** Seq of the frame at the cursor; `null` before the first frame. */
  cursorSeq: number | null;
  /** Moves the cursor to after the event with this seq. */
  onSeek: (seq: number) => void;
}

export function ReplayGraph({ req, cursorSeq, onSeek }: Props) {
  return (
    <section className="replay-graph" data-testid="replay-graph" aria-label="The scope's graph at the cursor">
      <h2>Graph</h2>
      {req === null ? (
        <p className="muted" data-testid="replay-graph-none">
          The graph needs a correlation chain, an execution or a trace: a time window has none. Replay one of
          those to see its events as a graph here.
        </p>
      ) : (
        <ReplayGraphOf req={req} cursorSeq={cursorSeq} onSeek={onSeek} />
      )}
    </section>
  );
}

function ReplayGraphOf({ req, cursorSeq, onSeek }: { req: GraphRequest; cursorSeq: number | null; onSeek: (seq: number) => void }) {
  const backend = useBackend();
  const graph = useQuery({
    queryKey: graphQueryKey(req),
    queryFn: () => backend.graph(req),
    // Once per scope: moving the cursor changes only the highlight.
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (graph.isPending) return <p className="muted">Building the graph…</p>;
  if (graph.isError) return <ErrorNotice error={graph.error} action="build this scope's graph" />;
  return <CursorGraph graph={graph.data} cursorSeq={cursorSeq} onSeek={onSeek} />;
}

function CursorGraph({ graph: g, cursorSeq, onSeek }: { graph: Graph; cursorSeq: number | null; onSeek: (seq: number) => void }) {
  const [fitSignal, setFitSignal] = useState(0);
  const dark = useMemo(() => window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false, []);
  const marks = useMemo(() => cursorMarks(g, cursorSeq), [g, cursorSeq]);
  const path = useMemo(() => (marks.at === null ? [] : pathToRoot(g.nodes, marks.at)), [g, marks.at]);
  const at = marks.at === null ? null : g.nodes[marks.at];
  const events = g.nodes.filter((n) => n.kind === "event").length;

  return (
    <>
      <p className="small replay-graph-summary" data-testid="replay-graph-summary">
        {`${g.scope} ${g.scope_id}: ${events.toLocaleString("en-US")} events · ${marks.past + (marks.at === null ? 0 : 1)} drawn up to the cursor · ${marks.future} still to come (dimmed)`}
      </p>
      {g.truncated && (
        <p className="graph-warning small" role="status">
          {`Only the first ${g.max_nodes.toLocaleString("en-US")} events of this scope are drawn: a cursor past them highlights no node.`}
        </p>
      )}
      {cursorSeq !== null && at === null && !g.truncated && (
        <p className="muted small">The event at the cursor is not in this graph.</p>
      )}
      <div className="graph-tools replay-graph-tools">
        <button type="button" className="button button-small" onClick={() => setFitSignal((n) => n + 1)}>
          Fit
        </button>
        <span className="muted small">
          {at ? (
            <>
              At the cursor: <strong>{at.type ?? ""}</strong> <span className="mono">{at.id}</span>
            </>
          ) : (
            "Before the first event."
          )}{" "}
          Click a node to move the cursor to it.
        </span>
      </div>
      <div className="graph-stage replay-graph-stage">
        <GraphCanvas
          graph={g}
          colourBy="source"
          dark={dark}
          selected={marks.at}
          path={path}
          showCritical={false}
          fitSignal={fitSignal}
          cursor={marks}
          onSelect={(i) => {
            const seq = cursorSeqOfNode(g, i);
            if (seq !== null) onSeek(seq);
          }}
        />
      </div>
    </>
  );
}
