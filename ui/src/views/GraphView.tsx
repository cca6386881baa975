import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import type { Graph } from "../bindings/Graph";
import type { GraphRequest } from "../bindings/GraphRequest";
import { useBackend } from "../backend";
import { ErrorNotice } from "../components/ErrorNotice";
import { EmptyState } from "../components/EmptyState";
import { useAppInfo, useTenant } from "../data/queries";
import { type ColourBy, colourKey, colourOf, pathToRoot } from "../lib/graph";
import { type GraphScope, type GraphScopeKind, graphQueryKey, graphRequest, graphScopeOf } from "../lib/graphScope";
import { formatTime } from "../lib/time";
import { navigate, useRoute } from "../state/route";
import { useUi } from "../state/ui";
import { GraphCanvas } from "./graph/GraphCanvas";

/**
 * The Graph view: the correlation / causation graph of one scope, as the core analysed and laid
 * it out — every scope the `graph` operation takes: `#/graph?tenant=…&correlation=…`,
 * `…&execution=…`, `…&trace=…`, or `…&event=…` alone (the connected component around that
 * event). The canvas draws; this component holds the scope, the summary, the legend and what is
 * selected. Selecting a node opens its event in the drawer (the URL's `event=`) and highlights
 * its path to the root; in an event-scoped graph that keeps the graph (see {@link useEventAnchor}).
 */
export function GraphView() {
  const info = useAppInfo();
  if (info.isPending) return <p className="muted">Opening the store…</p>;
  if (info.isError) return <ErrorNotice error={info.error} action="read the store information" />;
  if (info.data.store_error) return <ErrorNotice error={info.data.store_error} action="open the store" />;
  return <GraphBody />;
}

function GraphBody() {
  const { tenant, stats } = useTenant();
  const route = useRoute();
  if (stats.isPending) return <p className="muted">Reading the store…</p>;
  if (stats.isError) return <ErrorNotice error={stats.error} action="read the store's tenants" />;
  if (tenant === null) return null;
  return <GraphScoped tenant={tenant} scope={graphScopeOf(route)} />;
}

function GraphScoped({ tenant, scope }: { tenant: string; scope: GraphScope | null }) {
  const anchored = useEventAnchor(tenant, scope);
  if (anchored === null) return <ScopeForm />;
  return <GraphOf req={graphRequest(tenant, anchored)} />;
}

/**
 * An `event=` scope names the component around that event, but `event=` is also the selection:
 * selecting another node of the same graph must not rebuild it around that node. So the event the
 * graph was built around is kept while the selection stays inside that graph (or is cleared),
 * and replaced when the URL names an event outside it.
 */
function useEventAnchor(tenant: string, scope: GraphScope | null): GraphScope | null {
  const queryClient = useQueryClient();
  const [anchor, setAnchor] = useState<{ tenant: string; id: string } | null>(null);
  if (scope !== null && scope.kind !== "event") return scope;
  if (anchor !== null && anchor.tenant === tenant) {
    const built = queryClient.getQueryData<Graph>(graphQueryKey({ tenant, event: anchor.id }));
    const keep = scope === null || anchor.id === scope.id || (built?.nodes.some((n) => n.id === scope.id) ?? false);
    if (keep) return { kind: "event", id: anchor.id };
  }
  if (scope === null) return null;
  // Adjusting state while rendering (React's documented pattern for state derived from props).
  setAnchor({ tenant, id: scope.id });
  return scope;
}

const SCOPE_KINDS: { kind: GraphScopeKind; label: string }[] = [
  { kind: "correlation", label: "Correlation id" },
  { kind: "trace", label: "Trace id" },
  { kind: "execution", label: "Execution id" },
  { kind: "event", label: "Event id (its connected events)" },
];

/** No scope named yet: ask for one (or point to the drawer's Graph button). */
function ScopeForm() {
  const [kind, setKind] = useState<GraphScopeKind>("correlation");
  const [value, setValue] = useState("");
  function submit(e: FormEvent) {
    e.preventDefault();
    const v = value.trim();
    if (v === "") return;
    navigate((r) => ({
      ...r,
      filters: kind === "correlation" || kind === "execution" ? { [kind]: v } : {},
      trace: kind === "trace" ? v : null,
      event: kind === "event" ? v : null,
    }));
  }
  return (
    <EmptyState title="Which chain?">
      <p>
        Name a correlation chain, a trace, an execution or an event to see its events as a graph,
        or open an event in the timeline and choose <strong>Graph</strong> in its details.
      </p>
      <form className="graph-scope-form" onSubmit={submit}>
        <select aria-label="Scope" value={kind} onChange={(e) => setKind(e.target.value as GraphScopeKind)}>
          {SCOPE_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
        <input
          id="graph-scope-id"
          aria-label={SCOPE_KINDS.find((k) => k.kind === kind)?.label}
          className="input mono"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="button">
          Show graph
        </button>
      </form>
    </EmptyState>
  );
}

function GraphOf({ req }: { req: GraphRequest }) {
  const backend = useBackend();
  const graph = useQuery({
    queryKey: graphQueryKey(req),
    queryFn: () => backend.graph(req),
    // The log is append-only, but a live ingest can extend a chain: refetch when asked.
    staleTime: 30_000,
  });
  if (graph.isPending) return <p className="muted">Building the graph…</p>;
  if (graph.isError) return <ErrorNotice error={graph.error} action="build this graph" />;
  return <GraphLoaded graph={graph.data} />;
}

const EDGE_LEGEND = [
  { kind: "causation", label: "caused", dash: "" },
  { kind: "parent", label: "parent of", dash: "6 3" },
  { kind: "sequence", label: "next in chain", dash: "2 3" },
] as const;

function GraphLoaded({ graph: g }: { graph: Graph }) {
  const route = useRoute();
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  const utc = useUi((s) => s.utc);
  const [colourBy, setColourBy] = useState<ColourBy>("source");
  const [showCritical, setShowCritical] = useState(true);
  const [fitSignal, setFitSignal] = useState(0);
  const dark = useMemo(() => window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false, []);

  const selected = useMemo(() => {
    if (route.event === null) return null;
    const i = g.nodes.findIndex((n) => n.id === route.event);
    return i >= 0 ? i : null;
  }, [g, route.event]);
  const path = useMemo(() => (selected === null ? [] : pathToRoot(g.nodes, selected)), [g, selected]);

  const keys = useMemo(() => {
    const counts = new Map<string, number>();
    for (const n of g.nodes) {
      const k = colourKey(n, colourBy);
      if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }, [g, colourBy]);

  function select(i: number | null) {
    const node = i === null ? null : g.nodes[i];
    navigate((r) => ({ ...r, event: node ? node.id : null }));
    if (node && node.kind !== "missing") setDrawerOpen(true);
  }

  const events = g.nodes.filter((n) => n.kind === "event").length;
  const count = (k: string) => g.edges.filter((e) => e.kind === k).length;

  return (
    <div className="graph-view" data-testid="graph-view">
      <p className="graph-summary" data-testid="graph-summary">
        {`${g.scope} ${g.scope_id}: ${events.toLocaleString("en-US")} events · ${g.edges.length.toLocaleString("en-US")} edges · depth ${g.depth} · ${g.roots.length} roots · ${g.forks.length} forks · ${g.orphans.length} orphans · ${g.cycles.length} cycles`}
      </p>
      {g.truncated && (
        <p className="graph-warning" role="status" data-testid="graph-truncated">
          {`Only the first ${g.max_nodes.toLocaleString("en-US")} events of this chain are shown: it has more.`}
        </p>
      )}
      {g.cycles.length > 0 && (
        <p className="graph-warning" role="status">
          {`This chain has ${g.cycles.length} cycle(s): events that (directly or not) cause themselves. That is bad data; the cycle's edges are drawn in red.`}
        </p>
      )}
      <div className="graph-tools" role="group" aria-label="Graph display">
        <fieldset className="graph-colour">
          <legend>Colour by</legend>
          {(["source", "dialect"] as const).map((by) => (
            <label key={by}>
              <input type="radio" name="graph-colour" checked={colourBy === by} onChange={() => setColourBy(by)} />
              {by}
            </label>
          ))}
        </fieldset>
        <label className="graph-check">
          <input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} />
          {`Critical path (${g.critical_path.length} events)`}
        </label>
        <button type="button" className="button button-small" onClick={() => setFitSignal((n) => n + 1)}>
          Fit
        </button>
        <span className="muted small">Wheel to zoom, drag to pan, click a node to open its event ([ and ] step through them).</span>
      </div>
      <div className="graph-body">
        <div className="graph-stage">
          <GraphCanvas
            graph={g}
            colourBy={colourBy}
            dark={dark}
            selected={selected}
            path={path}
            showCritical={showCritical}
            fitSignal={fitSignal}
            onSelect={select}
          />
        </div>
        <SelectedNode graph={g} selected={selected} path={path} utc={utc} onSelect={select} />
      </div>
      <div className="graph-legend" aria-label="Legend">
        <ul className="graph-legend-edges">
          {EDGE_LEGEND.map((e) => (
            <li key={e.kind}>
              <svg width="36" height="10" aria-hidden="true">
                <line x1="2" y1="5" x2="34" y2="5" className={`graph-legend-line graph-legend-${e.kind}`} strokeDasharray={e.dash} />
              </svg>
              {`${e.kind} (${e.label}): ${count(e.kind)}`}
            </li>
          ))}
          <li>
            <span className="graph-swatch graph-swatch-context" aria-hidden="true" />
            context: an event outside this chain that a link reaches
          </li>
          <li>
            <span className="graph-swatch graph-swatch-missing" aria-hidden="true" />
            missing: a linked id that is not in the store
          </li>
        </ul>
        <ul className="graph-legend-keys" aria-label={`Colours by ${colourBy}`}>
          {keys.slice(0, 12).map(([k, n]) => (
            <li key={k}>
              <span className="graph-swatch" style={{ background: colourOf(k, dark) }} aria-hidden="true" />
              {`${k} (${n})`}
            </li>
          ))}
          {keys.length > 12 && <li className="muted">{`and ${keys.length - 12} more`}</li>}
        </ul>
      </div>
    </div>
  );
}

function SelectedNode({
  graph: g,
  selected,
  path,
  utc,
  onSelect: select,
}: {
  graph: Graph;
  selected: number | null;
  path: number[];
  utc: boolean;
  onSelect: (i: number | null) => void;
}) {
  const sel = selected === null ? null : g.nodes[selected];
  return (
    <section className="graph-selected" aria-label="Selected node" data-testid="graph-selected">
      {sel === null || sel === undefined ? (
        <p className="muted small">No node selected.</p>
      ) : (
        <>
          <p>
            <strong>{sel.kind === "missing" ? "Missing event" : (sel.type ?? "")}</strong>{" "}
            <span className="mono small">{sel.id}</span>
          </p>
          {sel.kind === "missing" ? (
            <p className="small">
              {`No event with this id is stored in this tenant; ${g.orphans.filter((o) => o.placeholder === selected).length} event(s) name it as their cause or parent.`}
            </p>
          ) : (
            <p className="small">
              {sel.occurred_at_us !== null ? formatTime(sel.occurred_at_us, utc, "ms") : ""}
              {sel.kind === "context" ? " · outside this chain" : ""}
            </p>
          )}
          <p className="small" data-testid="graph-path">
            {`Path to the root: ${path.length} node(s)`}
          </p>
          <ol className="graph-path">
            {path.map((i) => {
              const n = g.nodes[i];
              if (!n) return null;
              return (
                <li key={i}>
                  <button type="button" className="link-button" onClick={() => select(i)}>
                    {n.kind === "missing" ? `(missing) ${n.id}` : `${n.type ?? ""}`}
                  </button>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
