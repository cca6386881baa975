import { EmptyState } from "../components/EmptyState";
import { StoreSummary } from "./StoreSummary";

export function TimelineView() {
  return (
    <>
      <StoreSummary />
      <EmptyState title="No events to show yet">
        <p>
          The timeline will list this store&apos;s events here: dense rows in time order, with a
          histogram to move through time. Opening files and loading demo data arrive with it.
        </p>
      </EmptyState>
    </>
  );
}
