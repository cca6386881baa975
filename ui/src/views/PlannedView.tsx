import { EmptyState } from "../components/EmptyState";
import type { ViewId } from "../routing";

type Planned = Exclude<ViewId, "timeline" | "graph" | "integrity" | "sources">;

/** What each view will do; shown instead of a body until it exists (never sample data). */
const PLANNED: Record<Planned, string> = {
  approvals:
    "Every approval case across products: requested, approved, denied, expired or still pending, with who decided, how long it took, and the anomalies.",
  replay:
    "A scrubber over a chain, an execution or a time window that rebuilds the state at the cursor and plays the events back.",
};

export function PlannedView({ view }: { view: Planned }) {
  return (
    <EmptyState title="Arrives in a later release">
      <p>{PLANNED[view]}</p>
    </EmptyState>
  );
}
